//! Exact policy across instruction-set tiers: each tier is simulated in its own process by
//! removing features with `TRACT_CPU_ISA`; Exact outputs must hash identically on every tier
//! the mode accepts, and the engine must refuse Exact with a message on the others.

mod common;

use common::{model, GOOD_MODELS};
use std::process::Command;

/// Simulated tiers: (name, features removed).
const TIERS: &[(&str, &str)] = &[
    ("native", ""),
    (
        "avx2+fma (AVX-512 removed)",
        "-avx512f,-avx512vnni,-avx512fp16,-avxvnni",
    ),
    (
        "avx (no avx2/fma)",
        "-avx512f,-avx512vnni,-avx512fp16,-avxvnni,-avx2,-fma,-f16c",
    ),
    (
        "no SIMD tier",
        "-avx512f,-avx512vnni,-avx512fp16,-avxvnni,-avx2,-fma,-f16c,-avx",
    ),
];

/// Runs `hash` in a fresh process; `Ok(digest)` or `Err(stderr)`.
fn hash(mode: &str, isa: &str, name: &str, policy: &str) -> Result<String, String> {
    let (m, i) = model(name);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_inferchain-engine"));
    cmd.arg("hash")
        .arg(&m)
        .arg("--input")
        .arg(&i)
        .arg("--policy")
        .arg(policy);
    cmd.env("INFERCHAIN_EXACT_MODE", mode)
        .env_remove("TRACT_X86_KIND");
    if isa.is_empty() {
        cmd.env_remove("TRACT_CPU_ISA");
    } else {
        cmd.env("TRACT_CPU_ISA", isa);
    }
    let out = cmd.output().expect("spawn inferchain-engine");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn native_has(feature: &str) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        match feature {
            "avx2" => std::arch::is_x86_feature_detected!("avx2"),
            "fma" => std::arch::is_x86_feature_detected!("fma"),
            _ => false,
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = feature;
        false
    }
}

#[test]
fn portable_mode_is_identical_on_every_tier() {
    for name in GOOD_MODELS {
        let hashes: Vec<_> = TIERS
            .iter()
            .map(|(tier, isa)| {
                (
                    tier,
                    hash("portable", isa, name, "exact").expect("portable runs everywhere"),
                )
            })
            .collect();
        println!("{name} portable: {hashes:?}");
        assert!(
            hashes.iter().all(|(_, h)| *h == hashes[0].1),
            "{name}: {hashes:?}"
        );
    }
}

#[test]
fn pinned_mode_is_identical_or_refused() {
    let pinned_available = native_has("avx2") && native_has("fma");
    for name in GOOD_MODELS {
        let mut accepted = vec![];
        for (tier, isa) in TIERS {
            match hash("pinned", isa, name, "exact") {
                Ok(h) => accepted.push((tier, h)),
                Err(msg) => {
                    println!("{name} pinned on {tier}: refused: {msg}");
                    assert!(msg.contains("cannot run the pinned Exact tier"), "{msg}");
                    assert!(
                        tier.starts_with("avx (")
                            || tier.starts_with("no SIMD")
                            || !pinned_available
                    );
                }
            }
        }
        println!("{name} pinned: {accepted:?}");
        if pinned_available {
            assert_eq!(
                accepted.len(),
                2,
                "native and AVX-512-less tiers run pinned"
            );
        }
        assert!(
            accepted.iter().all(|(_, h)| *h == accepted[0].1),
            "{name}: {accepted:?}"
        );
    }
}

#[test]
fn int8_is_identical_across_all_modes() {
    let mut all = vec![];
    for mode in ["portable", "pinned", "off"] {
        for (tier, isa) in TIERS {
            if let Ok(h) = hash(mode, isa, "int8", "tolerance") {
                all.push((mode, tier, h));
            }
        }
    }
    println!("{all:?}");
    assert!(all.len() >= TIERS.len());
    assert!(all.iter().all(|(_, _, h)| *h == all[0].2), "{all:?}");
}

#[test]
fn off_mode_refuses_exact() {
    let msg = hash("off", "", "mlp", "exact").unwrap_err();
    assert!(msg.contains("policy unsupported"), "{msg}");
    assert!(hash("off", "", "mlp", "tolerance").is_ok());
}
