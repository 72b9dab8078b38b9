//! Validation in a separate, resource-limited process.
//!
//! In-process checks bound everything tract does *after* typing, but tract folds constant
//! subgraphs while typing: a constant `Expand` whose shape is computed from constants is
//! materialised before any check can see it (measured: 3.6 GB and 1:45 for a 400-byte model,
//! `engine/tests/models/bombs`). Validating untrusted bytes for the first time therefore runs
//! [`serve_child`] in a child process with an address-space limit and a wall-clock timeout;
//! only models that pass are compiled in-process (compilation is deterministic, so it stays
//! within what the child used).
//!
//! The child is a binary that calls [`serve_child`] from its hidden [`CHILD_SUBCOMMAND`]: the
//! `inferchain-engine` CLI, or the node binary itself. Protocol: the parent writes the model
//! bytes to the child's stdin (from a thread, so a full pipe cannot deadlock against the
//! child's output) and closes it; the child writes the SCALE encoding of one [`ChildAnswer`]
//! to stdout and exits 0. The parent reads at most [`MAX_ANSWER_BYTES`] of it and decodes
//! exactly one answer. No file is written, and nothing is parsed from the child's stderr
//! (its last line only goes into the message when the child dies).

use crate::validate::ValidationError;
use codec::{DecodeAll, Encode};
use inferchain_primitives::limits::MAX_MODEL_BYTES;
use inferchain_primitives::model::{ModelInfo, MAX_MODEL_INFO_BYTES};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The hidden subcommand of a child binary that runs [`serve_child`] (no other argument).
pub const CHILD_SUBCOMMAND: &str = "validate-child";

/// What the child answers: the model's info, or why the model was rejected (the
/// [`ValidationError`] message, at most [`MAX_REASON_BYTES`]).
pub type ChildAnswer = Result<ModelInfo, String>;

/// Longest rejection message a child sends, in bytes (longer ones are cut).
pub const MAX_REASON_BYTES: usize = 16 * 1024;

/// Most bytes the parent reads from a child's stdout: the largest [`ChildAnswer`] encoding
/// (a variant byte, then a `ModelInfo` or a compact length and a reason).
pub const MAX_ANSWER_BYTES: usize = 1 + 5 + max(MAX_MODEL_INFO_BYTES as usize, MAX_REASON_BYTES);

/// Most bytes of a child's stderr kept for the message when it dies (the rest is discarded).
const MAX_STDERR_BYTES: usize = 64 * 1024;

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

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

/// The child side: reads a model from stdin (at most `MAX_MODEL_BYTES` + 1 bytes), validates
/// it in this process and writes the SCALE-encoded [`ChildAnswer`] to stdout. A rejected model
/// is an answer too, so this fails only if stdin or stdout fails.
pub fn serve_child() -> std::io::Result<()> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(u64::from(MAX_MODEL_BYTES) + 1)
        .read_to_end(&mut bytes)?;
    let answer: ChildAnswer = crate::validate(&bytes).map_err(|e| cut(e.to_string()));
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&answer.encode())?;
    stdout.flush()
}

/// `s` cut to at most [`MAX_REASON_BYTES`], on a character boundary.
fn cut(mut s: String) -> String {
    if s.len() > MAX_REASON_BYTES {
        let mut end = MAX_REASON_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// Validates `bytes` in a child process, `exe` [`CHILD_SUBCOMMAND`], under `limits`.
pub fn validate_isolated(
    exe: &Path,
    bytes: &[u8],
    limits: &SandboxLimits,
) -> Result<ModelInfo, ValidationError> {
    if bytes.len() > MAX_MODEL_BYTES as usize {
        return Err(ValidationError::TooLarge(bytes.len()));
    }
    let mut cmd = Command::new(exe);
    cmd.arg(CHILD_SUBCOMMAND)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    limit_memory(&mut cmd, limits.memory_bytes);
    let mut child = cmd
        .spawn()
        .map_err(|e| ValidationError::Sandbox(format!("spawning {exe:?}: {e}")))?;
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(ValidationError::Sandbox("child pipes missing".into()));
    };
    let (status, answer, stderr) = std::thread::scope(|scope| {
        // A write error means the child stopped reading (it exited or was killed): its exit
        // status says why.
        scope.spawn(move || {
            let _ = stdin.write_all(bytes);
        });
        let answer = scope.spawn(move || read_head(stdout, MAX_ANSWER_BYTES));
        let stderr = scope.spawn(move || read_tail(stderr, MAX_STDERR_BYTES));
        // Once the child has exited or been killed its pipes close, so the threads end.
        let status = wait(&mut child, limits.timeout);
        let answer = answer.join().unwrap_or_default();
        let stderr = stderr.join().unwrap_or_default();
        (status, answer, stderr)
    });
    let status = status?;
    if answer.len() > MAX_ANSWER_BYTES {
        return Err(ValidationError::Sandbox(format!(
            "validation process wrote more than {MAX_ANSWER_BYTES} bytes"
        )));
    }
    let stderr = String::from_utf8_lossy(&stderr);
    let last_line = stderr.lines().last().unwrap_or("");
    if !status.success() {
        return Err(ValidationError::Sandbox(match status.code() {
            Some(_) => format!("validation process failed ({status}) without an answer: {last_line}"),
            None => format!(
                "validation process died ({status}), likely beyond the {} MiB memory limit: {last_line}",
                limits.memory_bytes >> 20,
            ),
        }));
    }
    match ChildAnswer::decode_all(&mut &answer[..]) {
        Ok(Ok(info)) => Ok(info),
        Ok(Err(reason)) => Err(ValidationError::Isolated(reason)),
        Err(e) => Err(ValidationError::Sandbox(format!("bad child output: {e}"))),
    }
}

/// Waits for `child` until `timeout`, killing it then.
fn wait(child: &mut Child, timeout: Duration) -> Result<ExitStatus, ValidationError> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ValidationError::Sandbox(format!(
                    "validation took longer than {timeout:?}"
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ValidationError::Sandbox(format!("waiting: {e}")));
            }
        }
    }
}

/// The first bytes of `r`, stopping after `limit + 1` (a longer result means `r` had more
/// than `limit`).
fn read_head(r: impl Read, limit: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = r.take(limit as u64 + 1).read_to_end(&mut buf);
    buf
}

/// The last (at most about `limit`) bytes of `r`, read to its end.
fn read_tail(mut r: impl Read, limit: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match r.read(&mut chunk) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Ok(0) | Err(_) => return buf,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > 2 * limit {
                    buf.drain(..buf.len() - limit);
                }
            }
        }
    }
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
