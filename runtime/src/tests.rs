//! Runtime-level checks of the genesis presets and the chain-spec block time.

use crate::{
    block_time, genesis_config_presets, Aura, BlockTime, Runtime, RuntimeGenesisConfig, System,
};
use frame_support::traits::Get;
use sp_runtime::BuildStorage;

/// Builds the storage of a preset by applying its JSON patch to the default genesis config.
fn storage_of(preset: &str) -> sp_io::TestExternalities {
    let patch = genesis_config_presets::get_preset(&preset.into()).expect("preset exists");
    let mut config =
        serde_json::to_value(RuntimeGenesisConfig::default()).expect("default to JSON");
    let patch: serde_json::Value = serde_json::from_slice(&patch).expect("preset is JSON");
    json_merge(&mut config, patch);
    let config: RuntimeGenesisConfig = serde_json::from_value(config).expect("patched config");
    config.build_storage().expect("genesis builds").into()
}

fn json_merge(base: &mut serde_json::Value, patch: serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
            for (key, value) in patch {
                json_merge(base.entry(key).or_insert(serde_json::Value::Null), value);
            }
        }
        (base, patch) => *base = patch,
    }
}

#[test]
fn presets_are_listed_and_unknown_ones_are_not() {
    let names = genesis_config_presets::preset_names();
    assert_eq!(names.len(), 2);
    assert!(genesis_config_presets::get_preset(&"no-such-preset".into()).is_none());
}

#[test]
fn development_has_one_validator_and_two_second_slots() {
    storage_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
        assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
        assert_eq!(
            BlockTime::slot_duration(),
            genesis_config_presets::DEV_SLOT_DURATION_MS
        );
        assert_eq!(Aura::slot_duration(), 2_000);
        assert_eq!(
            <Runtime as pallet_timestamp::Config>::MinimumPeriod::get(),
            1_000
        );
        assert_eq!(System::block_number(), 0);
    });
}

#[test]
fn local_testnet_has_four_validators_and_six_second_slots() {
    storage_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
        assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 4);
        assert_eq!(
            pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(),
            4
        );
        assert_eq!(Aura::slot_duration(), block_time::DEFAULT_SLOT_DURATION_MS);
    });
}

#[test]
#[should_panic(expected = "slotDurationMs must be an even number")]
fn an_odd_slot_duration_is_refused_at_genesis() {
    let config = block_time::GenesisConfig::<Runtime> {
        slot_duration_ms: 1_001,
        ..Default::default()
    };
    let _ = config.build_storage();
}

#[test]
#[should_panic(expected = "slotDurationMs must be an even number")]
fn a_tiny_slot_duration_is_refused_at_genesis() {
    let config = block_time::GenesisConfig::<Runtime> {
        slot_duration_ms: 100,
        ..Default::default()
    };
    let _ = config.build_storage();
}

#[test]
fn both_presets_register_the_sample_model_and_bond_their_validators_as_workers() {
    use crate::{genesis_config_presets::SAMPLE_MODEL, Inference};
    use pallet_inference::ModelStatus;
    for (preset, workers, replicas) in [
        (sp_genesis_builder::DEV_RUNTIME_PRESET, 1, 1),
        (sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET, 4, 3),
    ] {
        storage_of(preset).execute_with(|| {
            let id = inferchain_primitives::model_id(SAMPLE_MODEL);
            let model = Inference::model_view(id).expect("sample model registered");
            assert_eq!(model.status, ModelStatus::Active, "{preset}");
            assert_eq!(model.name, b"sample".to_vec());
            assert_eq!(model.policy.replicas, replicas, "{preset}");
            assert!(model.info.is_some(), "{preset}: the schema is on-chain");
            assert_eq!(
                pallet_inference::Workers::<Runtime>::iter().count(),
                workers,
                "{preset}"
            );
            assert!(
                Inference::quote(id, 64).is_some(),
                "{preset}: requests can be quoted"
            );
        });
    }
}
