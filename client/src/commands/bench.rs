//! `inferchain bench`: a load generator that keeps the transaction pool full of paid requests
//! and measures what the chain settles per block, the latency from inclusion to settlement, and
//! (with `--node-pid`) the nodes' CPU time per settled request.

use super::{found, resolve_model, BlockCursor, Ctx};
use crate::chain::account_of;
use crate::commands::infer::load_inputs;
use crate::output::{amount, hex0x};
use crate::runtime::inference::events::{
    InferenceCompleted, InferenceExpired, InferenceFailed, InferenceRequested,
};
use crate::runtime::runtime_types::{
    bounded_collections::bounded_vec::BoundedVec, inferchain_runtime::RuntimeCall,
    pallet_balances::pallet::Call as BalancesCall,
};
use crate::runtime::{self, system::events::ExtrinsicFailed, ModelStatus};
use crate::BenchArgs;
use anyhow::{anyhow, bail, Context, Result};
use futures::{stream::FuturesUnordered, StreamExt};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;
use subxt::config::DefaultExtrinsicParamsBuilder;
use subxt::events::DecodeAsEvent;
use subxt::utils::{MultiAddress, H256};
use subxt_signer::{sr25519::Keypair, DeriveJunction};

/// Transactions submitted concurrently.
const SUBMIT_WINDOW: usize = 64;
/// Linux reports process CPU time in ticks of `USER_HZ`, 100 per second on every Linux ABI.
const USER_HZ: f64 = 100.0;

/// What one block did for the benchmark.
#[derive(Debug, Default, Clone)]
struct BlockStats {
    number: u64,
    timestamp_ms: u64,
    requested: usize,
    settled: usize,
    dispatch_failed: usize,
    extrinsics: usize,
    weight_ref_time: u64,
}

/// CPU time (user + system) of a process, in seconds, from `/proc/PID/stat`.
fn process_cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read /proc/{pid}/stat (is --node-pid a local node?)"))?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| anyhow!("unexpected /proc/{pid}/stat format"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| -> Result<f64> {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .ok_or_else(|| anyhow!("unexpected /proc/{pid}/stat format"))
    };
    // `rest` starts at field 3 (state), so field k is at index k - 3.
    Ok((tick(11)? + tick(12)?) / USER_HZ)
}

fn total_cpu(pids: &[u32]) -> Result<f64> {
    pids.iter()
        .map(|p| process_cpu_seconds(*p))
        .sum::<Result<f64>>()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `inferchain bench`.
pub async fn bench(ctx: &Ctx, args: BenchArgs) -> Result<()> {
    if args.requests == 0 || args.accounts == 0 {
        bail!("--requests and --accounts must be at least 1");
    }
    let funder = ctx.signer()?;
    let chain = ctx.connect().await?;
    let at = chain.at_best().await?;
    let (id, model) = resolve_model(&chain, &at, &args.model).await?;
    let info = match (&model.status, &model.info) {
        (ModelStatus::Active, Some(info)) => info,
        _ => bail!("model {} is not active", hex0x(&id)),
    };
    let inputs = load_inputs(&args.input, info)?;
    let quote = chain
        .quote(&at, &id, inputs.len() as u32)
        .await?
        .ok_or_else(|| anyhow!("the chain gives no fee quote for model {}", hex0x(&id)))?;
    let replicas = quote.replicas as usize;

    // Engine baseline: the same model and input run locally, plan cached.
    let engine_us = match &args.model_file {
        Some(path) => Some(engine_baseline(path, &args.input)?),
        None => None,
    };

    // Load accounts derived from the funder, funded for their share of requests.
    let keys: Vec<Keypair> = (0..args.accounts)
        .map(|i| {
            funder.derive([
                DeriveJunction::hard("bench"),
                DeriveJunction::hard(i as u64),
            ])
        })
        .collect();
    let per_account = args.requests.div_ceil(args.accounts) as u128;
    let fund = per_account
        .saturating_mul(quote.total.saturating_add(args.tx_fee_allowance))
        .saturating_add(args.tx_fee_allowance);
    eprintln!(
        "funding {} accounts with {} each (fee quote {} per request, {} replicas)",
        keys.len(),
        amount(fund),
        amount(quote.total),
        replicas
    );
    let transfers: Vec<RuntimeCall> = keys
        .iter()
        .map(|k| {
            RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
                dest: MultiAddress::Id(account_of(k)),
                value: fund,
            })
        })
        .collect();
    let nonce = chain.next_nonce(&account_of(&funder)).await?;
    chain
        .submit(
            &runtime::tx().utility().batch_all(transfers),
            &funder,
            nonce,
        )
        .await
        .context("funding the load accounts")?;

    // Sign everything up front so that submission is not limited by signing.
    let payload = runtime::tx().inference().request_inference(
        H256(id),
        BoundedVec(inputs.clone()),
        quote.total,
    );
    let mut txs = chain.api.tx().await.context("preparing transactions")?;
    let mut signed = Vec::with_capacity(args.requests);
    let mut nonces: HashMap<usize, u64> = HashMap::new();
    let sign_started = Instant::now();
    for i in 0..args.requests {
        let k = i % keys.len();
        let nonce = match nonces.get(&k) {
            Some(n) => *n,
            None => chain.next_nonce(&account_of(&keys[k])).await?,
        };
        nonces.insert(k, nonce + 1);
        let params = DefaultExtrinsicParamsBuilder::<crate::chain::Config>::new()
            .nonce(nonce)
            .mortal(256)
            .build();
        let tx = txs
            .create_signed(&payload, &keys[k], params)
            .await
            .map_err(|e| anyhow!("cannot sign a request: {e}"))?;
        signed.push(tx);
    }
    eprintln!(
        "signed {} requests in {:.1} s",
        signed.len(),
        sign_started.elapsed().as_secs_f64()
    );
    let ours: BTreeSet<[u8; 32]> = keys.iter().map(|k| account_of(k).0).collect();

    let cpu_before = total_cpu(&args.node_pid)?;
    let first_block = chain.best_number().await? + 1;
    let started = Instant::now();
    let mut pending = FuturesUnordered::new();
    let mut rejected = 0usize;
    let mut first_error = None;
    for tx in signed.iter() {
        if pending.len() >= SUBMIT_WINDOW {
            if let Some(Err(e)) = pending.next().await {
                rejected += 1;
                first_error.get_or_insert(format!("{e}"));
            }
        }
        pending.push(tx.submit());
    }
    while let Some(r) = pending.next().await {
        if let Err(e) = r {
            rejected += 1;
            first_error.get_or_insert(format!("{e}"));
        }
    }
    let submitted = args.requests - rejected;
    eprintln!(
        "submitted {submitted} requests in {:.1} s{}",
        started.elapsed().as_secs_f64(),
        first_error
            .map(|e| format!(" ({rejected} rejected by the pool, first: {e})"))
            .unwrap_or_default()
    );

    // Follow the chain until every included request settled.
    let mut cursor = BlockCursor::starting_at(first_block);
    let mut requested_at: HashMap<u64, (u64, u64)> = HashMap::new();
    let mut latencies_blocks: Vec<f64> = Vec::new();
    let mut latencies_ms: Vec<f64> = Vec::new();
    let mut failed = 0usize;
    let mut blocks: Vec<BlockStats> = Vec::new();
    let mut settled_total = 0usize;
    let mut dispatch_failed_total = 0usize;
    let mut quiet_blocks = 0u32;
    loop {
        let at = cursor.next(&chain).await?;
        let n = at.block_number();
        let timestamp_ms = chain
            .read(&at, runtime::storage().timestamp().now(), ())
            .await?;
        let weight = chain
            .read(&at, runtime::storage().system().block_weight(), ())
            .await?;
        let extrinsics = at.extrinsics().fetch().await.map(|x| x.len()).unwrap_or(0);
        let events = at.events().fetch().await.context("reading block events")?;
        let mut stats = BlockStats {
            number: n,
            timestamp_ms,
            extrinsics,
            weight_ref_time: weight.normal.ref_time,
            ..Default::default()
        };
        // Worker transactions never fail in a block (they are checked at the pool), so failed
        // extrinsics here are load requests refused in dispatch (e.g. the block's job limit).
        stats.dispatch_failed = events
            .iter()
            .filter_map(Result::ok)
            .filter(|e| ExtrinsicFailed::is_event(e.pallet_name(), e.event_name()))
            .count();
        dispatch_failed_total += stats.dispatch_failed;
        for e in found::<InferenceRequested>(&events)? {
            if ours.contains(&e.requester.0) {
                requested_at.insert(e.job_id, (n, timestamp_ms));
                stats.requested += 1;
            }
        }
        let mut settle = |rid: u64, ok: bool, stats: &mut BlockStats| {
            if let Some((bn, ts)) = requested_at.get(&rid) {
                stats.settled += 1;
                latencies_blocks.push((n - bn) as f64);
                latencies_ms.push(timestamp_ms.saturating_sub(*ts) as f64);
                if !ok {
                    failed += 1;
                }
            }
        };
        for e in found::<InferenceCompleted>(&events)? {
            settle(e.job_id, true, &mut stats);
        }
        for e in found::<InferenceFailed>(&events)? {
            settle(e.job_id, false, &mut stats);
        }
        for e in found::<InferenceExpired>(&events)? {
            settle(e.job_id, false, &mut stats);
        }
        settled_total += stats.settled;
        let idle = stats.requested == 0 && stats.settled == 0;
        eprintln!(
            "block {n}: +{} requests ({} refused in dispatch), {} settled ({} of {submitted} so \
             far), {} extrinsics",
            stats.requested, stats.dispatch_failed, stats.settled, settled_total, stats.extrinsics
        );
        blocks.push(stats);
        if settled_total + dispatch_failed_total >= submitted && !requested_at.is_empty() {
            break;
        }
        quiet_blocks = if idle { quiet_blocks + 1 } else { 0 };
        if quiet_blocks >= args.give_up_blocks {
            eprintln!("no progress for {} blocks: stopping", args.give_up_blocks);
            break;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = total_cpu(&args.node_pid)?;

    // Report.
    let active: Vec<&BlockStats> = {
        let first = blocks.iter().position(|b| b.requested > 0 || b.settled > 0);
        let last = blocks
            .iter()
            .rposition(|b| b.requested > 0 || b.settled > 0);
        match (first, last) {
            (Some(f), Some(l)) => blocks[f..=l].iter().collect(),
            _ => Vec::new(),
        }
    };
    let peak = active.iter().map(|b| b.settled).max().unwrap_or(0);
    let span_ms = match (active.first(), active.last()) {
        (Some(f), Some(l)) => l.timestamp_ms.saturating_sub(f.timestamp_ms),
        _ => 0,
    };
    latencies_blocks.sort_by(f64::total_cmp);
    latencies_ms.sort_by(f64::total_cmp);
    let mut by_block: BTreeMap<u64, usize> = BTreeMap::new();
    for b in &active {
        by_block.insert(b.number, b.settled);
    }
    println!("model:              {}", hex0x(&id));
    println!("replicas:           {replicas}");
    println!(
        "requests:           {} submitted, {} rejected by the pool",
        submitted, rejected
    );
    println!("settled:            {settled_total} ({failed} failed or expired)");
    println!("refused in block:   {dispatch_failed_total} (dispatch errors, e.g. the job limit)");
    println!("blocks:             {} with activity", active.len());
    println!("peak settled/block: {peak}");
    if active.len() > 1 {
        println!(
            "mean settled/block: {:.1} over the active span",
            settled_total as f64 / active.len() as f64
        );
    }
    if span_ms > 0 {
        println!(
            "throughput:         {:.1} settled/s over {:.1} s of chain time",
            settled_total as f64 / (span_ms as f64 / 1000.0),
            span_ms as f64 / 1000.0
        );
    }
    println!(
        "latency (blocks):   min {} median {} p95 {} max {}",
        percentile(&latencies_blocks, 0.0),
        percentile(&latencies_blocks, 0.5),
        percentile(&latencies_blocks, 0.95),
        percentile(&latencies_blocks, 1.0)
    );
    println!(
        "latency (seconds):  min {:.1} median {:.1} p95 {:.1} max {:.1}",
        percentile(&latencies_ms, 0.0) / 1000.0,
        percentile(&latencies_ms, 0.5) / 1000.0,
        percentile(&latencies_ms, 0.95) / 1000.0,
        percentile(&latencies_ms, 1.0) / 1000.0
    );
    let max_weight = active.iter().map(|b| b.weight_ref_time).max().unwrap_or(0);
    println!(
        "largest block:      {} extrinsics, normal weight {:.3} s",
        active.iter().map(|b| b.extrinsics).max().unwrap_or(0),
        max_weight as f64 / 1e12
    );
    println!("wall time:          {elapsed:.1} s");
    if let Some(us) = engine_us {
        println!(
            "engine run:         {us:.1} us per inference, x{replicas} replicas = {:.1} us",
            us * replicas as f64
        );
    }
    if !args.node_pid.is_empty() && settled_total > 0 {
        let cpu = cpu_after - cpu_before;
        let per = cpu / settled_total as f64 * 1e6;
        println!(
            "node CPU:           {cpu:.2} s over {} node(s), {per:.0} us per settled request",
            args.node_pid.len()
        );
        if let Some(us) = engine_us {
            println!(
                "overhead:           {:.0}x the engine's own time x replicas",
                per / (us * replicas as f64)
            );
        }
    }
    if settled_total + dispatch_failed_total < submitted {
        bail!(
            "only {settled_total} of {submitted} requests settled ({dispatch_failed_total} refused \
             in dispatch)"
        );
    }
    Ok(())
}

/// Mean time of one inference of `model` on `input` with a cached plan, in microseconds.
fn engine_baseline(model: &std::path::Path, input: &std::path::Path) -> Result<f64> {
    let bytes = std::fs::read(model).with_context(|| format!("reading {}", model.display()))?;
    let mut engine = inferchain_engine::Engine::default();
    let (model_id, info) = engine.load(&bytes).map_err(|e| anyhow!("{e}"))?;
    let single = match info.inputs.as_slice() {
        [one] => Some(String::from_utf8_lossy(&one.name).into_owned()),
        _ => None,
    };
    let map = inferchain_engine::tensor_io::read_file(input, single.as_deref())
        .map_err(|e| anyhow!("bad input file {}: {e:#}", input.display()))?;
    let policy = inferchain_primitives::ExecutionPolicy::Exact;
    engine
        .run(&model_id, &map, policy)
        .map_err(|e| anyhow!("{e}"))?;
    let runs = 2000u32;
    let started = Instant::now();
    for _ in 0..runs {
        engine
            .run(&model_id, &map, policy)
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(started.elapsed().as_secs_f64() * 1e6 / f64::from(runs))
}
