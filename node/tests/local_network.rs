//! Four validators on loopback with 2-second blocks: all four author, finality advances; with
//! one stopped finality keeps advancing on three; restarted, it catches up.

mod common;

use common::{
    best_number, chain_spec_with_slot, finalized_number, peer_id_of, wait_for, Ports, TestNode,
};
use std::{collections::BTreeSet, path::Path, time::Duration};
use subxt::rpcs::{rpc_params, RpcClient};

const VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

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

fn start_validator(
    name: &str,
    spec: &Path,
    dir: &Path,
    ports: Ports,
    bootnodes: &[String],
    log_suffix: &str,
) -> TestNode {
    let base = dir.join(name);
    let key_file = dir.join(format!("{name}.key"));
    let spec = spec.to_str().expect("utf-8 path");
    let base = base.to_str().expect("utf-8 path");
    let key = key_file.to_str().expect("utf-8 path");
    let flag = format!("--{name}");
    let mut args = vec![
        "--chain",
        spec,
        flag.as_str(),
        "--base-path",
        base,
        "--node-key-file",
        key,
    ];
    for boot in bootnodes {
        args.push("--bootnodes");
        args.push(boot);
    }
    TestNode::start(&args, ports, &dir.join(format!("{name}{log_suffix}.log")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_validators_author_finalize_and_survive_one_down() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = chain_spec_with_slot("local", 2_000, dir.path());

    let ports: Vec<Ports> = VALIDATORS.iter().map(|_| Ports::free()).collect();
    let mut peers = Vec::new();
    for (i, name) in VALIDATORS.iter().enumerate() {
        let key_file = dir.path().join(format!("{name}.key"));
        std::fs::write(&key_file, format!("{:064x}", i + 1)).expect("write node key");
        peers.push(format!(
            "/ip4/127.0.0.1/tcp/{}/p2p/{}",
            ports[i].p2p,
            peer_id_of(&key_file)
        ));
    }
    let bootnodes_for = |i: usize| -> Vec<String> {
        peers
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, p)| p.clone())
            .collect()
    };

    let mut nodes: Vec<TestNode> = VALIDATORS
        .iter()
        .enumerate()
        .map(|(i, name)| start_validator(name, &spec, dir.path(), ports[i], &bootnodes_for(i), ""))
        .collect();
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
    nodes[3] = start_validator(
        "dave",
        &spec,
        dir.path(),
        ports[3],
        &bootnodes_for(3),
        "-restarted",
    );
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
