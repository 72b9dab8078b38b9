//! Hostile models registered on a real four-validator network (garbage bytes, a compute bomb,
//! a memory bomb) are rejected by the validation committee as `Invalid`; no node crashes, every
//! engine still runs the sample model afterwards, and the owner gets the deposit back minus the
//! rejection fee paid to the committee.

mod common;

use common::{
    chain::{
        account, event_of, free, held, start_network, submit_finalized, wait_event, ModelPolicy,
    },
    repo_file, sample, Network,
};
use inferchain_primitives::{limits::MAX_CHUNK_BYTES, model_id};
use std::time::Duration;
use subxt::{ext::scale_decode, rpcs::rpc_params};
use subxt_signer::sr25519::dev;

/// Event `Inference.ModelRegistered`, the part read here.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct ModelRegistered {
    model_id: [u8; 32],
    deposit: u128,
}

/// `pallet_inference::RejectReason`.
#[derive(Debug, PartialEq, Eq, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
enum RejectReason {
    IdMismatch,
    Invalid,
    Unusable,
    Inconclusive,
    NoResponse,
}

/// Event `Inference.ModelRejected`.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct ModelRejected {
    model_id: [u8; 32],
    reason: RejectReason,
    fee: u128,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_models_are_rejected_and_the_owner_gets_the_deposit_back_minus_the_fee() {
    let dir = tempfile::tempdir().expect("temp dir");
    let network = Network::new(dir.path(), 2_000, vec![vec![]; 4]);
    let (mut nodes, rpcs, api) = start_network(&network).await;
    let owner = dev::eve();
    let owner_account = account(&owner);

    for name in ["garbage", "huge_cost", "huge_expand"] {
        let bytes = std::fs::read(repo_file(&format!(
            "engine/tests/models/hostile/{name}.onnx"
        )))
        .expect("hostile model");
        let id = model_id(&bytes).0;
        let chunks: Vec<&[u8]> = bytes.chunks(MAX_CHUNK_BYTES as usize).collect();
        let hashes: Vec<[u8; 32]> = chunks.iter().map(|c| model_id(c).0).collect();
        let before = free(&api, &owner_account).await;

        let (registered_at, events, mut tx_fees) = submit_finalized(
            &api,
            &owner,
            "Inference",
            "register_model",
            (
                id,
                bytes.len() as u32,
                hashes,
                name.as_bytes().to_vec(),
                b"hostile test model".to_vec(),
                ModelPolicy {
                    execution: common::chain::ExecutionPolicy::Exact,
                    replicas: 3,
                },
                1_000u128,
            ),
        )
        .await;
        let registered: ModelRegistered = event_of(&events, "ModelRegistered");
        assert_eq!(registered.model_id, id);
        for (index, chunk) in chunks.iter().enumerate() {
            let (_, _, fee) = submit_finalized(
                &api,
                &owner,
                "Inference",
                "upload_chunk",
                (id, index as u32, chunk.to_vec()),
            )
            .await;
            tx_fees += fee;
        }

        let (_, rejected) = wait_event::<ModelRejected, _>(
            &api,
            registered_at,
            "Inference",
            "ModelRejected",
            Duration::from_secs(180),
            |r| r.model_id == id,
        )
        .await;
        assert_eq!(rejected.reason, RejectReason::Invalid, "{name}");
        // The committee is paid 10% of the deposit, split evenly (rounding down).
        let fee = registered.deposit / 10;
        assert!(
            rejected.fee <= fee && fee - rejected.fee < 3 && rejected.fee > 0,
            "{name}: fee {} of deposit {}",
            rejected.fee,
            registered.deposit
        );
        assert_eq!(
            before - free(&api, &owner_account).await,
            tx_fees + rejected.fee,
            "{name}: the owner gets the deposit back minus the rejection fee"
        );
        assert_eq!(held(&api, &owner_account).await, 0, "{name}: nothing held");
    }

    // Every node is alive and its engine still runs the sample model.
    let sample = sample();
    for (i, node) in nodes.iter_mut().enumerate() {
        assert!(
            node.is_running(),
            "node {i} stopped:\n{}",
            node.log_tail(40)
        );
        assert!(
            !node.log().contains("panicked"),
            "node {i} panicked:\n{}",
            node.log_tail(40)
        );
        let dry: serde_json::Value = rpcs[i]
            .request(
                "inference_dryRun",
                rpc_params![sample.id, sample.inputs_json.clone()],
            )
            .await
            .unwrap_or_else(|e| panic!("node {i} dry run: {e}"));
        assert_eq!(
            dry["outputDigest"].as_str(),
            Some(sample.expected_digest.as_str()),
            "node {i}: {dry}"
        );
    }
}
