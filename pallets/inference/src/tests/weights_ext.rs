//! Composed weights (`weights_ext.rs`): calls and hooks are charged what they do, and the worst block fits.

use super::*;

/// A reveal batch is charged, after dispatch, only for what it did: skipped items and items
/// that did not settle cost less than the bound charged before dispatch.
#[test]
fn reveal_weight_is_refunded_to_what_was_done() {
    use frame_support::dispatch::GetDispatchInfo;
    ExtBuilder::default().workers(3).build_and_execute(|| {
        let model = tolerance_model();
        let a = request(model);
        let b = request(model);
        for w in 1..=3u8 {
            assert_ok!(commit(w, a, &good()));
            assert_ok!(commit(w, b, &good()));
        }
        assert_ok!(reveal(1, a, &good()));
        // Tolerance: worker 2's reveal of `b` does not settle; `a` is not settled either.
        let call = reveal_call(2, vec![(a, good()), (b, good())]);
        let bound = call.get_dispatch_info().call_weight;
        assert_eq!(
            call.authorize(TransactionSource::External)
                .map(|r| r.is_ok()),
            Some(true)
        );
        let post = call
            .dispatch_bypass_filter(RuntimeOrigin::from(RawOrigin::Authorized))
            .expect("applies");
        let len = good().len() as u32;
        // Each settles with two stored reveals and the third in hand.
        let settle3 = Inference::settle_weight(&crate::Settlement {
            replicas: 3,
            stored: 2,
            slashed: 0,
            model_queued: false,
        });
        let expected =
            Inference::reveal_weight(2, 2 * len, frame_support::weights::Weight::zero(), 0);
        assert_eq!(post.actual_weight, Some(expected));
        assert!(
            expected.all_lte(bound) && expected.ref_time() < bound.ref_time(),
            "{expected:?} < {bound:?}"
        );
        // Worker 3 settles `a` (everyone revealed) but not `b`.
        let call = reveal_call(3, vec![(a, good()), (b, good())]);
        let post = call
            .dispatch_bypass_filter(RuntimeOrigin::from(RawOrigin::Authorized))
            .expect("applies");
        assert_eq!(
            post.actual_weight,
            Some(Inference::reveal_weight(2, 2 * len, settle3, 0))
        );
        // Worker 1 repeats `a` (skipped) and settles `b`.
        let call = reveal_call(1, vec![(a, good()), (b, good())]);
        let post = call
            .dispatch_bypass_filter(RuntimeOrigin::from(RawOrigin::Authorized))
            .expect("applies");
        assert_eq!(
            post.actual_weight,
            Some(Inference::reveal_weight(1, len, settle3, 1))
        );
        assert_eq!(
            Jobs::<Test>::get(b).expect("job").status,
            JobStatus::Provisional
        );
        // The reveals are kept while the results can be challenged, removed when final.
        assert_eq!(crate::Reveals::<Test>::iter().count(), 6);
        run_to_final(b);
        assert_eq!(crate::Reveals::<Test>::iter().count(), 0);
        check_invariants();
    });
}

/// Under `Exact` the reveal that settles its job is never stored: the settlement is charged
/// for the reveals it read and the slashes it made, nothing more.
#[test]
fn settlement_weight_counts_stored_reveals_and_slashes() {
    ExtBuilder::default().workers(3).build_and_execute(|| {
        let len = good().len() as u32;
        let dispatch = |w: u8, id: u64, out: Vec<u8>| {
            reveal_call(w, vec![(id, out)])
                .dispatch_bypass_filter(RuntimeOrigin::from(RawOrigin::Authorized))
                .expect("applies")
                .actual_weight
        };
        let weight = |stored, slashed| {
            Inference::settle_weight(&crate::Settlement {
                replicas: 3,
                stored,
                slashed,
                model_queued: false,
            })
        };
        // Exact, honest: the first reveal settles with nothing stored.
        let a = request(genesis_model());
        for w in 1..=3u8 {
            assert_ok!(commit(w, a, &good()));
        }
        assert_eq!(
            dispatch(2, a, good()),
            Some(Inference::reveal_weight(1, len, weight(0, 0), 0))
        );
        assert_eq!(
            Jobs::<Test>::get(a).expect("job").status,
            JobStatus::Provisional
        );
        // The reveal that settled is kept (for a challenge) until the result is final.
        assert_eq!(crate::Reveals::<Test>::iter_prefix(a).count(), 1);
        // Exact, worker 3 committed to other outputs: workers 1 and 3's reveals are stored
        // (neither opens every commitment), worker 2's settles reading both, and the
        // disagreement escalates the job: nobody is slashed before the validators' verdict.
        let b = request(genesis_model());
        assert_ok!(commit(1, b, &good()));
        assert_ok!(commit(2, b, &good()));
        assert_ok!(commit(3, b, &bad()));
        assert_eq!(
            dispatch(1, b, good()),
            Some(Inference::reveal_weight(
                1,
                len,
                frame_support::weights::Weight::zero(),
                0
            ))
        );
        assert_eq!(crate::Reveals::<Test>::iter_prefix(b).count(), 1);
        let bad_len = bad().len() as u32;
        assert_eq!(
            dispatch(3, b, bad()),
            Some(Inference::reveal_weight(
                1,
                bad_len,
                frame_support::weights::Weight::zero(),
                0
            ))
        );
        assert_eq!(
            dispatch(2, b, good()),
            Some(Inference::reveal_weight(1, len, weight(2, 0), 0))
        );
        assert_eq!(
            Jobs::<Test>::get(b).expect("job").status,
            JobStatus::Escalated
        );
        assert!(slashes(b).is_empty());
        assert_eq!(crate::Reveals::<Test>::iter_prefix(b).count(), 3);
        check_invariants();
    });
}

/// The hook charges every slash beyond the one its benchmark includes per settled job, and
/// queueing a retired model for removal with its last job.
#[test]
fn hook_charges_every_slash_and_model_removal() {
    use crate::WeightInfo as _;
    type W = ();
    ExtBuilder::default().workers(3).build_and_execute(|| {
        let id = request(genesis_model());
        for w in 1..=3u8 {
            assert_ok!(commit(w, id, &good()));
        }
        // The owner retires the model while the job is pending.
        assert_ok!(Inference::retire_model(
            RuntimeOrigin::signed(owner()),
            genesis_model()
        ));
        // Nobody reveals: the hook after the reveal deadline settles the job, slashing all
        // three workers for not revealing, and queues the model for removal.
        let at = Jobs::<Test>::get(id).expect("job").reveal_deadline + 1;
        run_to_block(at - 1);
        System::set_block_number(at);
        let used = Inference::process_queues(at);
        assert_eq!(slashes(id).len(), 3);
        assert!(crate::ModelsToRemove::<Test>::contains_key(genesis_model()));
        let expected = W::on_initialize_idle()
            .saturating_add(W::settle_jobs(1))
            .saturating_add(W::finalize_jobs(0))
            .saturating_add(W::slash_worker().saturating_mul(3))
            .saturating_add(db_write())
            .saturating_add(W::prune_jobs(0));
        assert_eq!(used, expected);
        assert!(used.all_lte(Inference::hooks_weight_bound()));
        // With too little spare weight `on_idle` leaves it queued; with enough it removes it.
        let one = Inference::queued_removal_weight();
        let short = one
            .saturating_add(db_read())
            .saturating_sub(Weight::from_parts(1, 0));
        assert_eq!(
            Inference::on_idle(at, short),
            db_read(),
            "one removal does not fit beside the read"
        );
        assert!(Models::<Test>::get(genesis_model()).is_some());
        let _ = Inference::on_idle(at, one.saturating_add(db_read()));
        assert!(Models::<Test>::get(genesis_model()).is_none());
        check_invariants();
    });
}

#[test]
fn worst_case_fits_in_a_block() {
    use crate::weights::{SubstrateWeight, WeightInfo};
    use frame_support::{
        traits::Get,
        weights::{constants::WEIGHT_REF_TIME_PER_SECOND, Weight},
    };
    type W = SubstrateWeight<Test>;
    type C = Test;
    // A standard solochain block: 2 s of computation, 5 MiB, 75% for normal transactions.
    let block = Weight::from_parts(2 * WEIGHT_REF_TIME_PER_SECOND, 5 * 1024 * 1024);
    let normal = Weight::from_parts(block.ref_time() / 4 * 3, block.proof_size() / 4 * 3);
    let batch: u32 = <C as crate::Config>::MaxBatch::get();
    let out: u32 = <C as crate::Config>::MaxOutputBytes::get();
    let jobs = <C as crate::Config>::MaxJobsPerBlock::get();
    let max_len = 5 * 1024 * 1024 / 4 * 3;
    // The largest reveal: every item settling its job, as many output bytes as a normal
    // block can carry, with its pool authorization.
    let settle = Inference::settle_weight_bound().saturating_mul(batch.into());
    let reveal = Inference::reveal_weight(batch, max_len, settle, 0)
        .saturating_add(W::authorize_reveal(batch))
        .saturating_add(
            W::authorize_reveal_bytes(max_len).saturating_sub(W::authorize_reveal_bytes(0)),
        );
    assert!(
        reveal.all_lte(normal),
        "reveal {reveal:?} exceeds {normal:?}"
    );
    // The hooks' worst case leaves most of the block to transactions.
    let hooks = W::on_initialize_idle()
        .saturating_add(W::expire_jobs(jobs))
        .saturating_add(W::settle_jobs(jobs))
        .saturating_add(W::prune_jobs(jobs));
    assert!(
        hooks.all_lte(block.saturating_sub(normal)),
        "hooks {hooks:?} too heavy"
    );
    let workers = <C as crate::Config>::MaxWorkers::get();
    let replicas = <C as crate::Config>::MaxReplicas::get();
    for w in [
        Inference::upload_final_chunk_weight(MAX_CHUNK_BYTES, workers),
        Inference::request_weight(
            <C as crate::Config>::MaxInputBytes::get(),
            workers,
            replicas,
            workers - replicas + crate::MAX_DEADLINE_SPILL,
        ),
        W::commit(batch).saturating_add(W::authorize_commit(batch)),
        W::register_model(inferchain_primitives::limits::MAX_CHUNKS),
        W::retire_model(inferchain_primitives::limits::MAX_CHUNKS),
    ] {
        assert!(w.all_lte(normal), "{w:?} exceeds {normal:?}");
    }
    // Lengths: the largest reveal batch and the largest chunk upload fit a normal block.
    ExtBuilder::default().build_and_execute(|| {
        let max_len = 5 * 1024 * 1024 / 4 * 3;
        let items: Vec<(u64, Vec<u8>)> = (0..batch as u64)
            .map(|i| (i, vec![0u8; out as usize]))
            .collect();
        let call = RuntimeCall::Inference(reveal_call(1, items));
        assert!(call.encoded_size() < max_len);
        let upload = RuntimeCall::Inference(crate::Call::upload_chunk {
            model_id: H256::zero(),
            index: 0,
            bytes: chunk(vec![0u8; MAX_CHUNK_BYTES as usize]),
        });
        assert!(upload.encoded_size() < max_len);
    });
}
