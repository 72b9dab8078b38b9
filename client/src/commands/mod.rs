//! The commands: one module per command group.

pub mod account;
pub mod bench;
pub mod infer;
pub mod model;
pub mod worker;

use crate::chain::{self, AtBlock, Chain};
use crate::parse::{self, ModelEntry, ModelRef};
use crate::runtime::{Model, ModelIdBytes, ModelStatus};
use crate::{Cli, Command, ModelCommand, WorkerCommand};
use anyhow::{anyhow, Context, Result};
use subxt::events::{DecodeAsEvent, Events};
use subxt_signer::sr25519::Keypair;

/// Global options every command may need.
pub struct Ctx {
    /// Node URL.
    pub url: String,
    suri: Option<String>,
    suri_file: Option<std::path::PathBuf>,
}

impl Ctx {
    /// Connects to the node.
    pub async fn connect(&self) -> Result<Chain> {
        Chain::connect(&self.url).await
    }

    /// The signing key pair (from --suri, --suri-file, INFERCHAIN_SURI, or //Alice).
    pub fn signer(&self) -> Result<Keypair> {
        let env = std::env::var(parse::SURI_ENV).ok();
        let suri = parse::resolve_suri(
            self.suri.as_deref(),
            self.suri_file.as_deref(),
            env.as_deref(),
        )
        .map_err(|e| anyhow!(e))?;
        chain::keypair_from_suri(&suri)
    }
}

/// Runs the command line.
pub async fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        url: cli.url,
        suri: cli.suri,
        suri_file: cli.suri_file,
    };
    match cli.command {
        Command::Model(ModelCommand::Inspect { model }) => model::inspect(&model),
        Command::Model(ModelCommand::Register(args)) => model::register(&ctx, args).await,
        Command::Models => model::list(&ctx).await,
        Command::Infer(args) => infer::infer(&ctx, args).await,
        Command::Request(args) => infer::request(&ctx, args).await,
        Command::Challenge(args) => infer::challenge(&ctx, args).await,
        Command::Worker(WorkerCommand::Register { bond }) => worker::register(&ctx, bond).await,
        Command::Worker(WorkerCommand::Status { account }) => {
            worker::status(&ctx, account.as_deref()).await
        }
        Command::Balance { account } => account::balance(&ctx, account.as_deref()).await,
        Command::Bench(args) => bench::bench(&ctx, args).await,
    }
}

/// Finds a model by id or name at `at`.
pub async fn resolve_model(
    chain: &Chain,
    at: &AtBlock,
    model: &ModelRef,
) -> Result<(ModelIdBytes, Model)> {
    match model {
        ModelRef::Id(id) => {
            let record = chain.model(at, id).await?.ok_or_else(|| {
                anyhow!(
                    "unknown model 0x{}: no such model is registered",
                    hex::encode(id)
                )
            })?;
            Ok((*id, record))
        }
        ModelRef::Name(name) => {
            let all = chain.models(at).await?;
            let entries: Vec<ModelEntry> = all
                .iter()
                .map(|(id, m)| ModelEntry {
                    id: *id,
                    name: m.name.0.clone(),
                    active: m.status == ModelStatus::Active,
                })
                .collect();
            let id = parse::resolve_name(name, &entries).map_err(|e| anyhow!(e))?;
            let record = all
                .into_iter()
                .find(|(i, _)| *i == id)
                .map(|(_, m)| m)
                .ok_or_else(|| anyhow!("model {name:?} vanished"))?;
            Ok((id, record))
        }
    }
}

/// The events of type `E` in a block, in order; an event of that name that does not decode as
/// `E` (the node's runtime changed it) is an error naming it, not an event silently missed.
pub fn found<E: DecodeAsEvent>(events: &Events<chain::Config>) -> Result<Vec<E>> {
    events
        .find::<E>()
        .collect::<Result<Vec<E>, _>>()
        .with_context(|| {
            let name = std::any::type_name::<E>();
            format!(
                "decoding {} events",
                name.rsplit("::").next().unwrap_or(name)
            )
        })
}

/// Longest wait for a new block before giving up.
pub const STALL: std::time::Duration = std::time::Duration::from_secs(120);

/// Walks the best chain block by block, waiting for new blocks.
pub struct BlockCursor {
    next: u64,
}

impl BlockCursor {
    /// A cursor whose first block is `first`.
    pub fn starting_at(first: u64) -> BlockCursor {
        BlockCursor { next: first }
    }

    /// The next block, waiting for it to be authored (at most [`STALL`]).
    pub async fn next(&mut self, chain: &Chain) -> Result<AtBlock> {
        let started = std::time::Instant::now();
        loop {
            let best = chain.best_number().await?;
            if self.next <= best {
                let at = chain.at(self.next).await?;
                self.next += 1;
                return Ok(at);
            }
            if started.elapsed() > STALL {
                return Err(anyhow!(
                    "the node at {} produced no new block for {} s",
                    chain.url(),
                    STALL.as_secs()
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        }
    }
}
