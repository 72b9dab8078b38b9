//! The child side of sandboxed validation: `inferchain-node inspect --scale MODEL.onnx`.
//!
//! The parent ([`inferchain_engine::sandbox::validate_isolated`]) runs the node binary with this
//! hidden subcommand under an address-space limit and a timeout. Protocol: exit 0 with the hex
//! SCALE encoding of the `ModelInfo` on stdout, or exit 1 with `error: <reason>` on stderr.

use crate::cli::InspectCmd;
use codec::Encode;

/// Validates `cmd.model` and answers in the sandbox protocol; never returns on rejection.
pub fn inspect(cmd: &InspectCmd) -> sc_cli::Result<()> {
    let bytes = match std::fs::read(&cmd.model) {
        Ok(bytes) => bytes,
        Err(e) => reject(&format!("reading {}: {e}", cmd.model.display())),
    };
    match inferchain_engine::validate(&bytes) {
        Ok(info) if cmd.scale => {
            println!("{}", hex::encode(info.encode()));
            Ok(())
        }
        Ok(info) => {
            println!("{info:?}");
            Ok(())
        }
        Err(e) => reject(&format!("model rejected: {e}")),
    }
}

fn reject(reason: &str) -> ! {
    eprintln!("error: {reason}");
    std::process::exit(1)
}
