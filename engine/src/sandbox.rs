//! Validation in a separate, resource-limited process.
//!
//! In-process checks bound everything tract does *after* typing, but tract folds constant
//! subgraphs while typing: a constant `Expand` whose shape is computed from constants is
//! materialised before any check can see it (measured: 3.6 GB and 1:45 for a 400-byte model,
//! `engine/tests/models/bombs`). Validating untrusted bytes for the first time therefore runs
//! `inferchain-engine inspect --scale` in a child process with an address-space limit and a
//! wall-clock timeout; only models that pass are compiled in-process (compilation is
//! deterministic, so it stays within what the child used).

use crate::validate::ValidationError;
use codec::Decode;
use inferchain_primitives::model::ModelInfo;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Resource limits of a validation process.
#[derive(Clone, Debug)]
pub struct SandboxLimits {
    /// Address-space limit of the child (`RLIMIT_AS`), in bytes.
    pub memory_bytes: u64,
    /// Wall-clock limit.
    pub timeout: Duration,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        // Activations are bounded by MAX_ACTIVATION_BYTES; the model itself by
        // MAX_MODEL_BYTES; plus room for the binary and tract's working memory.
        SandboxLimits {
            memory_bytes: 2 << 30,
            timeout: Duration::from_secs(60),
        }
    }
}

/// Validates `bytes` by running `exe inspect --scale FILE` under `limits`.
pub fn validate_isolated(
    exe: &Path,
    bytes: &[u8],
    limits: &SandboxLimits,
) -> Result<ModelInfo, ValidationError> {
    let path = temp_path();
    let result = (|| {
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(|e| ValidationError::Sandbox(format!("writing model file: {e}")))?;
        let mut cmd = Command::new(exe);
        cmd.arg("inspect").arg("--scale").arg(&path);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        limit_memory(&mut cmd, limits.memory_bytes);
        let mut child = cmd
            .spawn()
            .map_err(|e| ValidationError::Sandbox(format!("spawning {exe:?}: {e}")))?;
        let start = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if start.elapsed() > limits.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(ValidationError::Sandbox(format!(
                        "validation took longer than {:?}",
                        limits.timeout
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(ValidationError::Sandbox(format!("waiting: {e}"))),
            }
        }
        let out = child
            .wait_with_output()
            .map_err(|e| ValidationError::Sandbox(format!("reading output: {e}")))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => {
                let hex = String::from_utf8_lossy(&out.stdout);
                let raw = hex::decode(hex.trim())
                    .map_err(|e| ValidationError::Sandbox(format!("bad child output: {e}")))?;
                ModelInfo::decode(&mut &raw[..])
                    .map_err(|e| ValidationError::Sandbox(format!("bad child output: {e}")))
            }
            Some(1) => {
                let reason = stderr
                    .lines()
                    .rev()
                    .find_map(|l| l.strip_prefix("error: "))
                    .unwrap_or("rejected");
                Err(ValidationError::Isolated(
                    reason.trim_start_matches("model rejected: ").to_string(),
                ))
            }

            _ => Err(ValidationError::Sandbox(format!(
                "validation process died ({}), likely beyond the {} MiB memory limit: {}",
                out.status,
                limits.memory_bytes >> 20,
                stderr.lines().last().unwrap_or("")
            ))),
        }
    })();
    let _ = std::fs::remove_file(&path);
    result
}

fn temp_path() -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "inferchain-validate-{}-{}.onnx",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

#[cfg(unix)]
fn limit_memory(cmd: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and only calls setrlimit, which
    // is async-signal-safe; it allocates nothing and touches no locks.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn limit_memory(_cmd: &mut Command, _bytes: u64) {}
