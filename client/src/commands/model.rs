//! `inferchain model inspect`, `inferchain model register` and `inferchain models`.

use super::{infer::stall_limit, BlockCursor, Ctx};
use crate::chain::{account_of, Chain};
use crate::output::{self, amount, hex0x};
use crate::runtime::{
    self, inference::events::ModelRegistered, runtime_types::bounded_collections::bounded_vec,
    JobStatus, JobView, Model, ModelIdBytes, ModelPolicy, ModelStatus,
};
use crate::RegisterArgs;
use anyhow::{anyhow, bail, Context, Result};
use futures::stream::{FuturesUnordered, StreamExt};
use inferchain_primitives::limits::MAX_CHUNK_BYTES;
use inferchain_primitives::model::{model_id, ModelInfo};
use inferchain_primitives::policy::ExecutionPolicy;
use std::path::Path;
use subxt::utils::{Static, H256};

/// Chunk uploads in flight at once.
const UPLOAD_WINDOW: usize = 4;

/// Reads and validates a model file locally, as validators will.
fn load_model(path: &Path) -> Result<(Vec<u8>, ModelInfo)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    // Configure the kernels before tract touches anything (same as workers).
    let _ = inferchain_engine::exactness::current();
    let info = inferchain_engine::validate(&bytes)
        .map_err(|e| anyhow!("{} is not an acceptable model: {e}", path.display()))?;
    Ok((bytes, info))
}

/// Whether chunk `index` is marked in a chunk bitmap (bit `i % 8` of byte `i / 8`, as the pallet
/// stores `received`).
fn chunk_received(bitmap: &[u8], index: u32) -> bool {
    bitmap
        .get((index / 8) as usize)
        .is_some_and(|b| b & (1u8 << (index % 8)) != 0)
}

/// The chunks of a model and their blake2-256 hashes.
pub fn chunks(bytes: &[u8]) -> Vec<(&[u8], [u8; 32])> {
    bytes
        .chunks(MAX_CHUNK_BYTES as usize)
        .map(|c| (c, model_id(c).0))
        .collect()
}

/// `inferchain model inspect MODEL.onnx`.
pub fn inspect(path: &Path) -> Result<()> {
    let (bytes, info) = load_model(path)?;
    println!("model id:   {}", hex0x(model_id(&bytes).as_bytes()));
    println!("size:       {} bytes", bytes.len());
    println!("chunks:     {}", chunks(&bytes).len());
    for line in output::info_lines(&info) {
        println!("{line}");
    }
    Ok(())
}

/// `inferchain models`.
pub async fn list(ctx: &Ctx) -> Result<()> {
    let chain = ctx.connect().await?;
    let at = chain.at_best().await?;
    let models = chain.models(&at).await?;
    if models.is_empty() {
        println!("no models registered");
        return Ok(());
    }
    for (id, m) in models {
        println!(
            "{}  {}  {}  price {}  replicas {}  {}",
            hex0x(&id),
            String::from_utf8_lossy(&m.name.0),
            output::model_status(&m.status),
            amount(m.price),
            m.policy.replicas,
            output::policy(&m.policy.execution)
        );
    }
    Ok(())
}

/// `inferchain model register`.
pub async fn register(ctx: &Ctx, args: RegisterArgs) -> Result<()> {
    let (bytes, _info) = load_model(&args.model)?;
    let id = model_id(&bytes).0;
    let parts = chunks(&bytes);
    let hashes: Vec<[u8; 32]> = parts.iter().map(|(_, h)| *h).collect();
    let size = u32::try_from(bytes.len()).context("model too large")?;
    let signer = ctx.signer()?;
    let who = account_of(&signer);
    let chain = ctx.connect().await?;
    let at = chain.at_best().await?;

    let limits = runtime::constants().inference();
    let max_name = chain.constant(&at, limits.max_name_len())?;
    let max_desc = chain.constant(&at, limits.max_description_len())?;
    let max_replicas = chain.constant(&at, limits.max_replicas())?;
    if args.name.is_empty() || args.name.len() > max_name as usize {
        bail!("the model name must have 1 to {max_name} bytes");
    }
    if args.description.len() > max_desc as usize {
        bail!("the description is longer than {max_desc} bytes");
    }
    if u32::from(args.replicas) > max_replicas {
        bail!(
            "--replicas {} is above the chain's maximum of {max_replicas}",
            args.replicas
        );
    }

    let existing = chain.model(&at, &id).await?;
    match existing.as_ref().map(|m| &m.status) {
        None => {
            let base = chain.constant(&at, limits.model_deposit_base())?;
            let per_byte = chain.constant(&at, limits.model_deposit_per_byte())?;
            let deposit = base.saturating_add(per_byte.saturating_mul(size as u128));
            let free = chain.account(&at, &who).await?.data.free;
            if free < deposit {
                bail!(
                    "insufficient balance: registering needs a deposit of {} but {who} has {} free",
                    amount(deposit),
                    amount(free)
                );
            }
            let policy = ModelPolicy {
                execution: Static(match args.tolerance {
                    None => ExecutionPolicy::Exact,
                    Some((abs, rel)) => ExecutionPolicy::Tolerance { abs, rel },
                }),
                replicas: args.replicas,
            };
            let call = runtime::tx().inference().register_model(
                H256(id),
                size,
                bounded_vec::BoundedVec(hashes.iter().map(|h| H256(*h)).collect()),
                bounded_vec::BoundedVec(args.name.as_bytes().to_vec()),
                bounded_vec::BoundedVec(args.description.as_bytes().to_vec()),
                policy,
                args.price,
            );
            let nonce = chain.next_nonce(&who).await?;
            let events = chain.submit(&call, &signer, nonce).await?;
            if let Some(Ok(ev)) = events.find_first::<ModelRegistered>() {
                eprintln!(
                    "registered {} ({} chunks), deposit {}",
                    hex0x(ev.model_id.as_bytes()),
                    ev.chunks,
                    amount(ev.deposit)
                );
            }
        }
        Some(ModelStatus::Uploading) => {
            let m = existing.as_ref().expect("matched Some");
            if !m
                .chunk_hashes
                .0
                .iter()
                .map(|h| h.0)
                .eq(hashes.iter().copied())
            {
                bail!(
                    "model {} is already registered (by {}) with different chunk hashes",
                    hex0x(&id),
                    m.owner
                );
            }
            eprintln!(
                "model {} is already registered; resuming the upload ({} of {} chunks there)",
                hex0x(&id),
                m.received_count,
                hashes.len()
            );
        }
        Some(ModelStatus::Validating(_)) => {
            eprintln!(
                "model {} is already uploaded and being validated",
                hex0x(&id)
            );
        }
        Some(ModelStatus::Active) => {
            let m = existing.as_ref().expect("matched Some");
            eprintln!("model {} is already registered and active", hex0x(&id));
            if m.name.0 != args.name.as_bytes() {
                eprintln!(
                    "note: it is registered as {:?}, not {:?}",
                    String::from_utf8_lossy(&m.name.0),
                    args.name
                );
            }
            return print_model(&id, existing.as_ref().expect("matched Some"));
        }
        Some(ModelStatus::Rejected(r)) => {
            bail!(
                "model {} was rejected: {}",
                hex0x(&id),
                output::reject_reason(r)
            )
        }
        Some(ModelStatus::Retired) => bail!("model {} is retired", hex0x(&id)),
    }

    // Upload the chunks not on chain yet.
    let record = chain
        .model(&chain.at_best().await?, &id)
        .await?
        .ok_or_else(|| anyhow!("model {} vanished after registration", hex0x(&id)))?;
    if record.status == ModelStatus::Uploading {
        upload(&chain, &signer, &id, &parts, &record).await?;
    }
    if args.no_wait {
        println!("model id: {}", hex0x(&id));
        return Ok(());
    }
    let record = wait_validation(&chain, &id).await?;
    print_model(&id, &record)
}

/// Uploads the missing chunks, a few transactions in flight at once, with a progress bar.
async fn upload(
    chain: &Chain,
    signer: &subxt_signer::sr25519::Keypair,
    id: &ModelIdBytes,
    parts: &[(&[u8], [u8; 32])],
    record: &Model,
) -> Result<()> {
    let who = account_of(signer);
    let missing: Vec<u32> = (0..parts.len() as u32)
        .filter(|i| !chunk_received(&record.received.0, *i))
        .collect();
    let pb = output::bar(parts.len() as u64, "uploading");
    pb.set_position((parts.len() - missing.len()) as u64);
    let mut nonce = chain.next_nonce(&who).await?;
    let mut inflight = FuturesUnordered::new();
    for index in missing {
        if inflight.len() >= UPLOAD_WINDOW {
            if let Some(r) = inflight.next().await {
                let _: crate::chain::TxEvents = r?;
                pb.inc(1);
            }
        }
        let payload = runtime::tx().inference().upload_chunk(
            H256(*id),
            index,
            bounded_vec::BoundedVec(parts[index as usize].0.to_vec()),
        );
        let tx = chain.signed(&payload, signer, nonce).await?;
        nonce += 1;
        let what = format!("upload of chunk {index}");
        inflight.push(async move { chain.watch(tx, &what).await });
    }
    while let Some(r) = inflight.next().await {
        r?;
        pb.inc(1);
    }
    pb.finish_and_clear();
    eprintln!("uploaded {} chunks", parts.len());
    Ok(())
}

/// Waits until the model is active (returns its record) or rejected (error with the reason).
async fn wait_validation(chain: &Chain, id: &ModelIdBytes) -> Result<Model> {
    let pb = output::spinner("validating");
    let mut cursor = BlockCursor::starting_at(chain.best_number().await?);
    let mut limit: Option<u32> = None;
    loop {
        let at = cursor.next(chain).await?;
        let record = chain
            .model(&at, id)
            .await?
            .ok_or_else(|| anyhow!("model {} was removed during validation", hex0x(id)))?;
        match record.status {
            ModelStatus::Active => {
                pb.finish_and_clear();
                return Ok(record);
            }
            ModelStatus::Rejected(r) => {
                pb.finish_and_clear();
                bail!(
                    "model {} was rejected: {}",
                    hex0x(id),
                    output::reject_reason(&r)
                );
            }
            ModelStatus::Validating(job) => {
                let view: Option<JobView> = chain.job(&at, job).await?;
                if let Some(v) = view {
                    limit = stall_limit(&v);
                    let n = v.workers.len();
                    let c = v.committed.iter().filter(|b| **b).count();
                    let r = v.revealed.iter().filter(|b| **b).count();
                    let phase = match v.status {
                        JobStatus::Provisional => format!(
                            "the committee agreed; final after block {} unless challenged",
                            v.challenge_deadline
                        ),
                        JobStatus::Escalated => "escalated to the validators".to_string(),
                        _ => format!("commits {c}/{n}, reveals {r}/{n}"),
                    };
                    pb.set_message(format!(
                        "validating (job {job}, block {}): {phase}",
                        at.block_number()
                    ));
                }
                if let Some(d) = limit {
                    if at.block_number() > u64::from(d) {
                        pb.finish_and_clear();
                        bail!("validation of {} did not conclude by block {d}", hex0x(id));
                    }
                }
            }
            other => {
                pb.finish_and_clear();
                bail!(
                    "model {} is {} instead of being validated",
                    hex0x(id),
                    output::model_status(&other)
                );
            }
        }
    }
}

fn print_model(id: &ModelIdBytes, m: &Model) -> Result<()> {
    println!("name:       {}", String::from_utf8_lossy(&m.name.0));
    println!("status:     {}", output::model_status(&m.status));
    println!(
        "policy:     {}, {} replicas",
        output::policy(&m.policy.execution),
        m.policy.replicas
    );
    println!("price:      {}", amount(m.price));
    println!("owner:      {}", m.owner);
    if !m.description.0.is_empty() {
        println!("about:      {}", String::from_utf8_lossy(&m.description.0));
    }
    println!("size:       {} bytes", m.size);
    println!("deposit:    {}", amount(m.deposit));
    println!("pending:    {} requests", m.pending);
    if let Some(info) = &m.info {
        for line in output::info_lines(info) {
            println!("{line}");
        }
    }
    println!("model id:   {}", hex0x(id));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunking_matches_the_pallet_layout() {
        let bytes = vec![7u8; MAX_CHUNK_BYTES as usize * 2 + 5];
        let c = chunks(&bytes);
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].0.len(), MAX_CHUNK_BYTES as usize);
        assert_eq!(c[2].0.len(), 5);
        assert_eq!(c[2].1, model_id(&[7u8; 5]).0);
        assert_eq!(chunks(b"x").len(), 1);
    }

    #[test]
    fn inspect_rejects_non_models() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("junk.onnx");
        std::fs::write(&p, b"not a model").unwrap();
        let e = load_model(&p).unwrap_err().to_string();
        assert!(e.contains("not an acceptable model"), "{e}");
        let e = load_model(&dir.path().join("missing.onnx"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read"), "{e}");
    }

    #[test]
    fn sample_model_validates() {
        let path = Path::new(
            &std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
        )
        .join("../models/sample/mlp.onnx");
        let (bytes, info) = load_model(&path).unwrap();
        assert!(!info.inputs.is_empty() && !info.outputs.is_empty());
        assert_eq!(chunks(&bytes).len(), 1);
    }

    #[test]
    fn chunk_bitmap() {
        let bits = [0b0000_0101u8, 0b1000_0000];
        let has = |i: u32| chunk_received(&bits, i);
        assert!(has(0) && !has(1) && has(2) && !has(7) && !has(8) && has(15) && !has(16));
    }
}
