//! A worker's node is killed (SIGKILL) while it holds a commitment on a real four-validator
//! network. Under the Exact policy a commitment is `H(outputs ‖ worker)`, so once another
//! worker reveals the agreed outputs the killed worker's commitment is checked against them
//! without its own reveal: the request completes with all three in the majority, the killed
//! worker is paid and not slashed, the requester pays exactly the quoted fee, and no funds stay
//! on hold. The restarted node catches up and submits nothing for the settled request.

mod common;

use common::{
    best_number,
    chain::{
        account, bond, current_number, event_of, events_in, free, held, start_network, wait_event,
        FeesPaid, InferenceRequested, TransactionFeePaid, WorkerSlashed, WorkerStep,
    },
    finalized_number, sample, wait_for, Network, VALIDATORS,
};
use inferchain_primitives::ModelId;
use std::time::Duration;
use subxt::{
    rpcs::{rpc_params, RpcClient},
    tx::TransactionStatus,
};
use subxt_signer::sr25519::{dev, Keypair};

/// The validators' keypairs in [`VALIDATORS`] order.
fn validator_keys() -> [Keypair; 4] {
    [dev::alice(), dev::bob(), dev::charlie(), dev::dave()]
}

/// Whether `rpc`'s transaction pool holds an extrinsic that carries `key` (a worker's
/// commit or reveal names the worker's public key).
async fn pool_has_worker_tx(rpc: &RpcClient, key: &[u8; 32]) -> bool {
    let pending: Vec<String> = rpc
        .request("author_pendingExtrinsics", rpc_params![])
        .await
        .unwrap_or_default();
    pending.iter().any(|hex| {
        let bytes = decode_hex(hex);
        bytes.windows(32).any(|w| w == key)
    })
}

fn decode_hex(s: &str) -> Vec<u8> {
    let s = s.trim_start_matches("0x");
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// Quote of the sample model for `len` input bytes: (total, worker fee).
async fn quote(rpc: &RpcClient, model: ModelId, len: usize) -> (u128, u128) {
    let q: serde_json::Value = rpc
        .request("inference_quote", rpc_params![model, len as u32])
        .await
        .expect("quote");
    let num = |k: &str| -> u128 { q[k].as_str().expect(k).parse().expect("u128") };
    (num("total"), num("workerFee"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_while_holding_a_commitment_is_counted_by_its_commitment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let network = Network::new(dir.path(), 2_000, vec![vec![]; 4]);
    let (mut nodes, mut rpcs, api) = start_network(&network).await;
    let rpc = rpcs[0].clone();

    let sample = sample();
    let model = sample.id;
    let canonical = sample.canonical_inputs.clone();
    let requester = dev::ferdie();
    let requester_account = account(&requester);
    let keys = validator_keys();

    for attempt in 0..6 {
        let target = best_number(&rpc).await;
        wait_for(Duration::from_secs(120), "finality to catch up", || {
            let rpc = rpc.clone();
            async move { (finalized_number(&rpc).await >= target).then_some(()) }
        })
        .await;
        let (total, worker_fee) = quote(&rpc, model, canonical.len()).await;
        let requester_before = free(&api, &requester_account).await;
        let mut bonds_before = Vec::new();
        let mut frees_before = Vec::new();
        for k in &keys {
            bonds_before.push(bond(&api, &account(k)).await);
            frees_before.push(free(&api, &account(k)).await);
        }

        // Submit and learn the drawn workers as soon as the request is in a block.
        let tx = subxt::dynamic::transaction(
            "Inference",
            "request_inference",
            (model.0, canonical.clone(), total),
        );
        let mut progress = api
            .tx()
            .await
            .expect("tx client")
            .sign_and_submit_then_watch_default(&tx, &requester)
            .await
            .expect("submit");
        let in_block = loop {
            match progress.next().await {
                Some(Ok(TransactionStatus::InBestBlock(b)))
                | Some(Ok(TransactionStatus::InFinalizedBlock(b))) => break b,
                Some(Ok(_)) => continue,
                other => panic!("request transaction: {other:?}"),
            }
        };
        let events = in_block
            .wait_for_success()
            .await
            .expect("request succeeded");
        let requested: InferenceRequested = event_of(&events, "InferenceRequested");
        let fee: TransactionFeePaid = event_of(&events, "TransactionFeePaid");
        let tx_fee = fee.actual_fee + fee.tip;
        let id = requested.job_id;
        let request_block = api
            .at_block(in_block.block_hash())
            .await
            .expect("request block")
            .block_number() as u32;

        // The victim: a drawn worker other than Alice (whose node serves the RPC).
        let victim = (1..4)
            .find(|i| requested.workers.contains(&account(&keys[*i])))
            .expect("three of four workers drawn: one is not Alice");
        let victim_account = account(&keys[victim]);
        let victim_key = victim_account.0;

        // Kill it the moment its commitment is in its pool (and so on its way to the others),
        // before the next block lets it reveal.
        let victim_rpc = rpcs[victim].clone();
        wait_for(
            Duration::from_secs(30),
            "the victim's commitment in its pool",
            || {
                let victim_rpc = victim_rpc.clone();
                async move {
                    pool_has_worker_tx(&victim_rpc, &victim_key)
                        .await
                        .then_some(())
                }
            },
        )
        .await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        nodes[victim].kill();
        eprintln!(
            "attempt {attempt}: request {id}, workers {:?}, killed {}",
            requested.workers, VALIDATORS[victim]
        );

        // The three remaining validators keep finalizing; the request settles without it.
        let (settled_at, fees) = wait_event::<FeesPaid, _>(
            &api,
            request_block,
            "Inference",
            "FeesPaid",
            Duration::from_secs(180),
            |f| f.job_id == id,
        )
        .await;
        let committed: Vec<WorkerStep> =
            events_in(&api, request_block, settled_at, "Inference", "Committed").await;
        let revealed: Vec<WorkerStep> =
            events_in(&api, request_block, settled_at, "Inference", "Revealed").await;
        let victim_committed = committed
            .iter()
            .any(|c| c.job_id == id && c.worker == victim_account);
        let victim_revealed = revealed
            .iter()
            .any(|c| c.job_id == id && c.worker == victim_account);

        // Whatever the victim managed, the two others decide and are paid.
        let view: serde_json::Value = rpc
            .request("inference_request", rpc_params![id])
            .await
            .expect("inference_request");
        assert_eq!(view["status"], "Completed", "{view}");
        assert_eq!(
            view["outputDigest"].as_str(),
            Some(sample.expected_digest.as_str())
        );
        let requester_paid = requester_before - free(&api, &requester_account).await;
        assert_eq!(
            requester_paid,
            total - fees.refunded + tx_fee,
            "the requester pays the quote minus the refund plus the transaction fee"
        );
        assert_eq!(
            held(&api, &requester_account).await,
            0,
            "nothing of the requester stays on hold"
        );

        let slashes: Vec<WorkerSlashed> =
            // An absent worker is slashed when the round ends, before the result is final.
            events_in(&api, request_block, settled_at, "Inference", "WorkerSlashed").await;
        let victim_slash: u128 = slashes
            .iter()
            .filter(|s| s.job_id == id && s.worker == victim_account)
            .map(|s| s.amount)
            .sum();
        let target_case = victim_committed && !victim_revealed;
        if target_case {
            assert_eq!(
                fees.worker_fee,
                3 * worker_fee,
                "the killed worker's commitment matches the revealed outputs: all three paid"
            );
            assert_eq!(fees.refunded, 0, "nothing to refund");
            assert_eq!(victim_slash, 0, "a matching commitment is not slashed");
            assert_eq!(
                free(&api, &victim_account).await - frees_before[victim],
                worker_fee,
                "the killed worker is paid its fee"
            );
            let agreeing: Vec<&str> = view["agreeing"]
                .as_array()
                .expect("agreeing")
                .iter()
                .filter_map(|w| w.as_str())
                .collect();
            assert_eq!(agreeing.len(), 3, "{view}");
            assert!(
                agreeing.contains(&victim_account.to_string().as_str()),
                "{view}"
            );
        } else {
            eprintln!(
                "attempt {attempt}: the victim committed={victim_committed} \
                 revealed={victim_revealed}: not the case under test, retrying"
            );
        }
        assert_eq!(
            bond(&api, &victim_account).await,
            bonds_before[victim] - victim_slash
        );
        assert_eq!(
            held(&api, &victim_account).await,
            bonds_before[victim] - victim_slash,
            "only the (slashed) bond stays on hold for the victim"
        );

        // Restart the victim on its database: it catches up and submits nothing stale.
        let restart_from = current_number(&api).await;
        nodes[victim] = network.start(victim, &format!("-restart{attempt}"));
        let restarted_rpc = nodes[victim].rpc(Duration::from_secs(300)).await;
        rpcs[victim] = restarted_rpc.clone();
        let goal = best_number(&rpc).await;
        wait_for(
            Duration::from_secs(240),
            "the restarted node to catch up",
            || {
                let r = restarted_rpc.clone();
                async move { (finalized_number(&r).await >= goal).then_some(()) }
            },
        )
        .await;
        // Give its offchain worker a few imported blocks to (wrongly) act on old jobs.
        let later = best_number(&rpc).await + 4;
        wait_for(Duration::from_secs(120), "four more blocks", || {
            let rpc = rpc.clone();
            async move { (finalized_number(&rpc).await >= later).then_some(()) }
        })
        .await;
        let after = current_number(&api).await;
        let late_steps: Vec<WorkerStep> =
            events_in(&api, restart_from, after, "Inference", "Revealed").await;
        assert!(
            !late_steps
                .iter()
                .any(|s| s.job_id == id && s.worker == victim_account),
            "the restarted node revealed a settled request"
        );
        assert!(
            !pool_has_worker_tx(&restarted_rpc, &victim_key).await,
            "the restarted node queued a worker transaction for settled work"
        );
        let log = nodes[victim].log();
        assert!(
            !log.contains("refused a worker transaction") && !log.contains("panicked"),
            "restarted node log:\n{}",
            nodes[victim].log_tail(40)
        );
        for node in nodes.iter_mut() {
            assert!(node.is_running(), "a node stopped:\n{}", node.log_tail(30));
        }
        if target_case {
            return;
        }
    }
    panic!("in six attempts the killed node never held an unrevealed commitment");
}
