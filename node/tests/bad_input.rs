//! Bad input is refused with a clear error and never takes a node down.

mod common;

use common::{best_number, node_binary, wait_for, Ports, TestNode};
use std::{process::Command, time::Duration};
use subxt::rpcs::rpc_params;

/// Runs the node with `args` and returns (exit success, stderr).
fn run_to_exit(args: &[&str]) -> (bool, String) {
    let output = Command::new(node_binary())
        .args(args)
        .output()
        .expect("run inferchain-node");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The one line starting with `Error:` in `stderr`.
fn error_line(stderr: &str) -> String {
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("Error:")).collect();
    assert_eq!(errors.len(), 1, "exactly one error line in:\n{stderr}");
    errors[0].to_string()
}

#[test]
fn unknown_chain_is_named_in_a_one_line_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path().to_str().expect("utf-8");
    let (ok, stderr) = run_to_exit(&["--chain", "no-such-chain", "--base-path", base]);
    assert!(!ok, "unknown chain must exit non-zero");
    let line = error_line(&stderr);
    assert!(line.contains("unknown chain `no-such-chain`"), "{line}");
}

#[test]
fn malformed_chain_spec_is_named_in_a_one_line_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("broken.json");
    std::fs::write(&spec, b"{ \"name\": \"half a spec\", ").expect("write spec");
    let spec = spec.to_str().expect("utf-8");
    let base = dir.path().join("db");
    let (ok, stderr) = run_to_exit(&[
        "--chain",
        spec,
        "--base-path",
        base.to_str().expect("utf-8"),
    ]);
    assert!(!ok, "malformed spec must exit non-zero");
    let line = error_line(&stderr);
    assert!(line.contains("malformed chain spec"), "{line}");
    assert!(line.contains("broken.json"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_extrinsic_is_rejected_and_the_node_keeps_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut node = TestNode::start(
        &["--dev", "--tmp"],
        Ports::free(),
        &dir.path().join("dev.log"),
    );
    let rpc = node.rpc(Duration::from_secs(180)).await;

    for garbage in ["0x00", "0xdeadbeef", "0x8400ffffffff", "not hex"] {
        let result: Result<String, _> = rpc
            .request("author_submitExtrinsic", rpc_params![garbage])
            .await;
        assert!(result.is_err(), "garbage extrinsic {garbage} was accepted");
    }

    let before = best_number(&rpc).await;
    wait_for(Duration::from_secs(60), "blocks after the garbage", || {
        let rpc = rpc.clone();
        async move { (best_number(&rpc).await >= before + 2).then_some(()) }
    })
    .await;
    assert!(
        node.is_running(),
        "node still running:\n{}",
        node.log_tail(30)
    );
}
