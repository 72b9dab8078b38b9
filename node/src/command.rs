//! Dispatches the command line to the node service or a subcommand.

use crate::{
    chain_spec,
    cli::{Cli, Subcommand},
    inference::Fault,
    service,
};
use inferchain_runtime::opaque::Block;
use sc_cli::SubstrateCli;
use sc_service::PartialComponents;

impl SubstrateCli for Cli {
    fn impl_name() -> String {
        "Inferchain Node".into()
    }

    fn impl_version() -> String {
        env!("SUBSTRATE_CLI_IMPL_VERSION").into()
    }

    fn description() -> String {
        env!("CARGO_PKG_DESCRIPTION").into()
    }

    fn author() -> String {
        env!("CARGO_PKG_AUTHORS").into()
    }

    fn support_url() -> String {
        "https://example.invalid/inferchain/issues".into()
    }

    fn copyright_start_year() -> i32 {
        2026
    }

    fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
        chain_spec::load(id)
    }
}

/// Parses the command line and runs what it asks for.
pub fn run() -> sc_cli::Result<()> {
    let cli = Cli::from_args();

    match &cli.subcommand {
        Some(Subcommand::Key(cmd)) => cmd.run(&cli),
        Some(Subcommand::BuildSpec(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
        }
        Some(Subcommand::CheckBlock(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    import_queue,
                    ..
                } = service::new_partial(&config)?;
                Ok((cmd.run(client, import_queue), task_manager))
            })
        }
        Some(Subcommand::ExportBlocks(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    ..
                } = service::new_partial(&config)?;
                Ok((cmd.run(client, config.database), task_manager))
            })
        }
        Some(Subcommand::ExportState(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    ..
                } = service::new_partial(&config)?;
                Ok((cmd.run(client, config.chain_spec), task_manager))
            })
        }
        Some(Subcommand::ImportBlocks(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    import_queue,
                    ..
                } = service::new_partial(&config)?;
                Ok((cmd.run(client, import_queue), task_manager))
            })
        }
        Some(Subcommand::PurgeChain(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.database))
        }
        Some(Subcommand::Revert(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    backend,
                    ..
                } = service::new_partial(&config)?;
                let aux_revert = Box::new(|client, _, blocks| {
                    sc_consensus_grandpa::revert(client, blocks)?;
                    Ok(())
                });
                Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
            })
        }
        #[cfg(feature = "runtime-benchmarks")]
        Some(Subcommand::Benchmark(cmd)) => {
            use frame_benchmarking_cli::{BenchmarkCmd, SUBSTRATE_REFERENCE_HARDWARE};
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| match cmd {
                BenchmarkCmd::Pallet(cmd) => cmd
                    .run_with_spec::<
                    sp_runtime::traits::HashingFor<Block>,
                    inferchain_primitives::host::inference_host::HostFunctions,
                >(Some(config.chain_spec)),
                BenchmarkCmd::Block(cmd) => {
                    let PartialComponents { client, .. } = service::new_partial(&config)?;
                    cmd.run(client)
                }
                BenchmarkCmd::Machine(cmd) => {
                    cmd.run(&config, SUBSTRATE_REFERENCE_HARDWARE.clone())
                }
                _ => Err("only `benchmark pallet`, `block` and `machine` are wired in this node".into()),
            })
        }
        #[cfg(not(feature = "runtime-benchmarks"))]
        Some(Subcommand::Benchmark(_)) => Err(
            "this node was built without benchmarks: rebuild with `cargo build --release -p inferchain-node --features runtime-benchmarks`"
                .into(),
        ),
        Some(Subcommand::ValidateChild) => {
            inferchain_engine::sandbox::serve_child().map_err(sc_cli::Error::from)
        }
        Some(Subcommand::ChainInfo(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run::<Block>(&config))
        }
        None => {
            let runner = cli.create_runner(&cli.run)?;
            let fault = if cli.inference_fault_inject {
                Fault::WrongOutputs
            } else {
                Fault::None
            };
            let watch = cli.inference_watch.clone();
            runner.run_node_until_exit(|mut config| async move {
                // The inference pallet needs both: a user must not have to know the flags.
                config.offchain_worker.enabled = true;
                config.offchain_worker.indexing_enabled = true;
                match config.network.network_backend {
                    sc_network::config::NetworkBackendType::Libp2p => service::new_full::<
                        sc_network::NetworkWorker<
                            Block,
                            <Block as sp_runtime::traits::Block>::Hash,
                        >,
                    >(config, watch, fault)
                    .map_err(sc_cli::Error::Service),
                    sc_network::config::NetworkBackendType::Litep2p => {
                        service::new_full::<sc_network::Litep2pNetworkBackend>(config, watch, fault)
                            .map_err(sc_cli::Error::Service)
                    }
                }
            })
        }
    }
}
