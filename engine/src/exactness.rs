//! Instruction-set choice for the Exact policy.
//!
//! tract picks its kernels once per process from the CPU's instruction-set features (edited by
//! the `TRACT_CPU_ISA` knob) and, on x86_64, from the CPU vendor and last-level cache size.
//! Kernels of different tiers give different f32 bits, so Exact-policy workers must all run the
//! same kernels. Two ways are supported, chosen once per process before the first model is
//! loaded:
//!
//! - [`ExactMode::Pinned`] (the default, see BENCHMARKS.md for the measurements behind the
//!   choice): every Exact worker runs tract's x86_64 AVX2+FMA tier. AVX-512, AVX-VNNI and AMX
//!   are masked out, the vendor cohort and cache size that feed kernel selection are pinned. A
//!   CPU without AVX, AVX2, FMA and F16C (or not x86_64) refuses Exact with a message. Costs
//!   nothing on AVX2 machines; on AVX-512 machines it gives up AVX-512 speed-ups.
//! - [`ExactMode::Portable`]: tract's generic (portable Rust) kernels on every CPU; runs
//!   anywhere, 2–4× slower.
//! - [`ExactMode::Off`]: native kernels, fastest; Exact is refused (Tolerance only).
//!
//! The mode comes from [`configure`] or, the first time [`current`] is called, from the
//! environment variable `INFERCHAIN_EXACT_MODE` (`pinned`, `portable` or `off`).

use std::sync::OnceLock;
use tract_onnx::tract_core::{knobs, tract_linalg};

/// Features masked out in [`ExactMode::Pinned`].
pub const PINNED_MASK: &str = "-avx512f,-avx512vnni,-avx512fp16,-avxvnni,-amx-int8,-amx-bf16";
/// Features a CPU must have to run Exact in [`ExactMode::Pinned`].
pub const PINNED_REQUIRED: &[&str] = &["x86_64", "avx", "avx2", "fma", "f16c"];
/// Features masked out in [`ExactMode::Portable`]: every SIMD tier tract has on x86_64.
pub const PORTABLE_MASK: &str =
    "-avx512f,-avx512vnni,-avx512fp16,-avxvnni,-amx-int8,-amx-bf16,-avx2,-fma,-f16c,-avx";
/// Last-level cache size pinned for kernel selection in the exact modes.
pub const PINNED_LLC: &str = "32M";
/// Vendor cohort pinned for kernel selection in the exact modes (`TRACT_X86_KIND`).
pub const PINNED_X86_KIND: &str = "other";
/// Environment variable selecting the mode.
pub const MODE_ENV: &str = "INFERCHAIN_EXACT_MODE";

/// How this process runs tract kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExactMode {
    /// One pinned tier (x86_64 AVX2+FMA) for every Exact worker.
    Pinned,
    /// Portable generic kernels on every CPU.
    Portable,
    /// Native kernels; Exact refused.
    Off,
}

impl ExactMode {
    /// Parses `pinned`, `portable` or `off`.
    pub fn parse(s: &str) -> Option<ExactMode> {
        match s.trim() {
            "pinned" => Some(ExactMode::Pinned),
            "portable" => Some(ExactMode::Portable),
            "off" | "native" => Some(ExactMode::Off),
            _ => None,
        }
    }
}

/// The process-wide kernel configuration.
#[derive(Clone, Debug)]
pub struct Exactness {
    /// The configured mode.
    pub mode: ExactMode,
    /// The instruction-set features tract runs with, as tract names them.
    pub isa: Vec<String>,
    /// `Ok` if Exact-policy runs are allowed on this process, else why not.
    pub exact: Result<(), String>,
}

impl Exactness {
    /// Human-readable one-line description.
    pub fn describe(&self) -> String {
        let exact = match &self.exact {
            Ok(()) => "exact: available".to_string(),
            Err(e) => format!("exact: refused ({e})"),
        };
        format!(
            "mode {:?}, isa [{}], {exact}",
            self.mode,
            self.isa.join(",")
        )
    }
}

static CONFIG: OnceLock<Exactness> = OnceLock::new();

/// Configures the process for `mode`, unless already configured (the first configuration
/// wins, since tract probes once per process). Must run before any model is loaded; if tract
/// already probed its features the exact modes refuse Exact.
pub fn configure(mode: ExactMode) -> &'static Exactness {
    CONFIG.get_or_init(|| apply(mode))
}

/// The process configuration, configuring from `INFERCHAIN_EXACT_MODE` (default
/// [`ExactMode::Pinned`]) on first use.
pub fn current() -> &'static Exactness {
    CONFIG.get_or_init(|| {
        let mode = std::env::var(MODE_ENV)
            .ok()
            .and_then(|s| ExactMode::parse(&s))
            .unwrap_or(ExactMode::Pinned);
        apply(mode)
    })
}

fn isa_names() -> Vec<String> {
    tract_linalg::isa::native()
        .iter()
        .map(|i| i.name().to_string())
        .collect()
}

fn apply(mode: ExactMode) -> Exactness {
    let user = std::env::var("TRACT_CPU_ISA").unwrap_or_default();
    let mask = match mode {
        ExactMode::Pinned => PINNED_MASK,
        ExactMode::Portable => PORTABLE_MASK,
        ExactMode::Off => "",
    };
    if mode != ExactMode::Off {
        // User edits first (they simulate a weaker CPU in tests), then our mask.
        let spec = [user.as_str(), mask]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>();
        knobs::set_str("TRACT_CPU_ISA", &spec.join(","));
        knobs::set_str("TRACT_LLC_BYTES", PINNED_LLC);
        // tract reads the vendor cohort from the environment only. Configure before other
        // threads read or write the environment (the binaries do it first thing in `main`).
        std::env::set_var("TRACT_X86_KIND", PINNED_X86_KIND);
    }
    let isa = isa_names();
    let has = |f: &str| isa.iter().any(|i| i == f);
    let exact = match mode {
        ExactMode::Off => Err("process runs native kernels (INFERCHAIN_EXACT_MODE=off)".into()),
        ExactMode::Portable => {
            if ["avx", "avx2", "fma", "avx512f"].iter().any(|f| has(f)) {
                Err("SIMD kernels were selected before the portable mode was configured".into())
            } else {
                Ok(())
            }
        }
        ExactMode::Pinned => {
            let missing: Vec<&str> = PINNED_REQUIRED
                .iter()
                .copied()
                .filter(|f| !has(f))
                .collect();
            if !missing.is_empty() {
                Err(format!(
                    "this CPU cannot run the pinned Exact tier (x86_64 AVX2+FMA): missing {}",
                    missing.join(",")
                ))
            } else if ["avx512f", "avxvnni"].iter().any(|f| has(f)) {
                Err("AVX-512 kernels were selected before the pinned mode was configured".into())
            } else {
                Ok(())
            }
        }
    };
    Exactness { mode, isa, exact }
}
