//! The inference round trip on a real `--dev` node: a paid request on the genesis sample model
//! is executed by the node's offchain worker through the engine, committed, revealed, compared
//! and settled; the verified result equals what the engine computes locally.

mod common;

use codec::Encode;
use common::{is_final_status, repo_file, wait_for, Ports, TestNode};
use inferchain_engine::{tensor_io, Engine};
use inferchain_primitives::{model_id, output_digest, ExecutionPolicy, ModelInfo};
use std::time::Duration;
use subxt::{dynamic, ext::scale_value::At, rpcs::rpc_params, OnlineClient, PolkadotConfig};
use subxt_signer::sr25519::dev;

#[test]
fn the_genesis_sample_info_matches_what_the_engine_computes() {
    let bytes = std::fs::read(repo_file("models/sample/mlp.onnx")).expect("sample model");
    let committed = std::fs::read(repo_file("models/sample/mlp.info.scale")).expect("sample info");
    let info: ModelInfo = inferchain_engine::validate(&bytes).expect("sample validates");
    assert_eq!(
        committed,
        info.encode(),
        "regenerate with `cargo run -p inferchain-engine --example model_info_scale -- \
         models/sample/mlp.onnx models/sample/mlp.info.scale`"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_request_on_the_sample_model_settles_with_the_engines_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut node = TestNode::start(
        &["--dev", "--tmp"],
        Ports::free(),
        &dir.path().join("dev.log"),
    );
    let rpc = node.rpc(Duration::from_secs(180)).await;

    let model_bytes = std::fs::read(repo_file("models/sample/mlp.onnx")).expect("sample model");
    let model = model_id(&model_bytes);
    let inputs =
        tensor_io::read_file(&repo_file("models/sample/input.json"), None).expect("sample input");
    let canonical_inputs = inputs.canonical_bytes();

    // What the engine computes locally under the model's policy (Exact).
    let expected = Engine::default()
        .run_bytes(&model_bytes, &inputs, ExecutionPolicy::Exact)
        .expect("local run");
    let expected_digest = format!("{:?}", output_digest(&expected.canonical_bytes()));

    // The node's dry run agrees, without touching the chain.
    let input_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo_file("models/sample/input.json")).unwrap())
            .unwrap();
    let dry: serde_json::Value = rpc
        .request("inference_dryRun", rpc_params![model, input_json])
        .await
        .expect("inference_dryRun");
    assert_eq!(dry["outputDigest"].as_str(), Some(expected_digest.as_str()));

    // Quote, then pay.
    let quote: serde_json::Value = rpc
        .request(
            "inference_quote",
            rpc_params![model, canonical_inputs.len() as u32],
        )
        .await
        .expect("inference_quote");
    let total: u128 = quote["total"]
        .as_str()
        .expect("total")
        .parse()
        .expect("number");
    assert!(total > 0);

    let api = OnlineClient::<PolkadotConfig>::from_insecure_url(node.ws_url())
        .await
        .expect("subxt client");
    let request = dynamic::transaction(
        "Inference",
        "request_inference",
        (model.0, canonical_inputs.clone(), total),
    );
    let events = api
        .tx()
        .await
        .expect("transactions client")
        .sign_and_submit_then_watch_default(&request, &dev::bob())
        .await
        .expect("submit request")
        .wait_for_finalized_success()
        .await
        .expect("request included");
    let requested = events
        .iter()
        .filter_map(Result::ok)
        .find(|e| e.pallet_name() == "Inference" && e.event_name() == "InferenceRequested")
        .expect("InferenceRequested event");
    let fields = requested
        .decode_fields_unchecked_as::<subxt::dynamic::Value>()
        .expect("decode event");
    let job_id = fields
        .at("job_id")
        .and_then(|v| v.as_u128())
        .expect("job_id") as u64;

    // The offchain worker commits, reveals; the runtime compares, holds the agreed result as
    // provisional for the challenge window, then settles.
    let settled: serde_json::Value =
        wait_for(Duration::from_secs(120), "the request to be final", || {
            let rpc = rpc.clone();
            async move {
                let view: Option<serde_json::Value> = rpc
                    .request("inference_request", rpc_params![job_id])
                    .await
                    .ok()?;
                let view = view?;
                is_final_status(&view).then_some(view)
            }
        })
        .await;
    assert_eq!(settled["status"], "Completed", "{settled}");
    assert_eq!(
        settled["outputDigest"].as_str(),
        Some(expected_digest.as_str())
    );
    assert_eq!(
        settled["outputs"],
        tensor_io::to_json(&expected).expect("expected outputs as JSON")
    );
    assert_eq!(settled["committed"], serde_json::json!([true]));
    assert!(
        node.is_running(),
        "node still running:\n{}",
        node.log_tail(30)
    );
}
