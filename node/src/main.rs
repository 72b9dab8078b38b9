//! `inferchain-node`: the Inferchain validator and worker node.

// `sc_cli::Error` and `sc_service::Error` are Substrate's large error enums; every runner
// closure must return them.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod inference;
mod rpc;
mod service;

fn main() {
    // The engine's kernel choice (what makes the Exact policy bit-identical across workers) is
    // made once per process, before anything runs a model.
    let exactness = inferchain_engine::exactness::current();
    log::debug!("inference engine: {}", exactness.describe());
    if let Err(error) = command::run() {
        // One line naming the problem, and a non-zero exit.
        let message = error.to_string().replace('\n', " ");
        eprintln!("Error: {message}");
        std::process::exit(1);
    }
}
