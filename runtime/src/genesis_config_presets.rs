//! Genesis presets: `development` (Alice validates) and `local_testnet` (four validators).

use crate::{
    block_time, AccountId, BalancesConfig, BlockTimeConfig, RuntimeGenesisConfig, SudoConfig, UNIT,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Balance given to each endowed development account: one million INFR.
pub const ENDOWMENT: u128 = 1_000_000 * UNIT;

/// Slot duration of the `development` preset: short, for quick feedback.
pub const DEV_SLOT_DURATION_MS: u64 = 2_000;

/// A genesis patch from authorities, endowed accounts, the sudo key and the slot duration.
fn genesis(
    authorities: Vec<(AuraId, GrandpaId)>,
    endowed: Vec<AccountId>,
    root: AccountId,
    slot_duration_ms: u64,
) -> Value {
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
    })
}

/// Consensus keys of a well-known development account.
fn authority(sr: Sr25519Keyring, ed: Ed25519Keyring) -> (AuraId, GrandpaId) {
    (sr.public().into(), ed.public().into())
}

/// The well-known development accounts, all endowed.
fn dev_accounts() -> Vec<AccountId> {
    Sr25519Keyring::iter()
        .filter(|k| k != &Sr25519Keyring::One && k != &Sr25519Keyring::Two)
        .map(|k| k.to_account_id())
        .collect()
}

/// `development`: Alice authors and finalizes alone; 2-second blocks.
pub fn development_config_genesis() -> Value {
    genesis(
        vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
        dev_accounts(),
        Sr25519Keyring::Alice.to_account_id(),
        DEV_SLOT_DURATION_MS,
    )
}

/// `local_testnet`: Alice, Bob, Charlie and Dave validate, so finality survives one of them
/// being down; production 6-second blocks.
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
