//! Commit–reveal (`commit_reveal.rs`): what a worker may submit, batches, pool authorization, copying.

use super::*;

#[test]
fn batched_commit_and_reveal() {
    ExtBuilder::default().workers(3).build_and_execute(|| {
        let a = request(genesis_model());
        let b = request(genesis_model());
        for w in 1..=3u8 {
            assert_ok!(submit(commit_call(
                w,
                vec![(a, commitment(w, &good())), (b, commitment(w, &good()))]
            )));
        }
        assert_ok!(submit(reveal_call(1, vec![(a, good()), (b, good())])));
        for id in [a, b] {
            assert_eq!(
                Jobs::<Test>::get(id).expect("job").status,
                JobStatus::Provisional
            );
        }
        check_invariants();
    });
}

/// Under `Exact` the first reveal settles a job; the other workers' reveal batches, built
/// before they saw it, still apply their other items and skip the settled job's.
#[test]
fn overtaken_reveal_items_are_skipped() {
    ExtBuilder::default().workers(3).build_and_execute(|| {
        let a = request(genesis_model());
        let b = request(genesis_model());
        for w in 1..=3u8 {
            assert_ok!(submit(commit_call(
                w,
                vec![(a, commitment(w, &good())), (b, commitment(w, &good()))]
            )));
        }
        // Worker 2 and 3 build their batches for both jobs; worker 1 settles `a` first.
        let late = reveal_call(2, vec![(a, good()), (b, good())]);
        let stale = reveal_call(3, vec![(a, good()), (b, good())]);
        assert_ok!(submit(reveal_call(1, vec![(a, good())])));
        assert_eq!(
            Jobs::<Test>::get(a).expect("job").status,
            JobStatus::Provisional
        );
        let fee_before = free(&acc(2));
        assert_ok!(submit(late));
        assert_eq!(
            Jobs::<Test>::get(b).expect("job").status,
            JobStatus::Provisional
        );
        // Nothing is left to apply: the batch fails with the first item's reason.
        assert_eq!(submit(stale), Err(code(Error::<Test>::RevealClosed)));
        // When final, worker 2 is paid once per job; the skipped item changed nothing.
        run_to_final(b);
        assert_eq!(free(&acc(2)), fee_before + 2 * WORKER_FEE);
        check_invariants();
    });
}

#[test]
fn overtaken_commit_items_are_skipped() {
    ExtBuilder::default().workers(3).build_and_execute(|| {
        let a = request(genesis_model());
        let b = request(genesis_model());
        assert_ok!(commit(1, a, &good()));
        // A batch repeating an applied item still applies its other items.
        assert_ok!(submit(commit_call(
            1,
            vec![(a, commitment(1, &good())), (b, commitment(1, &good()))]
        )));
        assert!(Jobs::<Test>::get(b).expect("job").slots[0]
            .commitment
            .is_some());
        // Replaying the whole batch applies nothing and is refused.
        assert_eq!(
            submit(commit_call(
                1,
                vec![(a, commitment(1, &good())), (b, commitment(1, &good()))]
            )),
            Err(code(Error::<Test>::AlreadyCommitted))
        );
        // Content errors still fail the whole batch.
        let c = request(genesis_model());
        assert_eq!(
            submit(commit_call(
                2,
                vec![(c, commitment(2, &good())), (a, commitment(1, &good()))]
            )),
            Err(code(Error::<Test>::DuplicateCommitment))
        );
        assert!(Jobs::<Test>::get(c)
            .expect("job")
            .slots
            .iter()
            .all(|s| s.commitment.is_none()));
        check_invariants();
    });
}

#[test]
fn commit_errors_are_rejected_at_the_pool() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        let outsider = (1..=6u8).find(|i| !ws.contains(i)).expect("a free worker");
        assert_eq!(
            commit(ws[0], 999, &good()),
            Err(code(Error::<Test>::JobNotFound))
        );
        assert_eq!(
            commit(outsider, id, &good()),
            Err(code(Error::<Test>::NotAssigned))
        );
        assert_eq!(
            submit(commit_call(ws[0], vec![])),
            Err(code(Error::<Test>::EmptyBatch))
        );
        assert_eq!(
            submit(commit_call(
                ws[0],
                vec![
                    (id, commitment(ws[0], &good())),
                    (id, commitment(ws[0], &bad()))
                ]
            )),
            Err(code(Error::<Test>::DuplicateInBatch))
        );
        // Bad signature.
        let mut call = commit_call(ws[0], vec![(id, commitment(ws[0], &good()))]);
        if let crate::Call::commit { signature, .. } = &mut call {
            *signature = sign(ws[1], b"something else");
        }
        assert_eq!(
            submit(call),
            Err(TxError::Pool(TransactionValidityError::Invalid(
                InvalidTransaction::BadProof
            )))
        );
        assert_ok!(commit(ws[0], id, &good()));
        assert_eq!(
            commit(ws[0], id, &good()),
            Err(code(Error::<Test>::AlreadyCommitted))
        );
        // Copying another worker's commitment is refused.
        assert_eq!(
            submit(commit_call(ws[1], vec![(id, commitment(ws[0], &good()))])),
            Err(code(Error::<Test>::DuplicateCommitment))
        );
        run_to_block(2 + COMMIT_PERIOD);
        assert_eq!(
            commit(ws[1], id, &good()),
            Err(code(Error::<Test>::CommitClosed))
        );
        // Dispatch without authorization is refused.
        assert_noop!(
            Inference::commit(
                RuntimeOrigin::signed(acc(ws[1])),
                key(ws[1]),
                Default::default(),
                sign(ws[1], b"x")
            ),
            DispatchError::BadOrigin
        );
    });
}

#[test]
fn reveal_errors_are_rejected_at_the_pool() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(tolerance_model());
        let ws = workers_of(id);
        assert_ok!(commit(ws[0], id, &good()));
        // Reveals open only when all committed or after the commit deadline.
        assert_eq!(
            reveal(ws[0], id, &good()),
            Err(code(Error::<Test>::RevealClosed))
        );
        assert_ok!(commit(ws[1], id, &good()));
        // The third worker commits to garbage.
        assert_ok!(commit(ws[2], id, &[1, 2, 3]));
        assert_eq!(
            reveal(ws[2], id, &[1, 2, 3]),
            Err(code(Error::<Test>::BadOutputs))
        );
        // Revealing something other than what was committed.
        assert_eq!(
            reveal(ws[0], id, &bad()),
            Err(code(Error::<Test>::CommitmentMismatch))
        );
        assert_eq!(
            reveal(ws[0], 999, &good()),
            Err(code(Error::<Test>::JobNotFound))
        );
        assert_ok!(reveal(ws[0], id, &good()));
        assert_eq!(
            reveal(ws[0], id, &good()),
            Err(code(Error::<Test>::AlreadyRevealed))
        );
        check_invariants();
    });
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        assert_ok!(commit(ws[0], id, &good()));
        run_to_block(2 + COMMIT_PERIOD);
        assert_eq!(
            reveal(ws[1], id, &good()),
            Err(code(Error::<Test>::NotCommitted))
        );
        run_to_block(2 + COMMIT_PERIOD + REVEAL_PERIOD);
        assert_eq!(
            reveal(ws[0], id, &good()),
            Err(code(Error::<Test>::RevealClosed))
        );
    });
}

#[test]
fn copying_a_revealed_answer_does_not_open_a_commitment() {
    // A lazy worker commits to junk, waits for the others to reveal, then tries to reveal the
    // correct answer: its commitment does not open, the reveal is refused, its absence
    // escalates the job, and the verdict slashes it for not revealing.
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        set_validator_workers(&others(id));
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(commit(ws[1], id, &good()));
        assert_ok!(commit(ws[2], id, &bad()));
        assert_ok!(reveal(ws[0], id, &good()));
        assert_eq!(
            reveal(ws[2], id, &good()),
            Err(code(Error::<Test>::CommitmentMismatch))
        );
        assert_ok!(reveal(ws[1], id, &good()));
        run_to_block(Jobs::<Test>::get(id).expect("job").reveal_deadline + 1);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Escalated
        );
        validators_confirm(id, &good());
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::NoReveal, MIN_BOND * 2 / 5)]
        );
        check_invariants();
    });
}

#[test]
fn reveal_batch_checks() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let w = workers_of(id)[0];
        assert_eq!(
            submit(reveal_call::<Vec<u8>>(w, vec![])),
            Err(code(Error::<Test>::EmptyBatch))
        );
        assert_eq!(
            submit(reveal_call(w, vec![(id, good()), (id, good())])),
            Err(code(Error::<Test>::DuplicateInBatch))
        );
        let mut call = reveal_call(w, vec![(id, good())]);
        if let crate::Call::reveal { signature, .. } = &mut call {
            *signature = sign(w, b"other");
        }
        assert_eq!(
            submit(call),
            Err(TxError::Pool(TransactionValidityError::Invalid(
                InvalidTransaction::BadProof
            )))
        );
    });
}

/// A committee member cannot sink a model's validation by claiming the engine failed: a
/// validation reveals a `ValidationOutcome`, never an execution failure.
#[test]
fn a_validation_cannot_reveal_an_execution_failure() {
    ExtBuilder::default().build_and_execute(|| {
        let (_, job) = register_and_upload(100, 50);
        let committee = workers_of(job);
        for w in &committee {
            assert_ok!(commit(*w, job, &FAILED));
        }
        assert_eq!(
            reveal(committee[0], job, &FAILED),
            Err(code(Error::<Test>::BadOutputs))
        );
    });
}

/// An execution failure and empty outputs are different reveals: the empty encoding is not a
/// tensor map, so it is refused rather than read as a failure.
#[test]
fn empty_outputs_are_not_an_execution_failure() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        for w in &ws {
            assert_ok!(commit(*w, id, &FAILED));
        }
        // Same commitment (both commit to no bytes), but only the typed failure opens it.
        assert_eq!(commitment(ws[0], &FAILED), commitment(ws[0], &[0u8; 0]));
        assert_eq!(
            reveal(ws[0], id, &[0u8; 0]),
            Err(code(Error::<Test>::BadOutputs))
        );
        assert_ok!(reveal(ws[0], id, &FAILED));
    });
}
