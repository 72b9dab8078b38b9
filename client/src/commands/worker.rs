//! `inferchain worker register` and `inferchain worker status`.

use super::Ctx;
use crate::chain::{account_of, parse_account};
use crate::output::{amount, hex0x};
use crate::runtime::{self, inference::events::WorkerRegistered, PendingWork, WorkerStatus};
use anyhow::{anyhow, Context, Result};
use subxt::utils::AccountId32;

/// Registers the signing account as a worker with `bond`.
pub async fn register(ctx: &Ctx, bond: u128) -> Result<()> {
    let signer = ctx.signer()?;
    let who = account_of(&signer);
    let chain = ctx.connect().await?;
    let at = chain.at_best().await?;
    let free = chain.account(&at, &who).await?.data.free;
    if free < bond {
        return Err(anyhow!(
            "insufficient balance: the bond is {} but {who} has {} free",
            amount(bond),
            amount(free)
        ));
    }
    let nonce = chain.next_nonce(&who).await?;
    let call = runtime::tx().inference().register_worker(bond);
    let events = chain.submit(&call, &signer, nonce).await?;
    let ev = events
        .find_first::<WorkerRegistered>()
        .ok_or_else(|| anyhow!("register_worker succeeded without a WorkerRegistered event"))?
        .context("decoding WorkerRegistered")?;
    println!("worker:   {}", ev.worker);
    println!("bond:     {}", amount(ev.bond));
    println!(
        "note: the worker's node must hold this account's key as an `infr` key \
         (inferchain-node key insert --key-type infr) to execute jobs"
    );
    Ok(())
}

/// Prints a worker's bond, status, active-set membership and pending jobs.
pub async fn status(ctx: &Ctx, account: Option<&str>) -> Result<()> {
    let who: AccountId32 = match account {
        Some(a) => parse_account(a)?,
        None => account_of(&ctx.signer()?),
    };
    let chain = ctx.connect().await?;
    let at = chain.at_best().await?;
    let record = chain
        .try_read(&at, runtime::storage().inference().workers(), (who,))
        .await?;
    println!("worker:   {who}");
    let Some(w) = record else {
        println!("status:   not registered");
        return Ok(());
    };
    let active_set = chain
        .read(&at, runtime::storage().inference().active_workers(), ())
        .await?
        .0;
    let status = match w.status {
        WorkerStatus::Active => "active".to_string(),
        WorkerStatus::Unbonding(until) => {
            format!("unbonding (bond withdrawable from block {until})")
        }
    };
    println!("status:   {status}");
    println!(
        "in active set: {} ({} active workers)",
        if active_set.contains(&who) {
            "yes"
        } else {
            "no"
        },
        active_set.len()
    );
    println!("bond:     {}", amount(w.bond));
    let api = runtime::runtime_apis().inference_api();
    let work: Vec<PendingWork> = chain.call(&at, api.pending_work(who)).await?;
    println!("assigned: {} pending jobs", work.len());
    for p in work {
        println!(
            "job {}: {} of model {}, next {:?} by block {}",
            p.job_id,
            if p.validation {
                "validation"
            } else {
                "inference"
            },
            hex0x(p.model_id.as_bytes()),
            p.next,
            p.deadline
        );
    }
    Ok(())
}
