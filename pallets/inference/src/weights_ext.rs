//! Composed weights: what each call and hook is charged, built from the benchmarked parts in
//! `weights.rs`.
//!
//! The hooks charge what they do: `settle_jobs` / `expire_jobs` per job plus every slash past
//! the benchmarked ones. A retired model whose last job ends is queued ([`ModelsToRemove`]) and
//! removed, its deposit returned, in `on_idle` as the block's spare weight allows. A reveal is
//! charged per item and per output byte; each byte also pays its share of the settlement that
//! will read and compare it (`settle_bytes`), so settling a job costs only its per-job part
//! whoever settles it: `settle_jobs` in the hook, [`Pallet::settle_weight`] in a reveal (the
//! settling reveal is never stored; each stored reveal read and each slash is charged). Before
//! dispatch every item is assumed to make the heaviest settlement; after dispatch the batch is
//! charged what it did ([`Pallet::reveal_weight`]). Requests are charged for their actual
//! replica count and active worker set.

use crate::*;

impl<T: Config> Pallet<T> {
    /// Weight of a request with `inputs` bytes of inputs among `workers` active workers that
    /// drew `replicas` workers, plus one read per full deadline slot skipped (`spilled`; the
    /// benchmark skips none).
    pub fn request_weight(inputs: u32, workers: u32, replicas: u32, spilled: u32) -> Weight {
        T::WeightInfo::request_inference(inputs, workers, replicas)
            .saturating_add(T::DbWeight::get().reads(spilled.into()))
    }

    /// Reads that finding a job's deadline slots may make beyond the benchmarks (every spill
    /// slot full).
    pub fn spill_reads() -> Weight {
        T::DbWeight::get().reads(MAX_DEADLINE_SPILL.into())
    }

    /// Weight of the upload that completes a model (`bytes` long, `workers` active workers).
    pub fn upload_final_chunk_weight(bytes: u32, workers: u32) -> Weight {
        T::WeightInfo::upload_final_chunk(bytes, workers).saturating_add(Self::spill_reads())
    }

    /// Total output bytes of a reveal batch (for weights).
    pub fn batch_bytes(items: &RevealBatchOf<T>) -> u32 {
        items.iter().fold(0u32, |sum, (_, r)| {
            sum.saturating_add(r.output_bytes().len() as u32)
        })
    }

    /// Weight of a reveal batch that applied `applied` items with `bytes` output bytes in
    /// total, skipped `skipped` overtaken items and settled jobs worth `settle` (the sum of
    /// [`Pallet::settle_weight`] over the jobs it settled).
    ///
    /// Each revealed byte is charged its share of the settlement too (reading, comparing and
    /// storing outputs: `settle_bytes`), so settling a job costs only the per-job part
    /// whichever transaction or hook settles it.
    pub fn reveal_weight(applied: u32, bytes: u32, settle: Weight, skipped: u32) -> Weight {
        let above_zero = |f: fn(u32) -> Weight, x: u32| f(x).saturating_sub(f(0));
        T::WeightInfo::reveal(applied)
            .saturating_add(above_zero(T::WeightInfo::reveal_skipped, skipped))
            .saturating_add(above_zero(T::WeightInfo::reveal_bytes, bytes))
            .saturating_add(above_zero(T::WeightInfo::settle_bytes, bytes))
            .saturating_add(settle)
    }

    /// Weight of a settlement in a reveal: the per-job part (`settle_one`: the settling
    /// reveal in hand, payments, result), one `settle_stored` step per stored reveal read and
    /// one `slash_worker` per slash. The per-byte part is charged with each revealed byte.
    pub fn settle_weight(done: &Settlement) -> Weight {
        let stored = T::WeightInfo::settle_stored(done.stored)
            .saturating_sub(T::WeightInfo::settle_stored(0));
        T::WeightInfo::settle_one(done.replicas)
            .saturating_add(stored)
            .saturating_add(T::WeightInfo::slash_worker().saturating_mul(done.slashed.into()))
            .saturating_add(Self::model_removal_weight(done.model_queued))
    }

    /// Weight of queueing a retired model for removal with its last job (one write; the
    /// removal itself is charged in `on_idle`).
    fn model_removal_weight(queued: bool) -> Weight {
        if queued {
            T::DbWeight::get().writes(1)
        } else {
            Weight::zero()
        }
    }

    /// Slashes included in `settle_jobs`'s per-job weight: none, since its benchmark ends
    /// rounds with an absent member, which escalates the job and slashes nobody before the
    /// verdict.
    pub(crate) const SETTLE_JOBS_SLASHES: u32 = 0;

    /// Weight a job the hook expired or settled used beyond its benchmark (`expire_jobs` or
    /// `settle_jobs`), which includes `benchmarked_slashes` slashes: further slashes and
    /// queueing a retired model for removal.
    pub(crate) fn hook_extra_weight(done: &Settlement, benchmarked_slashes: u32) -> Weight {
        let slashes = done.slashed.saturating_sub(benchmarked_slashes);
        T::WeightInfo::slash_worker()
            .saturating_mul(slashes.into())
            .saturating_add(Self::model_removal_weight(done.model_queued))
    }

    /// Weight of deciding `decided` escalations (each charged as with `MaxValidators`
    /// validators: the benchmark's worst case, whatever the set was) and starting `started`
    /// ones among `validators` validators.
    pub fn escalation_weight(decided: u32, started: u32, validators: u32) -> Weight {
        T::WeightInfo::decide_escalation()
            .saturating_mul(decided.into())
            .saturating_add(
                T::WeightInfo::start_escalation(validators).saturating_mul(started.into()),
            )
    }

    /// The hooks' heaviest block before finality: `MaxJobsPerBlock` jobs expire, as many end
    /// their committee round at their reveal deadline slashing every worker,
    /// `MaxEscalationsPerBlock` escalations are decided and as many start, as many jobs are
    /// pruned, and every job queues a retired model for removal (removals happen in `on_idle`,
    /// within the spare weight). Finality comes last and uses at most what the block has left
    /// (`Pallet::finalize_due`), so this bounds the hooks' whole weight when it is within the
    /// block.
    pub fn hooks_weight_bound() -> Weight {
        let jobs = T::MaxJobsPerBlock::get();
        let replicas = T::MaxReplicas::get();
        let worst = Settlement {
            replicas,
            stored: replicas,
            slashed: replicas,
            model_queued: true,
        };
        let escalations = T::MaxEscalationsPerBlock::get();
        T::WeightInfo::on_initialize_idle()
            .saturating_add(T::WeightInfo::expire_jobs(jobs))
            .saturating_add(T::WeightInfo::settle_jobs(jobs))
            .saturating_add(Self::escalation_weight(
                escalations,
                escalations,
                T::MaxValidators::get(),
            ))
            .saturating_add(T::WeightInfo::prune_jobs(jobs))
            .saturating_add(
                Self::hook_extra_weight(&worst, replicas)
                    .saturating_add(Self::hook_extra_weight(&worst, Self::SETTLE_JOBS_SLASHES))
                    .saturating_mul(jobs.into()),
            )
    }

    /// Weight of making a full finality slot final (`MaxJobsPerBlock` jobs, each the last of a
    /// retired model): what a block whose other hooks are usual has room for, so that
    /// finality keeps up outside of attacks (`runtime/src/tests.rs` checks it).
    pub fn full_finality_slot_weight() -> Weight {
        let jobs = T::MaxJobsPerBlock::get();
        T::WeightInfo::finalize_jobs(jobs).saturating_add(
            Self::hook_extra_weight(
                &Settlement {
                    model_queued: true,
                    ..Default::default()
                },
                0,
            )
            .saturating_mul(jobs.into()),
        )
    }

    /// The heaviest settlement a reveal can make: `MaxReplicas` replicas, all but the settling
    /// reveal stored, all but the settling worker slashed, the job's retired model queued for
    /// removal. (A reveal settles only when every
    /// committed worker revealed or its outputs open every commitment; the settling worker is
    /// slashed only if a majority without it decides, which leaves a majority unslashed.)
    pub fn settle_weight_bound() -> Weight {
        let replicas = T::MaxReplicas::get();
        Self::settle_weight(&Settlement {
            replicas,
            stored: replicas.saturating_sub(1),
            slashed: replicas.saturating_sub(1),
            model_queued: true,
        })
    }

    /// Weight charged before dispatching a reveal batch: every item applies and makes the
    /// heaviest settlement.
    pub fn reveal_weight_bound(items: &RevealBatchOf<T>) -> Weight {
        let n = items.len() as u32;
        let settle = Self::settle_weight_bound().saturating_mul(n.into());
        Self::reveal_weight(n, Self::batch_bytes(items), settle, 0)
    }

    /// Weight of checking a reveal batch at the pool.
    pub fn authorize_reveal_weight(items: &RevealBatchOf<T>) -> Weight {
        let bytes = Self::batch_bytes(items);
        T::WeightInfo::authorize_reveal(items.len() as u32).saturating_add(
            T::WeightInfo::authorize_reveal_bytes(bytes)
                .saturating_sub(T::WeightInfo::authorize_reveal_bytes(0)),
        )
    }

    /// Weight of removing one queued retired model in `on_idle`: what `retire_model` does for
    /// a model without pending jobs, at its largest chunk count, plus reading and removing the
    /// queue entry.
    pub fn queued_removal_weight() -> Weight {
        T::WeightInfo::retire_model(MAX_CHUNKS)
            .saturating_add(T::DbWeight::get().reads_writes(1, 1))
    }
}
