//! Escrow (`escrow.rs`): who is paid what when a job ends.

use super::*;

#[test]
fn honest_request_completes_and_pays() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        let before: Vec<Balance> = ws.iter().map(|w| free(&acc(*w))).collect();
        for w in &ws {
            assert_ok!(commit(*w, id, &good()));
        }
        // Exact: one reveal that opens every commitment settles, provisionally.
        assert_ok!(reveal(ws[0], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Provisional
        );
        run_to_final(id);
        let r = Jobs::<Test>::get(id).expect("job");
        assert_eq!(r.status, JobStatus::Completed);
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(good())
        );
        assert!(slashes(id).is_empty());
        for (w, b) in ws.iter().zip(before) {
            assert_eq!(free(&acc(*w)), b + WORKER_FEE);
            assert!(Inference::pending_work(&acc(*w)).is_empty());
        }
        assert_eq!(free(&owner()), INITIAL + PRICE);
        assert_eq!(free(&requester()), INITIAL - FEE3);
        assert_eq!(held(HoldReason::RequestFee, &requester()), 0);
        assert!(has_event(Event::FeesPaid {
            job_id: id,
            royalty: PRICE,
            worker_fee: 330,
            refunded: 0
        }));
        assert!(System::events().iter().any(|e| matches!(
            &e.event,
            RuntimeEvent::Inference(Event::InferenceCompleted { job_id, outputs, .. })
                if *job_id == id && outputs.to_vec() == good()
        )));
        check_invariants();
    });
}

#[test]
fn agreed_execution_failure_pays_workers_not_royalty() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        let before: Vec<Balance> = ws.iter().map(|w| free(&acc(*w))).collect();
        for w in &ws {
            assert_ok!(commit(*w, id, &FAILED));
        }
        assert_ok!(reveal(ws[0], id, &FAILED));
        run_to_final(id);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Failed(FailureReason::ExecutionFailed)
        );
        assert!(has_event(Event::InferenceFailed {
            job_id: id,
            reason: FailureReason::ExecutionFailed
        }));
        assert!(Results::<Test>::get(id).is_none());
        assert!(slashes(id).is_empty());
        for (w, b) in ws.iter().zip(before) {
            assert_eq!(free(&acc(*w)), b + WORKER_FEE);
        }
        assert_eq!(free(&owner()), INITIAL);
        assert_eq!(free(&requester()), INITIAL - 330);
        check_invariants();
    });
}
