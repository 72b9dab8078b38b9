//! Collusion on a real network: the protocol's "one honest party suffices" checked with node
//! binaries on loopback and the `inferchain` client.
//!
//! Four honest validators (Alice, Bob, Charlie, Dave, each also a worker) and two worker nodes
//! that are not authorities, Eve's and Ferdie's, both with the test-only fault injection, so
//! they return the same wrong outputs: a colluding pair. One network serves four cases, in an
//! order where they do not interfere:
//! 1. **A challenge of a correct result** (only the validators work yet): the challenger's
//!    bond is forfeited to the committee, nobody is slashed, the result stands.
//! 2. **Colluding workers beside honest ones**: Eve and Ferdie register with `inferchain
//!    worker register`; rounds of requests are made until a committee has drawn both. Every
//!    final result is the engine's output, every colluder on a committee is slashed, no honest
//!    validator ever is, and every requester pays at most the quote.
//! 3. **A unanimous wrong committee**: the validators leave the active set (they still judge
//!    escalations) and a third colluding account registers on Ferdie's node, so a committee is
//!    the three colluders. Its wrong result is provisional; another account challenges it with
//!    `inferchain challenge`, the validators overturn it, the colluders are slashed, the
//!    challenger is rewarded and the requester compensated, and `inferchain request` says so.
//! 4. **A watcher**: a node started with `--inference-watch all` and the key of a funded
//!    account catches the next unanimous wrong result without a manual challenge.
//!
//! The test prints the latencies it measures (blocks from inclusion to a provisional and a
//! final result), which BENCHMARKS.md records.

mod common;

use common::{
    chain::{
        account, event_of, events_in, start_network, Api, FeesPaid, InferenceRequested,
        WorkerSlashed,
    },
    finalized_number, is_final_status, node_binary, sample, wait_for, Network, Ports, Sample,
    TestNode,
};
use std::{
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    time::Duration,
};
use subxt::{
    dynamic,
    ext::scale_decode,
    rpcs::{rpc_params, RpcClient},
    utils::AccountId32,
};
use subxt_signer::{sr25519::Keypair, SecretUri};

/// Event `Inference.Challenged`.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct Challenged {
    job_id: u64,
    challenger: AccountId32,
}

/// Event `Inference.ChallengeRejected`.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct ChallengeRejected {
    job_id: u64,
    challenger: AccountId32,
    forfeited: u128,
}

/// Event `Inference.ChallengeUpheld`.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct ChallengeUpheld {
    job_id: u64,
    challenger: AccountId32,
    reward: u128,
}

/// Event `Inference.RequesterCompensated`.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct RequesterCompensated {
    job_id: u64,
    requester: AccountId32,
    amount: u128,
}

/// Event `Inference.InferenceProvisional`, the part the test reads.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct InferenceProvisional {
    job_id: u64,
}

/// Event `Inference.InferenceCompleted`, the part the test reads.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct InferenceCompleted {
    job_id: u64,
}

/// A dev keypair from its secret URI (`//Alice//stash`).
fn keypair(uri: &str) -> Keypair {
    Keypair::from_uri(&uri.parse::<SecretUri>().expect("secret URI")).expect("keypair")
}

/// The `inferchain` client built beside the node (`$INFERCHAIN_CLIENT` overrides it).
fn client_binary() -> PathBuf {
    let path = std::env::var("INFERCHAIN_CLIENT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(node_binary()).with_file_name("inferchain"));
    assert!(
        path.is_file(),
        "{} not found: build the workspace (`cargo test --workspace --no-run`) or set \
         INFERCHAIN_CLIENT",
        path.display()
    );
    path
}

/// Runs `inferchain --url URL --suri SURI ARGS` and returns its output.
fn cli(url: &str, suri: &str, args: &[&str]) -> Output {
    Command::new(client_binary())
        .args(["--url", url, "--suri", suri])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run inferchain")
}

/// [`cli`], which must succeed; returns its stdout.
fn cli_ok(url: &str, suri: &str, args: &[&str]) -> String {
    let out = cli(url, suri, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "inferchain {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The quoted fee of one inference of the sample.
async fn quote(rpc: &RpcClient, sample: &Sample) -> u128 {
    let quote: serde_json::Value = rpc
        .request(
            "inference_quote",
            rpc_params![sample.id, sample.canonical_inputs.len() as u32],
        )
        .await
        .expect("quote");
    quote["total"]
        .as_str()
        .expect("total")
        .parse()
        .expect("u128")
}

/// A request of the sample by `requester`, included and finalized: the block it is in and
/// its `InferenceRequested` event.
async fn request(
    api: &Api,
    requester: &Keypair,
    sample: &Sample,
    max_fee: u128,
) -> (u32, InferenceRequested) {
    let tx = dynamic::transaction(
        "Inference",
        "request_inference",
        (sample.id.0, sample.canonical_inputs.clone(), max_fee),
    );
    let in_block = api
        .tx()
        .await
        .expect("tx client")
        .sign_and_submit_then_watch_default(&tx, requester)
        .await
        .expect("submit request")
        .wait_for_finalized()
        .await
        .expect("request finalized");
    let number = api
        .at_block(in_block.block_hash())
        .await
        .expect("block")
        .block_number() as u32;
    let events = in_block
        .wait_for_success()
        .await
        .expect("request succeeded");
    (number, event_of(&events, "InferenceRequested"))
}

/// The `inference_request` view of job `id`.
async fn view(rpc: &RpcClient, id: u64) -> Option<serde_json::Value> {
    rpc.request::<Option<serde_json::Value>>("inference_request", rpc_params![id])
        .await
        .ok()
        .flatten()
}

/// Waits until job `id` is in a final state and returns its view.
async fn wait_final(rpc: &RpcClient, id: u64) -> serde_json::Value {
    wait_for(Duration::from_secs(300), "a final result", || {
        let rpc = rpc.clone();
        async move { view(&rpc, id).await.filter(is_final_status) }
    })
    .await
}

/// Waits until job `id` is provisional and returns its view.
async fn wait_provisional(rpc: &RpcClient, id: u64) -> serde_json::Value {
    wait_for(Duration::from_secs(180), "a provisional result", || {
        let rpc = rpc.clone();
        async move {
            let v = view(&rpc, id).await?;
            assert!(
                !is_final_status(&v),
                "job {id} ended without being provisional: {v}"
            );
            (v["status"] == "Provisional").then_some(v)
        }
    })
    .await
}

/// Waits until the client's finalized block reaches the best block of `rpc` as of now.
async fn finality_catches_up(api: &Api, rpc: &RpcClient) {
    let target = common::best_number(rpc).await;
    wait_for(Duration::from_secs(120), "finality to catch up", || {
        let rpc = rpc.clone();
        async move { (finalized_number(&rpc).await >= target).then_some(()) }
    })
    .await;
    wait_for(Duration::from_secs(60), "the client to see it", || async {
        (common::chain::current_number(api).await as u64 >= target).then_some(())
    })
    .await;
}

/// Signs `call` of the inference pallet as `who` and waits until it is finalized.
async fn inference_call(
    api: &Api,
    who: &Keypair,
    call: &str,
    args: impl subxt::ext::scale_encode::EncodeAsFields,
) {
    common::chain::submit_finalized(api, who, "Inference", call, args).await;
}

/// The first block in which job `id`'s event `name` (decoded as `E`, matched by `pick`) is
/// finalized, from block `from`.
async fn event_block<E: scale_decode::DecodeAsFields>(
    api: &Api,
    from: u32,
    name: &str,
    pick: impl Fn(&E) -> bool,
) -> u32 {
    common::chain::wait_event(api, from, "Inference", name, Duration::from_secs(300), pick)
        .await
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colluding_workers_are_overruled_challenged_and_watched_on_a_real_network() {
    let dir = tempfile::tempdir().expect("temp dir");
    let faulty = || vec!["--inference-fault-inject".to_string()];
    let network = Network::with_nodes(
        dir.path(),
        2_000,
        &["eve", "ferdie"],
        vec![vec![], vec![], vec![], vec![], faulty(), faulty()],
    );
    // Ferdie's node also holds the key of a third colluder (registered for case 3).
    let third = "//Ferdie//stash";
    network.insert_infr_key(&network.base_path(5), third);
    let (mut nodes, rpcs, api) = start_network(&network).await;
    let rpc = rpcs[0].clone();
    let url = nodes[0].ws_url();
    let sample = sample();
    let total = quote(&rpc, &sample).await;
    let validators: Vec<AccountId32> = ["//Alice", "//Bob", "//Charlie", "//Dave"]
        .iter()
        .map(|u| account(&keypair(u)))
        .collect();
    let colluders: Vec<AccountId32> = ["//Eve", "//Ferdie", third]
        .iter()
        .map(|u| account(&keypair(u)))
        .collect();
    let start = common::chain::current_number(&api).await;
    let mut latencies: Vec<String> = Vec::new();

    // ---- 1. A challenge of a correct result: the bond is forfeited, nobody is slashed.
    let requester = keypair("//Alice//stash");
    let challenger = "//Bob//stash";
    let (included, req) = request(&api, &requester, &sample, total).await;
    let id = req.job_id;
    let provisional = wait_provisional(&rpc, id).await;
    assert_eq!(
        provisional["outputDigest"].as_str(),
        Some(sample.expected_digest.as_str())
    );
    let said = cli_ok(&url, challenger, &["challenge", &id.to_string(), "--yes"]);
    assert!(said.contains("bond held"), "{said}");
    let settled = wait_final(&rpc, id).await;
    assert_eq!(settled["status"], "Completed", "{settled}");
    assert_eq!(
        settled["outputDigest"].as_str(),
        Some(sample.expected_digest.as_str())
    );
    let decided =
        event_block::<InferenceCompleted>(&api, included, "InferenceCompleted", |e| e.job_id == id)
            .await;
    let rejected: Vec<ChallengeRejected> =
        events_in(&api, included, decided, "Inference", "ChallengeRejected").await;
    let rejected: Vec<&ChallengeRejected> = rejected.iter().filter(|e| e.job_id == id).collect();
    assert_eq!(rejected.len(), 1, "the challenge was rejected");
    assert_eq!(rejected[0].challenger, account(&keypair(challenger)));
    assert!(rejected[0].forfeited > 0);
    let slashed: Vec<WorkerSlashed> =
        events_in(&api, included, decided, "Inference", "WorkerSlashed").await;
    assert!(
        slashed.iter().all(|s| s.job_id != id),
        "nobody is slashed for a correct result: {slashed:?}"
    );
    let shown = cli_ok(&url, challenger, &["request", &id.to_string()]);
    assert!(shown.contains("forfeited:"), "{shown}");
    latencies.push(format!(
        "challenged correct result: final {} blocks after inclusion",
        decided - included
    ));

    // ---- 2. Two colluders beside honest workers: every committee with them is overruled.
    let colluder_bond = "5000INFR";
    for suri in ["//Eve", "//Ferdie"] {
        let said = cli_ok(&url, suri, &["worker", "register", "--bond", colluder_bond]);
        assert!(said.contains("bond:"), "{said}");
    }
    let requesters: Vec<Keypair> = [
        "//Alice//stash",
        "//Bob//stash",
        "//Charlie//stash",
        "//Dave//stash",
        "//Eve//stash",
    ]
    .iter()
    .map(|u| keypair(u))
    .collect();
    let mut jobs: Vec<(u32, InferenceRequested)> = Vec::new();
    let mut both_drawn = 0;
    for round in 0..8 {
        finality_catches_up(&api, &rpc).await;
        let made =
            futures::future::join_all(requesters.iter().map(|r| request(&api, r, &sample, total)))
                .await;
        for (_, req) in &made {
            wait_final(&rpc, req.job_id).await;
        }
        both_drawn += made
            .iter()
            .filter(|(_, r)| colluders[..2].iter().all(|c| r.workers.contains(c)))
            .count();
        jobs.extend(made);
        if both_drawn > 0 {
            eprintln!("round {round}: {both_drawn} committee(s) with both colluders");
            break;
        }
    }
    assert!(
        both_drawn > 0,
        "no committee drew both colluders in 8 rounds"
    );
    finality_catches_up(&api, &rpc).await;
    let now = common::chain::current_number(&api).await;
    let first = jobs.iter().map(|(b, _)| *b).min().expect("jobs");
    let slashes: Vec<WorkerSlashed> =
        events_in(&api, first, now, "Inference", "WorkerSlashed").await;
    let fees: Vec<FeesPaid> = events_in(&api, first, now, "Inference", "FeesPaid").await;
    for (_, req) in &jobs {
        let id = req.job_id;
        let v = view(&rpc, id).await.expect("job retained");
        assert_eq!(v["status"], "Completed", "{v}");
        assert_eq!(
            v["outputDigest"].as_str(),
            Some(sample.expected_digest.as_str()),
            "job {id} settled to the engine's output"
        );
        for c in colluders[..2].iter().filter(|c| req.workers.contains(c)) {
            assert!(
                slashes.iter().any(|s| s.job_id == id && s.worker == *c),
                "colluder {c} on job {id}'s committee is slashed"
            );
        }
        let paid = fees.iter().find(|f| f.job_id == id).expect("fees paid");
        assert!(
            paid.royalty + paid.worker_fee + paid.refunded <= total,
            "the requester of job {id} pays at most the quote"
        );
    }
    assert!(
        slashes.iter().all(|s| !validators.contains(&s.worker)),
        "no honest validator is slashed: {slashes:?}"
    );

    // ---- 3. A unanimous wrong committee, challenged from the CLI.
    for v in ["//Alice", "//Bob", "//Charlie", "//Dave"] {
        inference_call(&api, &keypair(v), "unregister_worker", ()).await;
    }
    cli_ok(
        &url,
        third,
        &["worker", "register", "--bond", colluder_bond],
    );
    finality_catches_up(&api, &rpc).await;
    let requester = keypair("//Charlie//stash");
    let challenger = "//Dave//stash";
    let (included, req) = request(&api, &requester, &sample, total).await;
    let id = req.job_id;
    let mut drawn = req.workers.clone();
    drawn.sort();
    let mut expected = colluders.clone();
    expected.sort();
    assert_eq!(drawn, expected, "only the colluders are active");
    let provisional = wait_provisional(&rpc, id).await;
    assert_ne!(
        provisional["outputDigest"].as_str(),
        Some(sample.expected_digest.as_str()),
        "the colluders agreed on a wrong output"
    );
    let provisional_at =
        event_block::<InferenceProvisional>(&api, included, "InferenceProvisional", |e| {
            e.job_id == id
        })
        .await;
    let said = cli_ok(&url, challenger, &["challenge", &id.to_string(), "--yes"]);
    assert!(said.contains("bond held"), "{said}");
    let settled = wait_final(&rpc, id).await;
    assert_eq!(settled["status"], "Completed", "{settled}");
    assert_eq!(
        settled["outputDigest"].as_str(),
        Some(sample.expected_digest.as_str()),
        "the validators overturned the wrong result"
    );
    let decided =
        event_block::<InferenceCompleted>(&api, included, "InferenceCompleted", |e| e.job_id == id)
            .await;
    let upheld: Vec<ChallengeUpheld> =
        events_in(&api, included, decided, "Inference", "ChallengeUpheld").await;
    let upheld: Vec<&ChallengeUpheld> = upheld.iter().filter(|e| e.job_id == id).collect();
    assert_eq!(upheld.len(), 1);
    assert_eq!(upheld[0].challenger, account(&keypair(challenger)));
    assert!(upheld[0].reward > 0, "the challenger is rewarded");
    let compensated: Vec<RequesterCompensated> =
        events_in(&api, included, decided, "Inference", "RequesterCompensated").await;
    assert!(
        compensated
            .iter()
            .any(|e| e.job_id == id && e.requester == account(&requester) && e.amount > 0),
        "the requester is compensated"
    );
    let slashed: Vec<WorkerSlashed> =
        events_in(&api, included, decided, "Inference", "WorkerSlashed").await;
    for c in &colluders {
        assert!(
            slashed.iter().any(|s| s.job_id == id && s.worker == *c),
            "colluder {c} is slashed"
        );
    }
    assert!(slashed
        .iter()
        .all(|s| s.job_id != id || colluders.contains(&s.worker)));
    let shown = cli_ok(&url, challenger, &["request", &id.to_string()]);
    let lines = [
        format!("rewarded:  {}", account(&keypair(challenger))),
        format!("compensated: {}", account(&requester)),
        "slashed:".to_string(),
        "status:    completed".to_string(),
    ];
    for line in lines {
        assert!(shown.contains(&line), "`request` shows {line}:\n{shown}");
    }
    latencies.push(format!(
        "unanimous wrong committee: provisional {} blocks after inclusion, overturned and \
         final {} blocks after inclusion (challenge from the CLI)",
        provisional_at - included,
        decided - included
    ));

    // ---- 4. A watcher catches the next wrong result without a manual challenge.
    let watcher_suri = "//Eve//stash";
    let watcher_base = dir.path().join("watcher");
    network.insert_infr_key(&watcher_base, watcher_suri);
    let watcher_ports = Ports::free();
    let watcher_log = dir.path().join("watcher.log");
    let mut args: Vec<String> = vec![
        "--chain".into(),
        network.spec.to_string_lossy().into_owned(),
        "--base-path".into(),
        watcher_base.to_string_lossy().into_owned(),
        "--name".into(),
        "watcher".into(),
        "--inference-watch".into(),
        "all".into(),
    ];
    for peer in &network.peers {
        args.push("--bootnodes".into());
        args.push(peer.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut watcher = TestNode::start(&args, watcher_ports, &watcher_log);
    let watcher_rpc = watcher.rpc(Duration::from_secs(120)).await;
    let target = common::best_number(&rpc).await;
    wait_for(Duration::from_secs(180), "the watcher to sync", || {
        let watcher_rpc = watcher_rpc.clone();
        async move { (common::best_number(&watcher_rpc).await >= target).then_some(()) }
    })
    .await;
    assert!(
        watcher
            .log()
            .contains("Watching provisional results of every model"),
        "{}",
        watcher.log_tail(20)
    );
    let (included, req) = request(&api, &requester, &sample, total).await;
    let id = req.job_id;
    let settled = wait_final(&rpc, id).await;
    assert_eq!(settled["status"], "Completed", "{settled}");
    assert_eq!(
        settled["outputDigest"].as_str(),
        Some(sample.expected_digest.as_str()),
        "the watcher's challenge brought the wrong result before the validators"
    );
    let decided =
        event_block::<InferenceCompleted>(&api, included, "InferenceCompleted", |e| e.job_id == id)
            .await;
    let challenges: Vec<Challenged> =
        events_in(&api, included, decided, "Inference", "Challenged").await;
    let watcher_account = account(&keypair(watcher_suri));
    assert!(
        challenges
            .iter()
            .any(|c| c.job_id == id && c.challenger == watcher_account),
        "the watcher challenged job {id}: {challenges:?}\n{}",
        watcher.log_tail(30)
    );
    let upheld: Vec<ChallengeUpheld> =
        events_in(&api, included, decided, "Inference", "ChallengeUpheld").await;
    assert!(upheld
        .iter()
        .any(|e| e.job_id == id && e.challenger == watcher_account && e.reward > 0));
    let provisional_at =
        event_block::<InferenceProvisional>(&api, included, "InferenceProvisional", |e| {
            e.job_id == id
        })
        .await;
    latencies.push(format!(
        "unanimous wrong committee and a watcher: provisional {} blocks after inclusion, \
         overturned and final {} blocks after inclusion",
        provisional_at - included,
        decided - included
    ));

    // Honest validators were never slashed, from the first block to the last.
    let end = common::chain::current_number(&api).await;
    let all: Vec<WorkerSlashed> = events_in(&api, start, end, "Inference", "WorkerSlashed").await;
    assert!(
        all.iter().all(|s| !validators.contains(&s.worker)),
        "{all:?}"
    );
    for node in nodes.iter_mut().chain(std::iter::once(&mut watcher)) {
        assert!(node.is_running(), "a node stopped:\n{}", node.log_tail(30));
    }
    eprintln!("latencies (2-second blocks):");
    for l in latencies {
        eprintln!("  {l}");
    }
}
