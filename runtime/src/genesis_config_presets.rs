//! Genesis presets: `development` (Alice validates) and `local_testnet` (four validators).

use crate::{
    block_time, AccountId, Balance, BalancesConfig, BlockTimeConfig, InferenceConfig,
    RuntimeGenesisConfig, SudoConfig, UNIT,
};
use alloc::{vec, vec::Vec};
use codec::Decode;
use frame_support::build_struct_json_patch;
use inferchain_primitives::{limits::MAX_CHUNK_BYTES, model_id, ExecutionPolicy, ModelInfo};
use pallet_inference::{GenesisModel, ModelPolicy};
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::traits::{BlakeTwo256, Hash as HashT};

/// Balance given to each endowed development account: one million INFR.
pub const ENDOWMENT: u128 = 1_000_000 * UNIT;

/// Slot duration of the `development` preset: short, for quick feedback.
pub const DEV_SLOT_DURATION_MS: u64 = 2_000;

/// Bond of each genesis worker: ten times the minimum.
pub const GENESIS_WORKER_BOND: Balance = 1_000 * UNIT;

/// The sample model (`models/sample/mlp.onnx`): a 1×4 → 8 → 3 f32 MLP with input `x`. The node
/// ships the same bytes and serves them to its offchain workers.
pub const SAMPLE_MODEL: &[u8] = include_bytes!("../../models/sample/mlp.onnx");

/// SCALE encoding of the sample's `ModelInfo` as the engine computes it
/// (`cargo run -p inferchain-engine --example model_info_scale`; the node's tests check it).
pub const SAMPLE_MODEL_INFO: &[u8] = include_bytes!("../../models/sample/mlp.info.scale");

/// Name the sample model is registered under.
pub const SAMPLE_MODEL_NAME: &str = "sample";

/// Royalty per request on the sample model: a thousandth of an INFR.
pub const SAMPLE_MODEL_PRICE: Balance = UNIT / 1_000;

/// The sample model registered as `Active`, owned by `owner`, executed by `replicas` workers.
fn sample_model(owner: AccountId, replicas: u8) -> Option<GenesisModel<AccountId, Balance>> {
    let info = ModelInfo::decode(&mut &SAMPLE_MODEL_INFO[..]).ok()?;
    let chunk_hashes = SAMPLE_MODEL
        .chunks(MAX_CHUNK_BYTES as usize)
        .map(<BlakeTwo256 as HashT>::hash)
        .collect();
    Some(GenesisModel::new(
        model_id(SAMPLE_MODEL),
        owner,
        SAMPLE_MODEL_NAME.as_bytes().to_vec(),
        u32::try_from(SAMPLE_MODEL.len()).ok()?,
        chunk_hashes,
        &info,
        ModelPolicy {
            execution: ExecutionPolicy::Exact,
            replicas,
        },
        SAMPLE_MODEL_PRICE,
    ))
}

/// A genesis patch from authorities (each also an inference worker), endowed accounts, the
/// sudo key, the slot duration and the sample model's replica count.
fn genesis(
    authorities: Vec<(AuraId, GrandpaId, AccountId)>,
    endowed: Vec<AccountId>,
    root: AccountId,
    slot_duration_ms: u64,
    sample_replicas: u8,
) -> Value {
    let workers: Vec<(AccountId, Balance)> = authorities
        .iter()
        .map(|(_, _, account)| (account.clone(), GENESIS_WORKER_BOND))
        .collect();
    let models: Vec<GenesisModel<AccountId, Balance>> = sample_model(root.clone(), sample_replicas)
        .into_iter()
        .collect();
    build_struct_json_patch!(RuntimeGenesisConfig {
        balances: BalancesConfig {
            balances: endowed
                .iter()
                .cloned()
                .map(|k| (k, ENDOWMENT))
                .collect::<Vec<_>>(),
        },
        aura: pallet_aura::GenesisConfig {
            authorities: authorities.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
        },
        grandpa: pallet_grandpa::GenesisConfig {
            authorities: authorities
                .iter()
                .map(|x| (x.1.clone(), 1))
                .collect::<Vec<_>>(),
        },
        sudo: SudoConfig { key: Some(root) },
        block_time: BlockTimeConfig { slot_duration_ms },
        inference: InferenceConfig { workers, models },
    })
}

/// Consensus keys and worker account of a well-known development account. The worker account
/// is the sr25519 account, whose key the node also holds as its `infr` key.
fn authority(sr: Sr25519Keyring, ed: Ed25519Keyring) -> (AuraId, GrandpaId, AccountId) {
    (sr.public().into(), ed.public().into(), sr.to_account_id())
}

/// The well-known development accounts, all endowed.
fn dev_accounts() -> Vec<AccountId> {
    Sr25519Keyring::iter()
        .filter(|k| k != &Sr25519Keyring::One && k != &Sr25519Keyring::Two)
        .map(|k| k.to_account_id())
        .collect()
}

/// `development`: Alice authors, finalizes and executes alone (the sample model runs on one
/// replica); 2-second blocks.
pub fn development_config_genesis() -> Value {
    genesis(
        vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
        dev_accounts(),
        Sr25519Keyring::Alice.to_account_id(),
        DEV_SLOT_DURATION_MS,
        1,
    )
}

/// `local_testnet`: Alice, Bob, Charlie and Dave validate and execute, so finality survives one of
/// them being down; the sample model runs on three replicas; production 6-second blocks.
pub fn local_config_genesis() -> Value {
    genesis(
        vec![
            authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
            authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
            authority(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
            authority(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
        ],
        dev_accounts(),
        Sr25519Keyring::Alice.to_account_id(),
        block_time::DEFAULT_SLOT_DURATION_MS,
        3,
    )
}

/// The JSON patch of the preset named `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
    let patch = match id.as_ref() {
        sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
        sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
        _ => return None,
    };
    // Serialising a `serde_json::Value` cannot fail; an empty answer would surface as "no preset".
    serde_json::to_vec(&patch).ok()
}

/// Names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
    vec![
        PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
        PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
    ]
}
