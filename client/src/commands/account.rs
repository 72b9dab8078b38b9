//! `inferchain balance`.

use super::Ctx;
use crate::chain::{account_of, parse_account};
use crate::output::amount;
use anyhow::Result;

/// Prints the free, reserved (held) and frozen balance of `account` or of the signer.
pub async fn balance(ctx: &Ctx, account: Option<&str>) -> Result<()> {
    let who = match account {
        Some(a) => parse_account(a)?,
        None => account_of(&ctx.signer()?),
    };
    let chain = ctx.connect().await?;
    let at = chain.at(chain.best_number().await?).await?;
    let info = chain.account(&at, &who).await?;
    println!("account:  {who}");
    println!("block:    {}", at.block_number());
    println!("free:     {}", amount(info.data.free));
    println!("reserved: {}", amount(info.data.reserved));
    println!("frozen:   {}", amount(info.data.frozen));
    println!("nonce:    {}", info.nonce);
    Ok(())
}
