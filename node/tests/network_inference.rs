//! Four validators, every one an inference worker, the sample model on three replicas, and
//! Dave's engine faulty (test-only fault injection): a request whose committee Dave is on
//! disagrees, goes to the four validators (Dave among them), and their verdict — three of four,
//! more than two thirds — completes it with the honest output; Dave is slashed for both of his
//! wrong reveals, the honest committee members, the agreeing validators and the model owner are
//! paid what the protocol defines, and the requester pays exactly the fee minus what was
//! refunded.

mod common;

use common::{
    best_number,
    chain::{
        account, bond, event_of, events_in, free, start_network, FeesPaid, InferenceRequested,
        TransactionFeePaid, WorkerSlashed,
    },
    finalized_number, is_final_status, sample, wait_for, Network,
};
use std::{collections::BTreeMap, time::Duration};
use subxt::{dynamic, rpcs::rpc_params, utils::AccountId32};
use subxt_signer::sr25519::dev;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faulty_worker_is_overruled_by_the_validators_and_slashed_on_a_real_network() {
    let dir = tempfile::tempdir().expect("temp dir");
    let faulty = vec!["--inference-fault-inject".to_string()];
    let network = Network::new(dir.path(), 2_000, vec![vec![], vec![], vec![], faulty]);
    let (mut nodes, rpcs, api) = start_network(&network).await;
    let rpc = rpcs[0].clone();

    let sample = sample();
    let model = sample.id;
    let canonical = sample.canonical_inputs.clone();
    let expected_digest = sample.expected_digest.clone();

    let requester = dev::eve();
    let owner = account(&dev::alice());
    let dave = account(&dev::dave());
    let workers: Vec<AccountId32> = [dev::alice(), dev::bob(), dev::charlie(), dev::dave()]
        .iter()
        .map(account)
        .collect();

    // Requests draw three of the four workers at random: repeat until Dave is drawn.
    for attempt in 0..8 {
        // Balances are read at the finalized block: let it catch up with everything so far.
        let target = best_number(&rpc).await;
        wait_for(Duration::from_secs(120), "finality to catch up", || {
            let rpc = rpc.clone();
            async move { (finalized_number(&rpc).await >= target).then_some(()) }
        })
        .await;
        let quote: serde_json::Value = rpc
            .request(
                "inference_quote",
                rpc_params![model, canonical.len() as u32],
            )
            .await
            .expect("quote");
        let total: u128 = quote["total"]
            .as_str()
            .expect("total")
            .parse()
            .expect("u128");
        let worker_fee: u128 = quote["workerFee"]
            .as_str()
            .expect("fee")
            .parse()
            .expect("u128");
        let royalty: u128 = quote["royalty"]
            .as_str()
            .expect("royalty")
            .parse()
            .expect("u128");

        let mut before = BTreeMap::new();
        for who in workers.iter().chain([account(&requester)].iter()) {
            before.insert(*who, free(&api, who).await);
        }
        let dave_bond = bond(&api, &dave).await;

        let tx = dynamic::transaction(
            "Inference",
            "request_inference",
            (model.0, canonical.clone(), total),
        );
        let in_block = api
            .tx()
            .await
            .expect("tx client")
            .sign_and_submit_then_watch_default(&tx, &requester)
            .await
            .expect("submit")
            .wait_for_finalized()
            .await
            .expect("finalized");
        let request_block = in_block.block_hash();
        let events = in_block
            .wait_for_success()
            .await
            .expect("request succeeded");
        let requested: InferenceRequested = event_of(&events, "InferenceRequested");
        let tx_fee: TransactionFeePaid = event_of(&events, "TransactionFeePaid");
        let id = requested.job_id;

        let settled: serde_json::Value = wait_for(Duration::from_secs(300), "settlement", || {
            let rpc = rpc.clone();
            async move {
                let view: Option<serde_json::Value> = rpc
                    .request("inference_request", rpc_params![id])
                    .await
                    .ok()?;
                let view = view?;
                is_final_status(&view).then_some(view)
            }
        })
        .await;
        assert_eq!(
            settled["status"], "Completed",
            "attempt {attempt}: {settled}"
        );
        assert_eq!(
            settled["outputDigest"].as_str(),
            Some(expected_digest.as_str())
        );

        // The RPC names the agreeing workers: every honest assigned worker, never Dave.
        let agreeing: Vec<&str> = settled["agreeing"]
            .as_array()
            .expect("agreeing workers")
            .iter()
            .filter_map(|w| w.as_str())
            .collect();
        let honest: Vec<String> = requested
            .workers
            .iter()
            .filter(|w| **w != dave)
            .map(|w| w.to_string())
            .collect();
        assert_eq!(agreeing, honest, "attempt {attempt}: {settled}");

        if !requested.workers.contains(&dave) {
            continue;
        }

        // Dave was drawn: his wrong reveal sent the job to the validators, who decided it.
        let validators: Vec<&str> = settled["validators"]
            .as_array()
            .expect("validators")
            .iter()
            .filter_map(|w| w.as_str())
            .collect();
        let all: Vec<String> = workers.iter().map(|w| w.to_string()).collect();
        assert_eq!(
            validators, all,
            "every authority re-executed the job: {settled}"
        );
        let agreeing_validators: Vec<&str> = settled["agreeingValidators"]
            .as_array()
            .expect("agreeing validators")
            .iter()
            .filter_map(|w| w.as_str())
            .collect();
        let honest_validators: Vec<String> = workers
            .iter()
            .filter(|w| **w != dave)
            .map(|w| w.to_string())
            .collect();
        assert_eq!(agreeing_validators, honest_validators, "{settled}");
        let request_number = api
            .at_block(request_block)
            .await
            .expect("request block")
            .block_number() as u32;
        // subxt reads at the last finalized block: wait until the verdict is finalized.
        let (slashes, fees) = wait_for(
            Duration::from_secs(120),
            "finalized settlement events",
            || {
                let api = api.clone();
                async move {
                    let best = api.at_current_block().await.ok()?.block_number() as u32;
                    let fees: Vec<FeesPaid> =
                        events_in(&api, request_number, best, "Inference", "FeesPaid").await;
                    let fees = fees.into_iter().find(|f| f.job_id == id)?;
                    let slashes: Vec<WorkerSlashed> =
                        events_in(&api, request_number, best, "Inference", "WorkerSlashed").await;
                    let slashes: Vec<WorkerSlashed> =
                        slashes.into_iter().filter(|s| s.job_id == id).collect();
                    Some((slashes, fees))
                }
            },
        )
        .await;
        // Dave alone is slashed, 20 % for each wrong reveal: as a validator, then as a
        // committee member (of what was left).
        assert!(
            slashes.iter().all(|s| s.worker == dave),
            "only Dave is slashed"
        );
        let first = dave_bond / 5;
        let second = (dave_bond - first) / 5;
        let amounts: Vec<u128> = slashes.iter().map(|s| s.amount).collect();
        assert_eq!(amounts, vec![first, second]);
        assert_eq!(bond(&api, &dave).await, dave_bond - first - second);

        // The fee: the worker fee to each honest committee member, Dave's fee in equal shares
        // to the three agreeing validators (the indivisible remainder back), the royalty to
        // the owner.
        let share = worker_fee / 3;
        assert_eq!(fees.royalty, royalty);
        assert_eq!(fees.worker_fee, 2 * worker_fee + 3 * share);
        assert_eq!(fees.refunded, worker_fee - 3 * share);
        for who in workers.iter().filter(|w| **w != dave) {
            let committee = if requested.workers.contains(who) {
                worker_fee
            } else {
                0
            };
            let expected_gain = committee + share + if *who == owner { royalty } else { 0 };
            assert_eq!(
                free(&api, who).await - before[who],
                expected_gain,
                "honest worker {who} is paid its fee and its validator's share"
            );
        }
        let requester_paid = before[&account(&requester)] - free(&api, &account(&requester)).await;
        assert_eq!(
            requester_paid,
            total - fees.refunded + tx_fee.actual_fee + tx_fee.tip,
            "the requester pays the quoted fee minus the refund, plus the transaction fee"
        );
        for node in nodes.iter_mut() {
            assert!(node.is_running(), "a node stopped:\n{}", node.log_tail(30));
        }
        return;
    }
    panic!("Dave was never drawn in 8 requests of 3 workers out of 4");
}
