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

// ------------------------------------------------------------------ block limits

mod block_limits {
    use crate::{
        configs::{RuntimeBlockLength, RuntimeBlockWeights},
        Runtime,
    };
    use frame_support::{dispatch::DispatchClass, traits::Get, weights::Weight};
    use pallet_inference::WeightInfo;

    type W = <Runtime as pallet_inference::Config>::WeightInfo;
    type Inference = pallet_inference::Pallet<Runtime>;
    type C = Runtime;

    fn batch() -> u32 {
        <C as pallet_inference::Config>::MaxBatch::get()
    }
    fn max_output() -> u32 {
        <C as pallet_inference::Config>::MaxOutputBytes::get()
    }
    fn jobs() -> u32 {
        <C as pallet_inference::Config>::MaxJobsPerBlock::get()
    }
    fn max_extrinsic() -> Weight {
        RuntimeBlockWeights::get()
            .get(DispatchClass::Normal)
            .max_extrinsic
            .expect("normal extrinsics are limited")
    }
    fn normal_total() -> Weight {
        RuntimeBlockWeights::get()
            .get(DispatchClass::Normal)
            .max_total
            .expect("normal class is limited")
    }

    fn reveal_batch_bytes() -> u32 {
        <C as pallet_inference::Config>::MaxRevealBatchBytes::get()
    }

    /// Largest reveal batch the offchain worker builds for outputs of `o` bytes.
    fn reveal_batch(o: u32) -> u32 {
        batch().min((reveal_batch_bytes() / o).max(1))
    }

    fn normal_length() -> u32 {
        *RuntimeBlockLength::get().max.get(DispatchClass::Normal)
    }
    fn base_extrinsic() -> Weight {
        RuntimeBlockWeights::get()
            .get(DispatchClass::Normal)
            .base_extrinsic
    }

    /// Weight of a reveal batch of `n` items and `bytes` output bytes with its pool check,
    /// charged before dispatch (every item settling its job).
    fn reveal_bound(n: u32, bytes: u32) -> Weight {
        let settle = Inference::settle_weight_bound().saturating_mul(n.into());
        Inference::reveal_weight(n, bytes, settle, 0).saturating_add(authorize_reveal(n, bytes))
    }
    fn authorize_reveal(n: u32, bytes: u32) -> Weight {
        W::authorize_reveal(n).saturating_add(
            W::authorize_reveal_bytes(bytes).saturating_sub(W::authorize_reveal_bytes(0)),
        )
    }

    #[test]
    fn every_worst_case_transaction_fits_in_a_block() {
        let limit = max_extrinsic();
        let commit = W::commit(batch()).saturating_add(W::authorize_commit(batch()));
        assert!(commit.all_lte(limit), "commit {commit:?} > {limit:?}");
        // What the offchain worker builds (at most `MaxBatch` items and `MaxRevealBatchBytes`).
        // A heavier batch is refused at the pool by `CheckWeight`: it can never be included.
        for o in [68, 256, 1024, 4096, 16 * 1024, max_output()] {
            let n = reveal_batch(o);
            let reveal = reveal_bound(n, n * o);
            assert!(
                reveal.all_lte(limit),
                "reveal({n}, {o}) {reveal:?} > {limit:?}"
            );
        }
        let workers = <C as pallet_inference::Config>::MaxWorkers::get();
        let max_input = <C as pallet_inference::Config>::MaxInputBytes::get();
        let replicas = <C as pallet_inference::Config>::MaxReplicas::get();
        for (name, w) in [
            (
                "upload_final_chunk",
                Inference::upload_final_chunk_weight(
                    inferchain_primitives::limits::MAX_CHUNK_BYTES,
                    workers,
                ),
            ),
            (
                "request_inference",
                Inference::request_weight(
                    max_input,
                    workers,
                    replicas,
                    pallet_inference::MAX_DEADLINE_SPILL,
                ),
            ),
            (
                "register_model",
                W::register_model(inferchain_primitives::limits::MAX_CHUNKS),
            ),
            (
                "retire_model",
                W::retire_model(inferchain_primitives::limits::MAX_CHUNKS),
            ),
            (
                "revalidate",
                W::revalidate(workers).saturating_add(Inference::spill_reads()),
            ),
        ] {
            assert!(w.all_lte(limit), "{name} {w:?} > {limit:?}");
        }
    }

    /// The hooks' worst case (a block where `MaxJobsPerBlock` jobs expire, as many end their
    /// round at their reveal deadline slashing every worker, `MaxEscalationsPerBlock`
    /// escalations are decided and as many start with the largest validator set, as many jobs
    /// are pruned, and each of them was the last job of a retired model, queued for removal in
    /// `on_idle`) fits in a block; finality comes last within what is left, and in such a
    /// block normal transactions get what is left after it. The usual case is far lighter (the
    /// next tests). One queued model removal fits a block's spare weight many times over.
    #[test]
    fn the_hooks_worst_case_fits_in_a_block() {
        // Finality gets what is left after these and the block's base weight.
        let hooks =
            Inference::hooks_weight_bound().saturating_add(RuntimeBlockWeights::get().base_block);
        let max = RuntimeBlockWeights::get().max_block;
        println!(
            "hooks' worst case: {} ms of {} ms",
            hooks.ref_time() / 1_000_000_000,
            max.ref_time() / 1_000_000_000,
        );
        assert!(hooks.all_lte(max), "hooks {hooks:?} > {max:?}");
        let removal = Inference::queued_removal_weight();
        assert!(removal.saturating_mul(100).all_lte(max), "{removal:?}");
    }

    /// A block whose hooks end the round of `MaxJobsPerBlock` jobs at their reveal deadline
    /// with a member absent (what `settle_jobs` measures: each job escalated) leaves more than
    /// half the block to transactions.
    #[test]
    fn usual_hooks_leave_room_for_transactions() {
        let hooks = usual_hooks();
        let max = RuntimeBlockWeights::get().max_block;
        let limit = Weight::from_parts(max.ref_time() / 2, max.proof_size());
        assert!(hooks.all_lte(limit), "hooks {hooks:?} > {limit:?}");
    }

    fn usual_hooks() -> Weight {
        W::on_initialize_idle()
            .saturating_add(W::settle_jobs(jobs()))
            .saturating_add(W::prune_jobs(jobs()))
    }

    /// Finality keeps up outside of attacks: a usual block (as above) still has room to make a
    /// whole finality slot final, so only a block whose other hooks an attacker made heavy
    /// (paying the slashes) defers finality to the next ones.
    #[test]
    fn a_usual_block_makes_a_whole_finality_slot_final() {
        let finality = Inference::full_finality_slot_weight();
        let total = usual_hooks().saturating_add(finality);
        let max = RuntimeBlockWeights::get().max_block;
        println!(
            "usual hooks with a full finality slot: {} ms of {} ms",
            total.ref_time() / 1_000_000_000,
            max.ref_time() / 1_000_000_000,
        );
        assert!(total.all_lte(max), "{total:?} > {max:?}");
    }

    #[test]
    fn a_reveal_batch_fits_the_block_length() {
        let normal_len = normal_length();
        // Items are (u64 id, bounded bytes): the outputs plus at most 13 bytes each.
        let worst = reveal_batch_bytes() + batch() * 13 + 1024;
        assert!(worst < normal_len, "{worst} >= {normal_len}");
        assert!(inferchain_primitives::limits::MAX_CHUNK_BYTES + 1024 < normal_len);
    }

    /// Weight of `r` settled requests in one block with three replicas over four workers on
    /// a small model (inputs and outputs of about 128 bytes), each worker sending one commit
    /// and one reveal batch, all honest. Under `Exact` (the sample model's policy) the first
    /// reveal of a job settles it with nothing stored and the other two are skipped as
    /// overtaken; under `Tolerance` all three are applied and the last settles reading the
    /// two stored ones.
    fn weight_of_settled(r: u32, exact: bool) -> Weight {
        let replicas = 3u32;
        let workers = 4u32;
        let per_worker = (r * replicas).div_ceil(workers);
        let io = 128u32;
        let (applied, skipped) = if exact { (r, 2 * r) } else { (3 * r, 0) };
        let requests = Inference::request_weight(io, workers, replicas, 0)
            .saturating_add(base_extrinsic())
            .saturating_mul(r.into());
        let commits = W::commit(per_worker)
            .saturating_add(W::authorize_commit(per_worker))
            .saturating_add(base_extrinsic())
            .saturating_mul(workers.into());
        // The batches' fixed parts, then every item once (the weights are affine).
        let none = Inference::reveal_weight(0, 0, Weight::zero(), 0);
        let settle = Inference::settle_weight(&pallet_inference::Settlement {
            replicas,
            stored: if exact { 0 } else { replicas - 1 },
            slashed: 0,
            model_queued: false,
        })
        .saturating_mul(r.into());
        let reveals = none
            .saturating_add(authorize_reveal(per_worker, per_worker * io))
            .saturating_add(base_extrinsic())
            .saturating_mul(workers.into())
            .saturating_add(
                Inference::reveal_weight(applied, applied * io, settle, skipped)
                    .saturating_sub(none),
            );
        requests.saturating_add(commits).saturating_add(reveals)
    }

    /// How many settled requests per block the benchmarked weights allow.
    fn allowed(exact: bool) -> u32 {
        let normal = normal_total();
        (1..=2_000u32)
            .take_while(|r| weight_of_settled(*r, exact).all_lte(normal))
            .last()
            .unwrap_or(0)
    }

    /// How many settled requests per block with three replicas the weights allow
    /// (BENCHMARKS.md §4 records the figures: 891 and 749): at least 500, the throughput goal,
    /// under `Exact` (the sample model's policy) and 475 under `Tolerance`, so a change that
    /// makes the protocol heavier fails here.
    #[test]
    fn settled_requests_per_block_allowed_by_weight() {
        let exact = allowed(true);
        let tolerance = allowed(false);
        let normal = normal_total().ref_time() as u128;
        println!(
            "weight allows {exact} settled requests per block under Exact ({}% of the normal \
             share for 500), {tolerance} under Tolerance ({}%)",
            weight_of_settled(500, true).ref_time() as u128 * 100 / normal,
            weight_of_settled(500, false).ref_time() as u128 * 100 / normal,
        );
        assert!(
            exact >= 500,
            "only {exact} settled requests fit a block (Exact)"
        );
        assert!(
            tolerance >= 475,
            "only {tolerance} settled requests fit a block (Tolerance)"
        );
    }
}

/// The client's types are generated from `client/metadata/inferchain.scale` (subxt codegen):
/// the committed file must be this runtime's metadata, or the client drifts from the runtime
/// unnoticed. `scripts/update-metadata.sh` rewrites it (this test with
/// `INFERCHAIN_WRITE_METADATA=1`).
#[test]
fn committed_client_metadata_is_the_runtimes() {
    let metadata = sp_io::TestExternalities::default()
        .execute_with(|| Runtime::metadata_at_version(16))
        .expect("metadata v16");
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../client/metadata/inferchain.scale"
    );
    if std::env::var_os("INFERCHAIN_WRITE_METADATA").is_some() {
        std::fs::write(path, &*metadata).expect("writes the metadata");
    }
    let committed = std::fs::read(path).unwrap_or_default();
    assert!(
        committed == *metadata,
        "client/metadata/inferchain.scale is not this runtime's metadata: run scripts/update-metadata.sh"
    );
}
