//! Isolated validation: models that make tract allocate while typing are contained by the
//! child process's memory limit; good models get the same info as in-process validation.

mod common;

use common::{model, models_dir};
use inferchain_engine::sandbox::{validate_isolated, SandboxLimits};
use inferchain_engine::{validate, ValidationError};
use std::path::Path;
use std::time::{Duration, Instant};

fn exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_inferchain-engine"))
}

#[test]
fn good_model_same_info_as_in_process() {
    let bytes = std::fs::read(model("cnn").0).unwrap();
    let isolated = validate_isolated(exe(), &bytes, &SandboxLimits::default()).unwrap();
    assert_eq!(isolated, validate(&bytes).unwrap());
}

#[test]
fn rejection_reason_is_passed_through() {
    let bytes = std::fs::read(models_dir().join("hostile/unsupported_op.onnx")).unwrap();
    match validate_isolated(exe(), &bytes, &SandboxLimits::default()) {
        Err(ValidationError::Isolated(msg)) => assert!(msg.contains("FrobnicateTensor"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

/// A 400-byte model that tract folds into a 3.6 GB constant while typing: in-process this takes
/// minutes and gigabytes; isolated, the child's allocation fails under its memory limit (tract
/// panics, contained, or the child dies) and the parent reports it quickly.
#[test]
fn constant_folding_bomb_is_contained() {
    let bytes = std::fs::read(models_dir().join("bombs/const_computed_expand.onnx")).unwrap();
    let limits = SandboxLimits {
        memory_bytes: 1 << 30,
        timeout: Duration::from_secs(120),
    };
    let t = Instant::now();
    let r = validate_isolated(exe(), &bytes, &limits);
    println!("{r:?} after {:?}", t.elapsed());
    match r {
        Err(ValidationError::Isolated(msg)) => assert!(msg.contains("allocate"), "{msg}"),
        Err(ValidationError::Sandbox(_)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn timeout_kills_the_child() {
    let bytes = std::fs::read(models_dir().join("bombs/const_computed_expand.onnx")).unwrap();
    let limits = SandboxLimits {
        memory_bytes: 8 << 30,
        timeout: Duration::from_millis(300),
    };
    match validate_isolated(exe(), &bytes, &limits) {
        Err(ValidationError::Sandbox(msg)) => assert!(msg.contains("longer than"), "{msg}"),
        other => panic!("{other:?}"),
    }
}
