//! Chain specifications built into the node.

use inferchain_runtime::WASM_BINARY;
use sc_service::ChainType;

/// The node's chain-spec type: runtime genesis as JSON, no extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Chain-spec properties wallets read: token symbol, decimals and address format.
fn properties() -> sc_chain_spec::Properties {
    let mut properties = sc_chain_spec::Properties::new();
    properties.insert(
        "tokenSymbol".into(),
        inferchain_runtime::TOKEN_SYMBOL.into(),
    );
    properties.insert(
        "tokenDecimals".into(),
        inferchain_runtime::TOKEN_DECIMALS.into(),
    );
    properties.insert("ss58Format".into(), inferchain_runtime::SS58_PREFIX.into());
    properties
}

fn wasm() -> Result<&'static [u8], String> {
    WASM_BINARY.ok_or_else(|| "the runtime wasm was not built (SKIP_WASM_BUILD set?)".to_string())
}

/// `dev`: one validator (Alice), 2-second blocks.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("Inferchain Development")
        .with_id("inferchain_dev")
        .with_chain_type(ChainType::Development)
        .with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
        .with_properties(properties())
        .build())
}

/// `local`: Alice, Bob, Charlie and Dave validate, 6-second blocks.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("Inferchain Local Testnet")
        .with_id("inferchain_local")
        .with_chain_type(ChainType::Local)
        .with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
        .with_properties(properties())
        .build())
}

/// Loads `id`: a built-in name or the path of a chain-spec JSON file.
pub fn load(id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
    Ok(match id {
        "dev" => Box::new(development_chain_spec()?),
        "" | "local" => Box::new(local_chain_spec()?),
        path => {
            let file = std::path::PathBuf::from(path);
            if !file.is_file() {
                return Err(format!(
                    "unknown chain `{path}`: expected `dev`, `local` or the path of a chain-spec JSON file"
                ));
            }
            let spec = ChainSpec::from_json_file(file)
                .map_err(|e| format!("malformed chain spec `{path}`: {e}"))?;
            Box::new(spec)
        }
    })
}
