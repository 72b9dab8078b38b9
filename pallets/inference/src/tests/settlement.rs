//! Settlement (`settlement.rs`): agreement, and who is slashed and why — including the attacks that pay today (two colluding workers out of three).

use super::*;

#[test]
fn one_wrong_worker_among_three_is_slashed() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(commit(ws[1], id, &good()));
        assert_ok!(commit(ws[2], id, &bad()));
        let wrong_before = free(&acc(ws[2]));
        assert_ok!(reveal(ws[0], id, &good()));
        assert_ok!(reveal(ws[2], id, &bad()));
        assert_ok!(reveal(ws[1], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::WrongResult, MIN_BOND * 2 / 5)]
        );
        assert_eq!(bond(ws[2]), MIN_BOND * 2 - MIN_BOND * 2 / 5);
        assert_eq!(free(&acc(ws[2])), wrong_before, "wrong worker is not paid");
        // The unpaid worker fee goes back to the requester.
        assert_eq!(free(&requester()), INITIAL - FEE3 + WORKER_FEE);
        // The view names the agreeing workers.
        let view = Inference::job_view(id).expect("view");
        assert_eq!(view.agreed, vec![true, true, false]);
        check_invariants();
    });
}

#[test]
fn two_colluding_workers_are_a_majority() {
    // Documented boundary: with three replicas, two colluders form a majority and win; the
    // honest worker is the one slashed. Security relies on an honest majority of the draw.
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(commit(ws[1], id, &bad()));
        assert_ok!(commit(ws[2], id, &bad()));
        assert_ok!(reveal(ws[0], id, &good()));
        assert_ok!(reveal(ws[1], id, &bad()));
        assert_ok!(reveal(ws[2], id, &bad()));
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(bad())
        );
        assert_eq!(
            slashes(id),
            vec![(ws[0], Offence::WrongResult, MIN_BOND * 2 / 5)]
        );
    });
    // With five replicas, two colluders are a minority and are slashed.
    ExtBuilder::default().build_and_execute(|| {
        let (m, job) = register_and_upload(100, 11);
        let _ = (m, job);
        let five = ModelPolicy {
            execution: ExecutionPolicy::Exact,
            replicas: 5,
        };
        let (id5, chunks) = register(100, 12, five);
        let _ = chunks;
        // Make it active directly with the genesis schema for this check.
        Models::<Test>::mutate(id5, |m| {
            let m = m.as_mut().expect("model");
            m.status = ModelStatus::Active;
            m.info = Some(test_info());
        });
        let id = request(id5);
        let ws = workers_of(id);
        for (k, w) in ws.iter().enumerate() {
            let out = if k < 2 { bad() } else { good() };
            assert_ok!(commit(*w, id, &out));
        }
        for (k, w) in ws.iter().enumerate() {
            let out = if k < 2 { bad() } else { good() };
            let _ = reveal(*w, id, &out);
        }
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(good())
        );
        let mut s = slashes(id);
        s.sort_by_key(|x| x.0);
        let mut expected = vec![
            (ws[0], Offence::WrongResult, MIN_BOND * 2 / 5),
            (ws[1], Offence::WrongResult, MIN_BOND * 2 / 5),
        ];
        expected.sort_by_key(|x| x.0);
        assert_eq!(s, expected);
    });
}

#[test]
fn worker_that_never_reveals_is_slashed_less() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(commit(ws[1], id, &good()));
        assert_ok!(commit(ws[2], id, &bad()));
        assert_ok!(reveal(ws[0], id, &good()));
        assert_ok!(reveal(ws[1], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Pending
        );
        run_to_block(2 + COMMIT_PERIOD + REVEAL_PERIOD);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::NoReveal, MIN_BOND * 2 / 10)]
        );
        check_invariants();
    });
}

#[test]
fn worker_that_never_commits_is_slashed_least() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(commit(ws[1], id, &good()));
        run_to_block(2 + COMMIT_PERIOD);
        assert_ok!(reveal(ws[0], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Pending
        );
        assert_ok!(reveal(ws[1], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::NoCommit, MIN_BOND * 2 / 20)]
        );
        assert_eq!(free(&requester()), INITIAL - FEE3 + WORKER_FEE);
    });
}

#[test]
fn disagreement_is_inconclusive_with_full_refund() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(tolerance_model());
        let ws = workers_of(id);
        let outs = [outputs(1.0, 1.0), outputs(2.0, 2.0), outputs(3.0, 3.0)];
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(commit(*w, id, o));
        }
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(reveal(*w, id, o));
        }
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Failed(FailureReason::Inconclusive)
        );
        assert!(has_event(Event::InferenceFailed {
            job_id: id,
            reason: FailureReason::Inconclusive
        }));
        assert!(slashes(id).is_empty(), "nobody is provably wrong");
        assert_eq!(free(&requester()), INITIAL);
        check_invariants();
    });
}

#[test]
fn tolerance_groups_close_outputs() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(tolerance_model());
        let ws = workers_of(id);
        // abs tolerance 1e-2: 2.0 vs 2.001 agree, 2.5 does not.
        let outs = [outputs(2.0, 4.0), outputs(2.001, 4.001), outputs(2.5, 4.0)];
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(commit(*w, id, o));
        }
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(reveal(*w, id, o));
        }
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(outs[0].clone())
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::WrongResult, MIN_BOND * 2 / 5)]
        );
    });
}

#[test]
fn single_replica_request() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(single_model());
        let ws = workers_of(id);
        assert_eq!(ws.len(), 1);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(reveal(ws[0], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(free(&requester()), INITIAL - (PRICE + WORKER_FEE));
    });
}

#[test]
fn slashed_below_minimum_is_removed() {
    ExtBuilder::default().workers(2).build_and_execute(|| {
        assert_ok!(Inference::register_worker(
            RuntimeOrigin::signed(acc(7)),
            MIN_BOND
        ));
        let id = request(genesis_model());
        assert_ok!(commit(1, id, &good()));
        assert_ok!(commit(2, id, &good()));
        assert_ok!(commit(7, id, &bad()));
        assert_ok!(reveal(7, id, &bad()));
        assert_ok!(reveal(1, id, &good()));
        assert_ok!(reveal(2, id, &good()));
        assert_eq!(bond(7), MIN_BOND - MIN_BOND / 5);
        assert!(!ActiveWorkers::<Test>::get().contains(&acc(7)));
        assert_eq!(
            Workers::<Test>::get(acc(7)).expect("worker").status,
            WorkerStatus::Unbonding(1 + UNBONDING)
        );
        assert!(has_event(Event::WorkerRemoved {
            worker: acc(7),
            until: 1 + UNBONDING
        }));
        run_to_block(1 + UNBONDING);
        assert_ok!(Inference::withdraw_bond(RuntimeOrigin::signed(acc(7))));
        assert_eq!(free(&acc(7)), INITIAL - MIN_BOND / 5);
        check_invariants();
    });
}

#[test]
fn execution_failure_only_agrees_with_itself_under_tolerance() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(tolerance_model());
        let ws = workers_of(id);
        let outs = [FAILED.to_reveal(), FAILED.to_reveal(), good().to_reveal()];
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(commit(*w, id, o));
        }
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(reveal(*w, id, o));
        }
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Failed(FailureReason::ExecutionFailed)
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::WrongResult, MIN_BOND * 2 / 5)]
        );
    });
}
