//! Settlement (`settlement.rs`): a unanimous committee's result is provisional and becomes final
//! after the challenge window; any disagreement goes to the validators (`tests/disputes.rs` has
//! the attacks); who is paid and slashed when a provisional result becomes final.

use super::*;

#[test]
fn unanimous_result_is_provisional_until_the_window_closes() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        let before: Vec<Balance> = ws.iter().map(|w| free(&acc(*w))).collect();
        unanimous(id, &good());

        assert!(has_event(Event::InferenceProvisional {
            job_id: id,
            outputs: Some(good().try_into().expect("short")),
            agreeing: ws
                .iter()
                .map(|w| acc(*w))
                .collect::<Vec<_>>()
                .try_into()
                .expect("short"),
            challenge_deadline: final_block(id) - 1,
        }));
        // Nobody is paid while the result can be challenged.
        for (w, b) in ws.iter().zip(&before) {
            assert_eq!(free(&acc(*w)), *b);
        }
        assert_eq!(held(HoldReason::RequestFee, &requester()), FEE3);
        run_to_block(final_block(id) - 1);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Provisional
        );
        run_to_final(id);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        for (w, b) in ws.iter().zip(&before) {
            assert_eq!(free(&acc(*w)), b + WORKER_FEE);
        }
        assert!(slashes(id).is_empty());
        assert_eq!(free(&requester()), INITIAL - FEE3);
    });
}

#[test]
fn one_wrong_worker_among_three_escalates_and_is_slashed() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        let vs = others(id);
        set_validator_workers(&vs);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(commit(ws[1], id, &good()));
        assert_ok!(commit(ws[2], id, &bad()));
        let wrong_before = free(&acc(ws[2]));
        assert_ok!(reveal(ws[0], id, &good()));
        assert_ok!(reveal(ws[2], id, &bad()));
        assert_ok!(reveal(ws[1], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Escalated
        );
        assert!(has_event(Event::JobEscalated {
            job_id: id,
            cause: crate::EscalationCause::Disagreement
        }));
        let v_before: Vec<Balance> = vs.iter().map(|v| free(&acc(*v))).collect();
        let votes: Vec<(u8, Vec<u8>)> = vs.iter().map(|v| (*v, good())).collect();
        run_escalation(id, &votes);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(good())
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::WrongResult, MIN_BOND * 2 / 5)]
        );
        assert_eq!(bond(ws[2]), MIN_BOND * 2 - MIN_BOND * 2 / 5);
        assert_eq!(free(&acc(ws[2])), wrong_before, "wrong worker is not paid");
        // The requester pays the quote: the wrong worker's fee goes to the validators in equal
        // shares, and the indivisible remainder back to the requester.
        assert_eq!(free(&requester()), INITIAL - FEE3 + WORKER_FEE % 3);
        for (v, b) in vs.iter().zip(v_before) {
            assert_eq!(free(&acc(*v)), b + WORKER_FEE / 3);
        }
        let view = Inference::job_view(id).expect("view");
        assert_eq!(view.agreed, vec![true, true, false]);
        assert_eq!(view.validators_agreed, vec![true, true, true]);
        check_invariants();
    });
}

/// Absence is a fact when the committee's round ends: the silent member is slashed then (a
/// challenge cannot change it), the others' unanimous output is provisional, and finality
/// pays them and slashes nobody.
/// A member that does not commit, or commits and does not reveal, while the two others reveal
/// the same output: the job is not provisional but escalated (`EscalationCause::Absence`),
/// nobody is paid or slashed before the verdict, which slashes the absent member 20 % of its
/// bond (as much as a wrong output), pays the two others their fee and the validators the
/// absent member's.
#[test]
fn an_absent_member_escalates_the_job_and_is_slashed_at_the_verdict() {
    for committed in [false, true] {
        ExtBuilder::default().build_and_execute(|| {
            let id = request(genesis_model());
            let ws = workers_of(id);
            set_validator_workers(&others(id));
            let before = free(&acc(ws[0]));
            assert_ok!(commit(ws[0], id, &good()));
            assert_ok!(commit(ws[1], id, &good()));
            let offence = if committed {
                assert_ok!(commit(ws[2], id, &bad()));
                Offence::NoReveal
            } else {
                Offence::NoCommit
            };
            run_to_block(2 + COMMIT_PERIOD);
            assert_ok!(reveal(ws[0], id, &good()));
            assert_ok!(reveal(ws[1], id, &good()));
            let job = Jobs::<Test>::get(id).expect("job");
            if committed {
                // The round lasts until the reveal deadline: the third may still reveal.
                assert_eq!(job.status, JobStatus::Pending);
                run_to_block(job.reveal_deadline + 1);
            }
            assert_eq!(
                Jobs::<Test>::get(id).expect("job").status,
                JobStatus::Escalated
            );
            assert!(has_event(Event::JobEscalated {
                job_id: id,
                cause: crate::EscalationCause::Absence,
            }));
            assert!(slashes(id).is_empty(), "nobody slashed before the verdict");
            assert!(Results::<Test>::get(id).is_none(), "no provisional result");
            let vs = validators_confirm(id, &good());
            assert_eq!(
                Jobs::<Test>::get(id).expect("job").status,
                JobStatus::Completed
            );
            assert_eq!(slashes(id), vec![(ws[2], offence, MIN_BOND * 2 / 5)]);
            assert_eq!(free(&acc(ws[0])), before + WORKER_FEE);
            let share = WORKER_FEE / vs.len() as Balance;
            assert_eq!(free(&acc(vs[0])), before + share);
            assert_eq!(
                free(&requester()),
                INITIAL - FEE3 + WORKER_FEE % vs.len() as Balance,
                "the requester pays the quote (less what does not divide among the validators)"
            );
            check_invariants();
        });
    }
}

#[test]
fn nobody_revealing_is_inconclusive_and_refunded() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        assert_ok!(commit(ws[0], id, &good()));
        run_to_block(2 + COMMIT_PERIOD + REVEAL_PERIOD);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Failed(FailureReason::Inconclusive)
        );
        let mut s = slashes(id);
        s.sort();
        let mut expected = vec![
            (ws[0], Offence::NoReveal, MIN_BOND * 2 / 5),
            (ws[1], Offence::NoCommit, MIN_BOND * 2 / 5),
            (ws[2], Offence::NoCommit, MIN_BOND * 2 / 5),
        ];
        expected.sort();
        assert_eq!(s, expected);
        assert_eq!(free(&requester()), INITIAL);
        check_invariants();
    });
}

#[test]
fn disagreement_without_supermajority_is_refunded_in_full() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(tolerance_model());
        let ws = workers_of(id);
        let vs = others(id);
        set_validator_workers(&vs);
        let outs = [outputs(1.0, 1.0), outputs(2.0, 2.0), outputs(3.0, 3.0)];
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(commit(*w, id, o));
        }
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(reveal(*w, id, o));
        }
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Escalated
        );
        // The validators disagree too: two of three is not more than two thirds.
        let votes: Vec<(u8, Vec<u8>)> = vec![
            (vs[0], outputs(1.0, 1.0)),
            (vs[1], outputs(1.0, 1.0)),
            (vs[2], outputs(3.0, 3.0)),
        ];
        run_escalation(id, &votes);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Failed(FailureReason::NoSupermajority)
        );
        assert!(has_event(Event::InferenceFailed {
            job_id: id,
            reason: FailureReason::NoSupermajority
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
        // abs tolerance 1e-2: 2.0, 2.001 and 2.002 agree.
        let outs = [
            outputs(2.0, 4.0),
            outputs(2.001, 4.001),
            outputs(2.002, 4.0),
        ];
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(commit(*w, id, o));
        }
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(reveal(*w, id, o));
        }
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Provisional
        );
        run_to_final(id);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert!(slashes(id).is_empty());
        assert_eq!(
            Jobs::<Test>::get(id)
                .expect("job")
                .slots
                .iter()
                .filter(|s| s.agreed)
                .count(),
            3
        );
    });
    // 2.5 is outside the tolerance: the job goes to the validators, who side with 2.0.
    ExtBuilder::default().build_and_execute(|| {
        let id = request(tolerance_model());
        let ws = workers_of(id);
        let vs = others(id);
        set_validator_workers(&vs);
        let outs = [outputs(2.0, 4.0), outputs(2.001, 4.001), outputs(2.5, 4.0)];
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(commit(*w, id, o));
        }
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(reveal(*w, id, o));
        }
        let votes: Vec<(u8, Vec<u8>)> = vs.iter().map(|v| (*v, outputs(2.0, 4.0))).collect();
        run_escalation(id, &votes);
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::WrongResult, MIN_BOND * 2 / 5)]
        );
    });
}

/// Under a tolerance the result is the outputs' element-wise median and membership is the
/// distance to it: the attacker's move of revealing first (under a "largest group around the
/// earliest output" rule, the earliest of equal groups represented them) changes nothing.
#[test]
fn a_tolerance_result_does_not_depend_on_the_order_of_reveals() {
    let outs = [
        outputs(2.0, 4.004),
        outputs(2.004, 4.0),
        outputs(2.008, 4.008),
    ];
    let run = |order: [usize; 3]| {
        let mut seen = None;
        ExtBuilder::default().build_and_execute(|| {
            let id = request(tolerance_model());
            let ws = workers_of(id);
            for (w, o) in ws.iter().zip(outs.iter()) {
                assert_ok!(commit(*w, id, o));
            }
            for i in order {
                assert_ok!(reveal(ws[i], id, &outs[i]));
            }
            let job = Jobs::<Test>::get(id).expect("job");
            assert_eq!(job.status, JobStatus::Provisional);
            assert!(job.slots.iter().all(|s| s.agreed));
            seen = Some(Results::<Test>::get(id).expect("result").into_inner());
        });
        seen.expect("ran")
    };
    let forward = run([0, 1, 2]);
    assert_eq!(forward, run([2, 1, 0]));
    assert_eq!(forward, run([1, 2, 0]));
    // The median of each element, which no single worker revealed.
    assert_eq!(forward, outputs(2.004, 4.004));
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
            JobStatus::Provisional
        );
        run_to_final(id);
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
        set_validator_workers(&[1, 2]);
        let id = request(genesis_model());
        assert_ok!(commit(1, id, &good()));
        assert_ok!(commit(2, id, &good()));
        assert_ok!(commit(7, id, &bad()));
        assert_ok!(reveal(7, id, &bad()));
        assert_ok!(reveal(1, id, &good()));
        assert_ok!(reveal(2, id, &good()));
        run_escalation(id, &[(1, good()), (2, good())]);
        let decided = System::block_number();
        assert_eq!(bond(7), MIN_BOND - MIN_BOND / 5);
        assert!(!ActiveWorkers::<Test>::get().contains(&acc(7)));
        assert_eq!(
            Workers::<Test>::get(acc(7)).expect("worker").status,
            WorkerStatus::Unbonding(decided + UNBONDING)
        );
        assert!(has_event(Event::WorkerRemoved {
            worker: acc(7),
            until: decided + UNBONDING
        }));
        run_to_block(decided + UNBONDING);
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
        let vs = others(id);
        set_validator_workers(&vs);
        let outs = [FAILED.to_reveal(), FAILED.to_reveal(), good().to_reveal()];
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(commit(*w, id, o));
        }
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(reveal(*w, id, o));
        }
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Escalated
        );
        let votes: Vec<(u8, RevealOf<Test>)> =
            vs.iter().map(|v| (*v, FAILED.to_reveal())).collect();
        run_escalation(id, &votes);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Failed(FailureReason::ExecutionFailed)
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::WrongResult, MIN_BOND * 2 / 5)]
        );
        // No royalty for a model that cannot run on the inputs.
        assert_eq!(free(&owner()), INITIAL);
    });
}

/// Early finality shares one queue with the reserved slots: a block whose finality slot the
/// requests of an earlier block filled takes no early result, so at most `MaxJobsPerBlock`
/// jobs become final in any block (the hooks' bound counts one `finalize_jobs`).
#[test]
fn early_finality_never_overfills_a_finality_slot() {
    ExtBuilder::default().build_and_execute(|| {
        // MaxJobsPerBlock is 4: four requests in block 1 fill the finality slot reserved for
        // them, `ChallengePeriod` blocks after their reveal deadline.
        let filling: Vec<u64> = (0..4).map(|_| request(genesis_model())).collect();
        let reserved =
            Jobs::<Test>::get(filling[0]).expect("job").reveal_deadline + 1 + CHALLENGE_PERIOD;
        assert_eq!(crate::FinalityQueue::<Test>::get(reserved).len(), 4);
        // A request of block 2 becomes provisional just in time to be final in that slot.
        run_to_block(2);
        let id = request(genesis_model());
        let ws = workers_of(id);
        for w in &ws {
            assert_ok!(commit(*w, id, &good()));
        }
        run_to_block(reserved - CHALLENGE_PERIOD - 1);
        for w in &ws {
            if Jobs::<Test>::get(id).expect("job").status == JobStatus::Pending {
                assert_ok!(reveal(*w, id, &good()));
            }
        }
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Provisional
        );
        // It keeps its own reserved slot; the full one takes nothing more.
        assert_eq!(crate::FinalityQueue::<Test>::get(reserved).len(), 4);
        let job = Jobs::<Test>::get(id).expect("job");
        assert_eq!(final_block(id), job.reveal_deadline + 1 + CHALLENGE_PERIOD);
        run_to_final(id);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
    });
}

/// A result provisional before its reveal deadline is final `ChallengePeriod` blocks later
/// (not after the reveal deadline); when that block's early slot is full, a job keeps the
/// slot reserved at its request, `ChallengePeriod` blocks after its reveal deadline.
#[test]
fn early_results_are_final_a_challenge_period_later() {
    ExtBuilder::default().build_and_execute(|| {
        // MaxJobsPerBlock is 4: five results provisional in block 1.
        let ids: Vec<u64> = (0..5).map(|_| request(genesis_model())).collect();
        for id in &ids {
            unanimous(*id, &good());
        }
        let now = System::block_number();
        for id in &ids[..4] {
            assert_eq!(final_block(*id), now + CHALLENGE_PERIOD + 1);
        }
        let last = Jobs::<Test>::get(ids[4]).expect("job");
        assert_eq!(
            final_block(ids[4]),
            last.reveal_deadline + CHALLENGE_PERIOD + 1
        );
        assert!(final_block(ids[4]) > now + CHALLENGE_PERIOD + 1);
        run_to_block(now + CHALLENGE_PERIOD + 1);
        for id in &ids[..4] {
            assert_eq!(
                Jobs::<Test>::get(id).expect("job").status,
                JobStatus::Completed
            );
        }
        assert_eq!(
            Jobs::<Test>::get(ids[4]).expect("job").status,
            JobStatus::Provisional
        );
        // The early result can be challenged until its own deadline only.
        assert_noop!(
            Inference::challenge(RuntimeOrigin::signed(acc(7)), ids[0]),
            Error::<Test>::NotChallengeable
        );
        run_to_final(ids[4]);
        assert_eq!(
            Jobs::<Test>::get(ids[4]).expect("job").status,
            JobStatus::Completed
        );
        check_invariants();
    });
}
