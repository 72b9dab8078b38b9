//! `inferchain-node`: the Inferchain validator and worker node.

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() {
    if let Err(error) = command::run() {
        // One line naming the problem, and a non-zero exit.
        let message = error.to_string().replace('\n', " ");
        eprintln!("Error: {message}");
        std::process::exit(1);
    }
}
