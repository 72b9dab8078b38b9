//! Jobs (`jobs.rs`): requests, deadlines, expiry and pruning.

use super::*;

#[test]
fn request_inference_works() {
    let mut ext = ExtBuilder::default().build();
    let id = ext.execute_with(|| {
        let id = request(genesis_model());
        let r = Jobs::<Test>::get(id).expect("job");
        assert_eq!(r.slots.len(), 3);
        let mut ws = workers_of(id);
        ws.sort();
        ws.dedup();
        assert_eq!(ws.len(), 3, "workers are distinct");
        assert_eq!(held(HoldReason::RequestFee, &requester()), FEE3);
        assert_eq!(r.commit_deadline, 1 + COMMIT_PERIOD);
        assert_eq!(r.reveal_deadline, 1 + COMMIT_PERIOD + REVEAL_PERIOD);
        for w in workers_of(id) {
            let work = Inference::pending_work(&acc(w));
            assert_eq!(work.len(), 1);
            assert_eq!(work[0].job_id, id);
        }
        assert_eq!(Inference::live_jobs(System::block_number()), vec![id]);
        let q = Inference::quote(genesis_model(), inputs(1.0, 2.0).len() as u32).expect("quote");
        assert_eq!(q.total, FEE3);
        assert_eq!(q.worker_fee, WORKER_FEE);
        let view = Inference::job_view(id).expect("view");
        assert_eq!(view.fee, FEE3);
        assert_eq!(view.requester, Some(requester()));
        assert!(System::events().iter().any(|e| matches!(
            e.event,
            RuntimeEvent::Inference(Event::InferenceRequested { job_id, fee, .. })
                if job_id == id && fee == FEE3
        )));
        check_invariants();
        id
    });
    ext.persist_offchain_overlay();
    assert_eq!(
        ext.offchain_db().get(&request_inputs_key(id)),
        Some(inputs(1.0, 2.0))
    );
}

#[test]
fn request_inference_errors() {
    ExtBuilder::default().build_and_execute(|| {
        let req = |who: AccountId, model, bytes: Vec<u8>, max| {
            Inference::request_inference(
                RuntimeOrigin::signed(who),
                model,
                bytes.try_into().expect("short"),
                max,
            )
        };
        assert_noop!(
            req(requester(), H256::zero(), inputs(1.0, 2.0), 10_000),
            Error::<Test>::ModelNotFound
        );
        let (uploading, _) = register(100, 10, exact(3));
        assert_noop!(
            req(requester(), uploading, inputs(1.0, 2.0), 10_000),
            Error::<Test>::ModelNotActive
        );
        assert_noop!(
            req(requester(), genesis_model(), vec![1, 2, 3], 10_000),
            Error::<Test>::BadInputs
        );
        assert_noop!(
            req(requester(), genesis_model(), outputs(1.0, 2.0), 10_000),
            Error::<Test>::InputsSchemaMismatch
        );
        assert_noop!(
            req(requester(), genesis_model(), inputs(1.0, 2.0), FEE3 - 1),
            Error::<Test>::FeeAboveMax
        );
        assert_noop!(
            req(pauper(), genesis_model(), inputs(1.0, 2.0), FEE3),
            Error::<Test>::InsufficientBalance
        );
        // Four jobs per block share a deadline slot; the next four get the next block's
        // deadlines, and so on for `MAX_DEADLINE_SPILL` blocks.
        let spill = crate::MAX_DEADLINE_SPILL as u64;
        let now = System::block_number();
        for k in 0..=spill {
            for _ in 0..4 {
                let id = crate::NextJobId::<Test>::get();
                assert_ok!(req(requester(), single_model(), inputs(1.0, 2.0), FEE3));
                let job = Jobs::<Test>::get(id).expect("job");
                assert_eq!(job.commit_deadline, now + COMMIT_PERIOD + k);
                assert_eq!(job.reveal_deadline, now + COMMIT_PERIOD + k + REVEAL_PERIOD);
            }
        }
        assert_noop!(
            req(requester(), single_model(), inputs(1.0, 2.0), FEE3),
            Error::<Test>::JobQueueFull
        );
    });
    ExtBuilder::default().workers(2).build_and_execute(|| {
        assert_noop!(
            Inference::request_inference(
                RuntimeOrigin::signed(requester()),
                genesis_model(),
                inputs(1.0, 2.0).try_into().expect("short"),
                FEE3
            ),
            Error::<Test>::NotEnoughWorkers
        );
    });
}

#[test]
fn no_commitment_expires_with_full_refund() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        run_to_block(1 + COMMIT_PERIOD);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Pending
        );
        run_to_block(2 + COMMIT_PERIOD);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Expired
        );
        assert!(has_event(Event::InferenceExpired { job_id: id }));
        assert_eq!(free(&requester()), INITIAL);
        assert_eq!(held(HoldReason::RequestFee, &requester()), 0);
        assert_eq!(slashes(id).len(), 3);
        check_invariants();
    });
}

#[test]
fn results_and_inputs_are_pruned() {
    let mut ext = ExtBuilder::default().build();
    let id = ext.execute_with(|| {
        let id = request(genesis_model());
        for w in workers_of(id) {
            assert_ok!(commit(w, id, &good()));
        }
        assert_ok!(reveal(workers_of(id)[0], id, &good()));
        id
    });
    ext.persist_offchain_overlay();
    assert!(ext.offchain_db().get(&request_inputs_key(id)).is_some());
    ext.execute_with(|| {
        let prune_at = 1 + COMMIT_PERIOD + REVEAL_PERIOD + 1 + RETENTION;
        run_to_block(prune_at - 1);
        assert!(Results::<Test>::get(id).is_some());
        assert!(Inference::job_view(id).expect("view").result.is_some());
        run_to_block(prune_at);
        assert!(Results::<Test>::get(id).is_none());
        assert!(Jobs::<Test>::get(id).is_none());
        assert!(has_event(Event::JobPruned { job_id: id }));
        check_invariants();
    });
    ext.persist_offchain_overlay();
    assert!(ext.offchain_db().get(&request_inputs_key(id)).is_none());
}

#[test]
fn bounded_vec_inputs_limit() {
    ExtBuilder::default().build_and_execute(|| {
        let too_long: Result<BoundedVec<u8, <Test as crate::Config>::MaxInputBytes>, _> =
            vec![0u8; 4097].try_into();
        assert!(too_long.is_err());
    });
}

#[test]
fn request_id_overflow_is_an_error() {
    ExtBuilder::default().build_and_execute(|| {
        crate::NextJobId::<Test>::put(u64::MAX);
        assert_noop!(
            Inference::request_inference(
                RuntimeOrigin::signed(requester()),
                genesis_model(),
                inputs(1.0, 2.0).try_into().expect("short"),
                FEE3
            ),
            Error::<Test>::Overflow
        );
    });
}
