//! Four validators on loopback with 2-second blocks: all four author, finality advances; with
//! one stopped finality keeps advancing on three; restarted, it catches up.

mod common;

use common::{best_number, finalized_number, wait_for, Network, TestNode, VALIDATORS};
use std::{collections::BTreeSet, time::Duration};
use subxt::rpcs::{rpc_params, RpcClient};

/// Aura's engine id in a pre-runtime digest.
const AURA_ENGINE: &str = "61757261";

/// Index of the authority that authored block `number`: the Aura slot modulo the authority count.
async fn author_index(rpc: &RpcClient, number: u64) -> Option<usize> {
    let hash: Option<String> = rpc
        .request("chain_getBlockHash", rpc_params![number])
        .await
        .ok()?;
    let header: serde_json::Value = rpc
        .request("chain_getHeader", rpc_params![hash?])
        .await
        .ok()?;
    for log in header["digest"]["logs"].as_array()? {
        let hex = log.as_str()?.trim_start_matches("0x");
        // PreRuntime (06) ++ "aura" ++ compact length 8 (20) ++ slot as little-endian u64.
        if let Some(rest) = hex.strip_prefix(&format!("06{AURA_ENGINE}20")) {
            let bytes: Vec<u8> = (0..8)
                .map(|i| u8::from_str_radix(rest.get(i * 2..i * 2 + 2).unwrap_or("00"), 16))
                .collect::<Result<_, _>>()
                .ok()?;
            let slot = u64::from_le_bytes(bytes.try_into().ok()?);
            return Some((slot % VALIDATORS.len() as u64) as usize);
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_validators_author_finalize_and_survive_one_down() {
    let dir = tempfile::tempdir().expect("temp dir");
    let network = Network::new(dir.path(), 2_000, Vec::new());
    let mut nodes: Vec<TestNode> = network.start_all();
    let mut rpcs = Vec::new();
    for node in nodes.iter_mut() {
        rpcs.push(node.rpc(Duration::from_secs(240)).await);
    }

    // All four author blocks.
    let alice = rpcs[0].clone();
    wait_for(
        Duration::from_secs(240),
        "all four validators to author a block",
        || {
            let alice = alice.clone();
            async move {
                let best = best_number(&alice).await;
                let mut authors = BTreeSet::new();
                for n in 1..=best {
                    if let Some(author) = author_index(&alice, n).await {
                        authors.insert(author);
                    }
                }
                (authors.len() == VALIDATORS.len()).then_some(())
            }
        },
    )
    .await;

    // Finality advances on every node.
    for (i, rpc) in rpcs.iter().enumerate() {
        let rpc = rpc.clone();
        wait_for(
            Duration::from_secs(120),
            &format!("{} to finalize block 4", VALIDATORS[i]),
            || {
                let rpc = rpc.clone();
                async move { (finalized_number(&rpc).await >= 4).then_some(()) }
            },
        )
        .await;
    }

    // Stop Dave: three of four validators still finalize.
    nodes[3].kill();
    rpcs.pop();
    let finalized_before = finalized_number(&alice).await;
    wait_for(
        Duration::from_secs(120),
        "finality to advance with three validators",
        || {
            let alice = alice.clone();
            async move { (finalized_number(&alice).await >= finalized_before + 4).then_some(()) }
        },
    )
    .await;

    // Restart Dave on the same database: it catches up with the others.
    nodes[3] = network.start(3, "-restarted");
    let dave = nodes[3].rpc(Duration::from_secs(240)).await;
    let target = finalized_number(&alice).await;
    wait_for(
        Duration::from_secs(180),
        "restarted Dave to catch up",
        || {
            let dave = dave.clone();
            async move {
                let best = best_number(&dave).await;
                let finalized = finalized_number(&dave).await;
                (best >= target && finalized >= target).then_some(())
            }
        },
    )
    .await;

    for (i, node) in nodes.iter_mut().enumerate() {
        assert!(
            node.is_running(),
            "{} stopped:\n{}",
            VALIDATORS[i],
            node.log_tail(30)
        );
    }
}
