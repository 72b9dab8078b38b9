//! Isolated validation: models that make tract allocate while typing are contained by the
//! child process's memory limit; good models get the same info as in-process validation; the
//! child protocol (model on stdin, SCALE answer on stdout) is bounded whatever the child does.

mod common;

use codec::DecodeAll;
use common::{model, models_dir};
use inferchain_engine::sandbox::{
    validate_isolated, ChildAnswer, SandboxLimits, CHILD_SUBCOMMAND, MAX_ANSWER_BYTES,
};
use inferchain_engine::{validate, ValidationError};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
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

/// The child protocol itself: model bytes on stdin, one SCALE-encoded answer on stdout, exit 0
/// for an accepted and for a rejected model alike.
fn child_answer(bytes: &[u8]) -> ChildAnswer {
    let mut child = Command::new(exe())
        .arg(CHILD_SUBCOMMAND)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let bytes = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.len() <= MAX_ANSWER_BYTES);
    ChildAnswer::decode_all(&mut &out.stdout[..]).unwrap()
}

#[test]
fn child_protocol_answers_in_scale() {
    let bytes = std::fs::read(model("mlp").0).unwrap();
    assert_eq!(child_answer(&bytes), Ok(validate(&bytes).unwrap()));
    let reason = child_answer(b"garbage").unwrap_err();
    assert!(reason.starts_with("not an ONNX model"), "{reason}");
    let hostile = std::fs::read(models_dir().join("hostile/huge_expand.onnx")).unwrap();
    let reason = child_answer(&hostile).unwrap_err();
    assert!(reason.contains("above the limit of"), "{reason}");
}

/// Model bytes far larger than a pipe's buffer go through stdin without a deadlock.
#[test]
fn large_models_are_piped() {
    let bytes = vec![0xffu8; 32 << 20];
    match validate_isolated(exe(), &bytes, &SandboxLimits::default()) {
        Err(ValidationError::Isolated(msg)) => assert!(msg.contains("not an ONNX model"), "{msg}"),
        other => panic!("{other:?}"),
    }
    let too_large = vec![0u8; inferchain_primitives::limits::MAX_MODEL_BYTES as usize + 1];
    // Refused before any process is started.
    assert!(matches!(
        validate_isolated(
            Path::new("/nonexistent"),
            &too_large,
            &SandboxLimits::default()
        ),
        Err(ValidationError::TooLarge(_))
    ));
}

/// Whatever a child does, the parent reads a bounded answer and reports the child's failure
/// clearly: no answer, a failed exit, endless output.
#[test]
fn a_child_without_an_answer_is_reported() {
    let bytes = std::fs::read(model("mlp").0).unwrap();
    let limits = SandboxLimits {
        memory_bytes: 1 << 30,
        timeout: Duration::from_secs(30),
    };
    let run = |exe: &str| validate_isolated(Path::new(exe), &bytes, &limits);
    match run("/bin/true") {
        Err(ValidationError::Sandbox(msg)) => assert!(msg.contains("bad child output"), "{msg}"),
        other => panic!("{other:?}"),
    }
    match run("/bin/false") {
        Err(ValidationError::Sandbox(msg)) => assert!(msg.contains("without an answer"), "{msg}"),
        other => panic!("{other:?}"),
    }
    // `yes validate-child` writes forever: the parent stops reading after the bound.
    let t = Instant::now();
    match run("/usr/bin/yes") {
        Err(ValidationError::Sandbox(msg)) => assert!(msg.contains("wrote more than"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert!(t.elapsed() < Duration::from_secs(10));
    match run("/nonexistent/validator") {
        Err(ValidationError::Sandbox(msg)) => assert!(msg.contains("spawning"), "{msg}"),
        other => panic!("{other:?}"),
    }
}
