//! `inferchain infer` and `inferchain request`.

use super::{found, resolve_model, BlockCursor, Ctx};
use crate::chain::{account_of, Chain};
use crate::output::{self, amount, hex0x};
use crate::runtime::inference::events::{
    ChallengeRejected, ChallengeUpheld, Challenged, Committed, EscalationStarted, FeesPaid,
    InferenceCompleted, InferenceExpired, InferenceFailed, InferenceProvisional,
    InferenceRequested, JobEscalated, ModelActivated, ModelRejected, RequesterCompensated,
    Revealed, WorkerSlashed,
};
use crate::runtime::{
    self, runtime_types::bounded_collections::bounded_vec, FailureReason, JobStatus, JobView,
    ModelStatus,
};
use crate::{ChallengeArgs, InferArgs, RequestArgs};
use anyhow::{anyhow, bail, Context, Result};
use inferchain_engine::{run::describe_schema, tensor_io};
use inferchain_primitives::model::ModelInfo;
use inferchain_primitives::tensor::TensorMap;
use std::path::Path;
use subxt::utils::{AccountId32, H256};

/// Reads an input file and checks it against the model's on-chain schema. Returns the
/// canonical encoding the chain expects.
pub fn load_inputs(path: &Path, schema: &ModelInfo) -> Result<Vec<u8>> {
    let single = match schema.inputs.as_slice() {
        [one] => Some(String::from_utf8_lossy(&one.name).into_owned()),
        _ => None,
    };
    let map = tensor_io::read_file(path, single.as_deref())
        .map_err(|e| anyhow!("bad input file {}: {e:#}", path.display()))?;
    schema.check_inputs(&map).map_err(|e| {
        anyhow!(
            "input file {} does not match the model: {}",
            path.display(),
            describe_schema(&e)
        )
    })?;
    Ok(map.canonical_bytes())
}

/// Decodes a result (canonical tensor map) and prints it as JSON; writes `output` if given.
fn emit_outputs(bytes: &[u8], output: Option<&Path>) -> Result<()> {
    let map = TensorMap::decode_checked(bytes)
        .map_err(|e| anyhow!("the chain returned outputs that are not a tensor map: {e:?}"))?;
    println!("outputs:");
    println!(
        "{}",
        serde_json::to_string_pretty(&tensor_io::to_json(&map)?)?
    );
    if let Some(path) = output {
        tensor_io::write_file(path, &map)
            .with_context(|| format!("cannot write outputs to {}", path.display()))?;
        eprintln!("outputs written to {}", path.display());
    }
    Ok(())
}

/// Prints a progress line on stderr above the spinner (shown even when the spinner is
/// hidden, as when stderr is not a terminal).
fn note(pb: &indicatif::ProgressBar, line: String) {
    pb.suspend(|| eprintln!("{line}"));
}

/// What was seen of a request while following blocks.
#[derive(Default)]
struct Progress {
    committed: Vec<AccountId32>,
    revealed: Vec<AccountId32>,
    provisional: Option<InferenceProvisional>,
    escalated: bool,
    completed: Option<InferenceCompleted>,
    fees: Option<FeesPaid>,
    failed: Option<FailureReason>,
    expired: bool,
    slashed: Vec<WorkerSlashed>,
}

impl Progress {
    fn settled(&self) -> bool {
        self.completed.is_some() || self.failed.is_some() || self.expired
    }
}

/// Blocks after a challenge deadline that `infer` waits for finality: the chain makes results
/// final in the next block, or later when a block's hooks left it no room (an attack).
const FINALITY_GRACE: u32 = 30;

/// Last block by which a job in `v`'s state must have moved on, for a waiting command's safety
/// net: a committee round ends right after its reveal deadline; a provisional result is final
/// right after its challenge deadline, or a few blocks later when the chain had to defer
/// finality. `None` in the other states: an escalation ends with the validators' verdict (the
/// chain bounds its wait in the backlog), and a final job has nothing left to wait for.
pub(crate) fn stall_limit(v: &JobView) -> Option<u32> {
    match v.status {
        JobStatus::Pending => Some(v.reveal_deadline + 3),
        JobStatus::Provisional => Some(v.challenge_deadline + FINALITY_GRACE),
        _ => None,
    }
}

/// Prints a provisional result (`infer --provisional`): its outputs, the agreeing workers and
/// until when it can be challenged.
fn print_provisional(
    rid: u64,
    name: &str,
    id: &[u8],
    replicas: usize,
    blocks_after: u64,
    p: InferenceProvisional,
    args: &InferArgs,
) -> Result<()> {
    println!("request:   {rid}");
    println!("model:     {name} ({})", hex0x(id));
    println!(
        "status:    provisional (final after block {} unless challenged: `inferchain challenge {rid}`)",
        p.challenge_deadline
    );
    println!("blocks:    {blocks_after} after inclusion");
    println!("agreeing:  {} of {replicas} workers", p.agreeing.0.len());
    for w in &p.agreeing.0 {
        println!("  {w}");
    }
    match p.outputs {
        Some(outputs) => emit_outputs(&outputs.0, args.output.as_deref()),
        None => bail!(
            "request {rid}: the committee agrees the model cannot run this input (provisional \
             until block {})",
            p.challenge_deadline
        ),
    }
}

/// `inferchain infer`.
pub async fn infer(ctx: &Ctx, args: InferArgs) -> Result<()> {
    let signer = ctx.signer()?;
    let who = account_of(&signer);
    let chain = ctx.connect().await?;
    let at = chain.at_best().await?;
    let (id, model) = resolve_model(&chain, &at, &args.model).await?;
    let name = String::from_utf8_lossy(&model.name.0).into_owned();
    let info = match (&model.status, &model.info) {
        (ModelStatus::Active, Some(info)) => info,
        (status, _) => bail!(
            "model {name:?} ({}) is {}, not active",
            hex0x(&id),
            output::model_status(status)
        ),
    };
    let inputs = load_inputs(&args.input, info)?;
    let max_input = chain.constant(&at, runtime::constants().inference().max_input_bytes())?;
    if inputs.len() > max_input as usize {
        bail!(
            "the inputs encode to {} bytes, above the chain's limit of {max_input}",
            inputs.len()
        );
    }
    let quote = chain
        .quote(&at, &id, inputs.len() as u32)
        .await?
        .ok_or_else(|| anyhow!("the chain gives no fee quote for model {}", hex0x(&id)))?;
    eprintln!(
        "fee quote: {} (royalty {} + {} workers x {})",
        amount(quote.total),
        amount(quote.royalty),
        quote.replicas,
        amount(quote.worker_fee)
    );
    let max_fee = match args.max_fee {
        Some(max) if quote.total > max => bail!(
            "the fee {} is above --max-fee {}",
            amount(quote.total),
            amount(max)
        ),
        Some(max) => max,
        None => quote.total,
    };

    let payload = runtime::tx().inference().request_inference(
        H256(id),
        bounded_vec::BoundedVec(inputs),
        max_fee,
    );
    let nonce = chain.next_nonce(&who).await?;
    let tx = chain.signed(&payload, &signer, nonce).await?;
    let tx_fee = tx.partial_fee_estimate().await.unwrap_or(0);
    let free = chain.account(&at, &who).await?.data.free;
    let needed = quote.total.saturating_add(tx_fee);
    if free < needed {
        bail!(
            "insufficient balance: the request needs {} (fee {} + transaction fee {}) but {who} \
             has {} free",
            amount(needed),
            amount(quote.total),
            amount(tx_fee),
            amount(free)
        );
    }
    let first_block = chain.best_number().await? + 1;
    let events = chain.watch(tx, "request_inference").await?;
    let requested = events
        .find_first::<InferenceRequested>()
        .ok_or_else(|| anyhow!("request_inference succeeded without an InferenceRequested event"))?
        .context("decoding InferenceRequested")?;
    let rid = requested.job_id;
    if requested.model_id.0 != id {
        bail!("the chain recorded request {rid} for another model");
    }
    if args.no_wait {
        println!("request id: {rid}");
        return Ok(());
    }
    eprintln!(
        "request {rid} included; fee held {}; workers: {}",
        amount(requested.fee),
        requested
            .workers
            .0
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let replicas = requested.workers.0.len();
    let pb = output::spinner(format!("request {rid}: waiting for commits"));
    let mut cursor = BlockCursor::starting_at(first_block);
    let mut progress = Progress::default();
    let mut included_at: Option<u64> = None;
    let mut blocks_after = 0u64;
    while !progress.settled() {
        let at = cursor.next(&chain).await?;
        let n = at.block_number();
        let events = at.events().fetch().await.context("reading block events")?;
        if included_at.is_none()
            && found::<InferenceRequested>(&events)?
                .iter()
                .any(|e| e.job_id == rid)
        {
            included_at = Some(n);
        }
        for e in found::<Committed>(&events)? {
            if e.job_id == rid {
                progress.committed.push(e.worker);
            }
        }
        for e in found::<Revealed>(&events)? {
            if e.job_id == rid {
                progress.revealed.push(e.worker);
            }
        }
        for e in found::<WorkerSlashed>(&events)? {
            if e.job_id == rid {
                progress.slashed.push(e);
            }
        }
        for e in found::<InferenceProvisional>(&events)? {
            if e.job_id == rid {
                note(
                    &pb,
                    format!(
                        "block {n}: the committee agreed ({} of {replicas}); the result is \
                     provisional and final after block {} unless challenged",
                        e.agreeing.0.len(),
                        e.challenge_deadline
                    ),
                );
                progress.provisional = Some(e);
            }
        }
        for e in found::<Challenged>(&events)? {
            if e.job_id == rid {
                note(
                    &pb,
                    format!(
                        "block {n}: {} challenged the result (bond {})",
                        e.challenger,
                        amount(e.bond)
                    ),
                );
            }
        }
        for e in found::<JobEscalated>(&events)? {
            if e.job_id == rid {
                note(
                    &pb,
                    format!("block {n}: escalated to the validators ({:?})", e.cause),
                );
                progress.escalated = true;
            }
        }
        for e in found::<EscalationStarted>(&events)? {
            if e.job_id == rid {
                note(
                    &pb,
                    format!(
                        "block {n}: {} validators re-execute it; verdict after block {}",
                        e.validators.len(),
                        e.reveal_deadline
                    ),
                );
            }
        }
        for e in found::<InferenceCompleted>(&events)? {
            if e.job_id == rid {
                progress.completed = Some(e);
            }
        }
        for e in found::<FeesPaid>(&events)? {
            if e.job_id == rid {
                progress.fees = Some(e);
            }
        }
        for e in found::<InferenceFailed>(&events)? {
            if e.job_id == rid {
                progress.failed = Some(e.reason);
            }
        }
        for e in found::<InferenceExpired>(&events)? {
            if e.job_id == rid {
                progress.expired = true;
            }
        }
        if let Some(inc) = included_at {
            blocks_after = n - inc;
        }
        let phase = if progress.escalated {
            "escalated to the validators"
        } else if progress.provisional.is_some() {
            "provisional, in the challenge window"
        } else {
            "committee round"
        };
        pb.set_message(format!(
            "request {rid}: {blocks_after} blocks since inclusion, {phase}, commits \
             {}/{replicas}, reveals {}/{replicas}",
            progress.committed.len(),
            progress.revealed.len()
        ));
        if progress.settled() || (args.provisional && progress.provisional.is_some()) {
            break;
        }
        // Safety net (`stall_limit`).
        if !progress.escalated {
            let view = chain.job(&at, rid).await?;
            if let Some(d) = view.as_ref().and_then(stall_limit) {
                if n > u64::from(d) {
                    pb.finish_and_clear();
                    bail!(
                        "request {rid} did not settle by block {d} (status: {})",
                        view.map(|v| output::job_status(&v.status))
                            .unwrap_or_else(|| "unknown".into())
                    );
                }
            }
        }
    }
    pb.finish_and_clear();

    if !progress.settled() {
        if let Some(p) = progress.provisional {
            return print_provisional(rid, &name, &id, replicas, blocks_after, p, &args);
        }
    }

    let status = if progress.expired {
        "expired".to_string()
    } else if let Some(reason) = &progress.failed {
        format!("failed ({reason:?})")
    } else {
        "completed".to_string()
    };
    println!("request:   {rid}");
    println!("model:     {name} ({})", hex0x(&id));
    println!("status:    {status}");
    println!("blocks:    {blocks_after} after inclusion");
    for s in &progress.slashed {
        println!(
            "slashed:   {} {:?} {}",
            s.worker,
            s.offence,
            amount(s.amount)
        );
    }
    if let Some(f) = &progress.fees {
        println!(
            "fee paid:  {} (royalty {}, workers {}); refunded {}",
            amount(f.royalty.saturating_add(f.worker_fee)),
            amount(f.royalty),
            amount(f.worker_fee),
            amount(f.refunded)
        );
    }
    if progress.expired {
        bail!(
            "request {rid} expired: no worker committed before the deadline; the fee was refunded"
        );
    }
    if let Some(reason) = progress.failed {
        bail!("request {rid} failed: {}", output::failure_reason(&reason));
    }
    let completed = progress.completed.expect("settled without failure");
    println!(
        "agreeing:  {} of {replicas} workers",
        completed.agreeing.0.len()
    );
    for w in &completed.agreeing.0 {
        println!("  {w}");
    }
    emit_outputs(&completed.outputs.0, args.output.as_deref())
}

/// `inferchain challenge ID`: holds the challenge bond and escalates a provisional result to
/// the validators.
pub async fn challenge(ctx: &Ctx, args: ChallengeArgs) -> Result<()> {
    let signer = ctx.signer()?;
    let who = account_of(&signer);
    let chain = ctx.connect().await?;
    let at = chain.at_best().await?;
    let v: JobView = chain.existing_job(&at, args.id).await?;
    // Requests and model validations are challenged alike.
    let what = match v.requester {
        Some(_) => format!("request {}", args.id),
        None => format!(
            "validation {} of model {}",
            args.id,
            hex0x(v.model_id.as_bytes())
        ),
    };
    match (&v.status, &v.challenger) {
        (JobStatus::Provisional, _) if at.block_number() > u64::from(v.challenge_deadline) => {
            bail!(
                "the challenge window of {what} is over: it closed after block {}",
                v.challenge_deadline
            )
        }
        (JobStatus::Provisional, _) => {}
        (JobStatus::Escalated, Some(challenger)) => {
            bail!("{what} was already challenged, by {challenger}: the validators re-execute it")
        }
        (status, _) => bail!(
            "{what} cannot be challenged: it is {}",
            output::job_status(status)
        ),
    }
    let bond = chain.constant(&at, runtime::constants().inference().challenge_bond())?;
    let free = chain.account(&at, &who).await?.data.free;
    if free < bond {
        bail!(
            "insufficient balance: a challenge holds a bond of {} but {who} has {} free",
            amount(bond),
            amount(free)
        );
    }
    if !args.yes
        && !confirm(&format!(
            "challenge {what}, holding a bond of {}?",
            amount(bond)
        ))?
    {
        bail!(
            "challenging {what} holds a bond of {}: confirm in a terminal, or pass --yes",
            amount(bond)
        );
    }
    eprintln!(
        "challenging {what} (window open until block {}); bond {}",
        v.challenge_deadline,
        amount(bond)
    );
    let nonce = chain.next_nonce(&who).await?;
    let payload = runtime::tx().inference().challenge(args.id);
    let events = chain.submit(&payload, &signer, nonce).await?;
    let challenged = events
        .find_first::<Challenged>()
        .ok_or_else(|| anyhow!("challenge succeeded without a Challenged event"))?
        .context("decoding Challenged")?;
    println!("request:   {}", challenged.job_id);
    println!("challenger: {}", challenged.challenger);
    println!("bond held: {}", amount(challenged.bond));
    println!(
        "the validators re-execute it; follow with `inferchain request {}`: the bond comes back \
         with a reward if they overturn the result, and goes to the accused workers if not",
        args.id
    );
    Ok(())
}

/// Prints what the parties of job `id` (of model `model`) paid, were paid or lost, from its
/// events in blocks `from..=to`: fees paid and refunded, slashes, a challenger's forfeited bond
/// or reward, a requester's compensation. The scan stops at the block that made the job final
/// (its last money events), so a job kept for `ResultRetention` is not read to the end of it.
/// Blocks whose state this node has pruned are skipped, and said.
async fn print_money(chain: &Chain, id: u64, model: H256, from: u64, to: u64) -> Result<()> {
    let mut pruned = 0u64;
    for n in from..=to {
        let events = match chain.at(n).await {
            Ok(block) => block.events().fetch().await.ok(),
            Err(_) => None,
        };
        let Some(events) = events else {
            pruned += 1;
            continue;
        };
        for e in found::<FeesPaid>(&events)?
            .iter()
            .filter(|e| e.job_id == id)
        {
            println!(
                "paid:      royalty {}, workers {}; refunded {} (block {n})",
                amount(e.royalty),
                amount(e.worker_fee),
                amount(e.refunded)
            );
        }
        for e in found::<WorkerSlashed>(&events)?
            .iter()
            .filter(|e| e.job_id == id)
        {
            println!(
                "slashed:   {} {:?} {} (block {n})",
                e.worker,
                e.offence,
                amount(e.amount)
            );
        }
        for e in found::<ChallengeRejected>(&events)?
            .iter()
            .filter(|e| e.job_id == id)
        {
            println!(
                "forfeited: {} lost its challenge bond of {} to the accused (block {n})",
                e.challenger,
                amount(e.forfeited)
            );
        }
        for e in found::<ChallengeUpheld>(&events)?
            .iter()
            .filter(|e| e.job_id == id)
        {
            println!(
                "rewarded:  {} got its challenge bond back and {} (block {n})",
                e.challenger,
                amount(e.reward)
            );
        }
        for e in found::<RequesterCompensated>(&events)?
            .iter()
            .filter(|e| e.job_id == id)
        {
            println!(
                "compensated: {} {} (block {n})",
                e.requester,
                amount(e.amount)
            );
        }
        let final_here = found::<InferenceCompleted>(&events)?
            .iter()
            .any(|e| e.job_id == id)
            || found::<InferenceFailed>(&events)?
                .iter()
                .any(|e| e.job_id == id)
            || found::<InferenceExpired>(&events)?
                .iter()
                .any(|e| e.job_id == id)
            || found::<ModelActivated>(&events)?
                .iter()
                .any(|e| e.model_id == model)
            || found::<ModelRejected>(&events)?
                .iter()
                .any(|e| e.model_id == model);
        if final_here {
            break;
        }
    }
    if pruned > 0 {
        println!("money:     {pruned} blocks of this job are pruned on this node, not shown");
    }
    Ok(())
}

/// Asks `question` on the terminal; `false` when the answer is not yes or stdin is not a
/// terminal (nobody to ask).
fn confirm(question: &str) -> Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// `inferchain request ID`.
pub async fn request(ctx: &Ctx, args: RequestArgs) -> Result<()> {
    let chain: Chain = ctx.connect().await?;
    let at = chain.at_best().await?;
    let v: JobView = chain.existing_job(&at, args.id).await?;
    println!("request:   {}", args.id);
    println!("model:     {}", hex0x(v.model_id.as_bytes()));
    match &v.requester {
        Some(r) => println!("requester: {r}"),
        None => println!("kind:      model validation"),
    }
    println!("status:    {}", output::job_status(&v.status));
    println!("fee held:  {}", amount(v.fee));
    println!(
        "blocks:    created {}, commit deadline {}, reveal deadline {}, challenge deadline {} \
         (now {})",
        v.created,
        v.commit_deadline,
        v.reveal_deadline,
        v.challenge_deadline,
        at.block_number()
    );
    if let Some(c) = &v.challenger {
        println!("challenger: {c}");
    }
    for (i, w) in v.workers.iter().enumerate() {
        let c = v.committed.get(i).copied().unwrap_or(false);
        let r = v.revealed.get(i).copied().unwrap_or(false);
        let a = v.agreed.get(i).copied().unwrap_or(false);
        println!(
            "worker:    {w} committed={} revealed={} agreed={}",
            if c { "yes" } else { "no" },
            if r { "yes" } else { "no" },
            if a { "yes" } else { "no" }
        );
    }
    for (i, w) in v.validators.iter().enumerate() {
        let a = v.validators_agreed.get(i).copied().unwrap_or(false);
        println!("validator: {w} agreed={}", if a { "yes" } else { "no" });
    }
    print_money(
        &chain,
        args.id,
        v.model_id,
        u64::from(v.created),
        at.block_number(),
    )
    .await?;
    match (&v.status, &v.result, &v.requester) {
        (JobStatus::Completed, Some(result), Some(_)) => {
            emit_outputs(result, args.output.as_deref())
        }
        (JobStatus::Provisional, Some(result), Some(_)) => {
            println!(
                "result:    provisional until block {} (challenge with `inferchain challenge {}`)",
                v.challenge_deadline, args.id
            );
            emit_outputs(result, args.output.as_deref())
        }
        (JobStatus::Completed, None, Some(_)) => {
            println!("result:    no longer retained");
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inferchain_primitives::model::TensorSpec;
    use inferchain_primitives::tensor::DType;

    fn spec(name: &[u8], shape: &[u64]) -> TensorSpec {
        TensorSpec {
            name: name.to_vec().try_into().unwrap(),
            dtype: DType::F32,
            shape: shape.to_vec().try_into().unwrap(),
        }
    }

    fn info() -> ModelInfo {
        ModelInfo {
            inputs: vec![spec(b"x", &[1, 4])].try_into().unwrap(),
            outputs: vec![spec(b"y", &[1, 2])].try_into().unwrap(),
            ops: Default::default(),
            parameters: 0,
            cost: 1,
        }
    }

    #[test]
    fn input_files_are_checked_against_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let ok = write(
            "ok.json",
            r#"{"x": {"dtype": "f32", "shape": [1, 4], "data": [0.1, 0.2, 0.3, 0.4]}}"#,
        );
        let bytes = load_inputs(&ok, &info()).unwrap();
        assert_eq!(TensorMap::decode_checked(&bytes).unwrap().0.len(), 1);

        let shape = write(
            "shape.json",
            r#"{"x": {"dtype": "f32", "shape": [4], "data": [0.1, 0.2, 0.3, 0.4]}}"#,
        );
        let e = load_inputs(&shape, &info()).unwrap_err().to_string();
        assert!(
            e.contains("does not match the model") && e.contains("shape"),
            "{e}"
        );

        let name = write(
            "name.json",
            r#"{"z": {"dtype": "f32", "shape": [1, 4], "data": [0.1, 0.2, 0.3, 0.4]}}"#,
        );
        let e = load_inputs(&name, &info()).unwrap_err().to_string();
        assert!(e.contains("missing input \"x\""), "{e}");

        let dtype = write(
            "dtype.json",
            r#"{"x": {"dtype": "i64", "shape": [1, 4], "data": [1, 2, 3, 4]}}"#,
        );
        let e = load_inputs(&dtype, &info()).unwrap_err().to_string();
        assert!(e.contains("dtype"), "{e}");

        let garbage = write("garbage.json", "{not json");
        let e = load_inputs(&garbage, &info()).unwrap_err().to_string();
        assert!(e.starts_with("bad input file"), "{e}");

        let short = write(
            "short.json",
            r#"{"x": {"dtype": "f32", "shape": [1, 4], "data": [0.1]}}"#,
        );
        assert!(load_inputs(&short, &info())
            .unwrap_err()
            .to_string()
            .starts_with("bad input file"));

        let ext = write("input.txt", "1 2 3 4");
        let e = load_inputs(&ext, &info()).unwrap_err().to_string();
        assert!(e.contains("extension"), "{e}");

        let e = load_inputs(&dir.path().join("missing.json"), &info())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("bad input file"), "{e}");

        // A .npy file is the single input of a single-input model.
        let t = inferchain_primitives::tensor::Tensor::from_f32(vec![1, 4], &[1.0; 4]).unwrap();
        let npy = dir.path().join("x.npy");
        std::fs::write(&npy, tensor_io::to_npy(&t)).unwrap();
        assert_eq!(load_inputs(&npy, &info()).unwrap(), {
            let m = TensorMap::new(vec![inferchain_primitives::tensor::NamedTensor {
                name: b"x".to_vec(),
                tensor: t,
            }])
            .unwrap();
            m.canonical_bytes()
        });
        let mut two = info();
        two.inputs.try_push(spec(b"w", &[1])).unwrap();
        let e = load_inputs(&npy, &two).unwrap_err().to_string();
        assert!(e.contains("exactly one input"), "{e}");
    }
}
