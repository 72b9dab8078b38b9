//! Workers (`workers.rs`): bonding, the active set, unbonding and withdrawal.

use super::*;

#[test]
fn register_worker_works() {
    ExtBuilder::default().build_and_execute(|| {
        assert_ok!(Inference::register_worker(
            RuntimeOrigin::signed(acc(7)),
            MIN_BOND
        ));
        assert!(has_event(Event::WorkerRegistered {
            worker: acc(7),
            bond: MIN_BOND
        }));
        assert_eq!(held(HoldReason::WorkerBond, &acc(7)), MIN_BOND);
        assert_eq!(free(&acc(7)), INITIAL - MIN_BOND);
        assert!(ActiveWorkers::<Test>::get().contains(&acc(7)));
        check_invariants();
    });
}

#[test]
fn register_worker_errors() {
    ExtBuilder::default().build_and_execute(|| {
        assert_noop!(
            Inference::register_worker(RuntimeOrigin::signed(acc(7)), MIN_BOND - 1),
            Error::<Test>::BondTooLow
        );
        assert_noop!(
            Inference::register_worker(RuntimeOrigin::signed(acc(1)), MIN_BOND),
            Error::<Test>::AlreadyWorker
        );
        assert_noop!(
            Inference::register_worker(RuntimeOrigin::signed(pauper()), MIN_BOND),
            Error::<Test>::InsufficientBalance
        );
        assert_noop!(
            Inference::register_worker(RuntimeOrigin::none(), MIN_BOND),
            DispatchError::BadOrigin
        );
        // Fill the active set (16).
        for i in 11..=20u8 {
            assert_ok!(Balances::mint_into(&acc(i), INITIAL));
            assert_ok!(Inference::register_worker(
                RuntimeOrigin::signed(acc(i)),
                MIN_BOND
            ));
        }
        assert_eq!(ActiveWorkers::<Test>::get().len(), 16);
        assert_noop!(
            Inference::register_worker(RuntimeOrigin::signed(acc(7)), MIN_BOND),
            Error::<Test>::TooManyWorkers
        );
    });
}

#[test]
fn bond_extra_works_and_fails() {
    ExtBuilder::default().build_and_execute(|| {
        assert_ok!(Inference::bond_extra(RuntimeOrigin::signed(acc(1)), 500));
        assert_eq!(bond(1), MIN_BOND * 2 + 500);
        assert_eq!(held(HoldReason::WorkerBond, &acc(1)), MIN_BOND * 2 + 500);
        assert!(has_event(Event::BondIncreased {
            worker: acc(1),
            bond: MIN_BOND * 2 + 500
        }));
        assert_noop!(
            Inference::bond_extra(RuntimeOrigin::signed(acc(7)), 1),
            Error::<Test>::NotWorker
        );
        assert_noop!(
            Inference::bond_extra(RuntimeOrigin::signed(acc(1)), INITIAL),
            Error::<Test>::InsufficientBalance
        );
        assert_ok!(Inference::unregister_worker(RuntimeOrigin::signed(acc(1))));
        assert_noop!(
            Inference::bond_extra(RuntimeOrigin::signed(acc(1)), 1),
            Error::<Test>::NotActiveWorker
        );
        check_invariants();
    });
}

#[test]
fn unregister_and_withdraw() {
    ExtBuilder::default().build_and_execute(|| {
        assert_noop!(
            Inference::unregister_worker(RuntimeOrigin::signed(acc(7))),
            Error::<Test>::NotWorker
        );
        assert_noop!(
            Inference::withdraw_bond(RuntimeOrigin::signed(acc(7))),
            Error::<Test>::NotWorker
        );
        assert_noop!(
            Inference::withdraw_bond(RuntimeOrigin::signed(acc(1))),
            Error::<Test>::NotUnbonding
        );
        assert_ok!(Inference::unregister_worker(RuntimeOrigin::signed(acc(1))));
        let until = 1 + UNBONDING;
        assert!(has_event(Event::WorkerUnbonding {
            worker: acc(1),
            until
        }));
        assert!(!ActiveWorkers::<Test>::get().contains(&acc(1)));
        assert_noop!(
            Inference::unregister_worker(RuntimeOrigin::signed(acc(1))),
            Error::<Test>::NotActiveWorker
        );
        assert_noop!(
            Inference::withdraw_bond(RuntimeOrigin::signed(acc(1))),
            Error::<Test>::UnbondingNotOver
        );
        run_to_block(until);
        assert_ok!(Inference::withdraw_bond(RuntimeOrigin::signed(acc(1))));
        assert!(has_event(Event::BondWithdrawn {
            worker: acc(1),
            amount: MIN_BOND * 2
        }));
        assert_eq!(free(&acc(1)), INITIAL);
        assert!(Workers::<Test>::get(acc(1)).is_none());
        check_invariants();
    });
}

#[test]
fn unbonding_worker_keeps_its_jobs() {
    ExtBuilder::default().workers(3).build_and_execute(|| {
        let id = request(genesis_model());
        assert_ok!(Inference::unregister_worker(RuntimeOrigin::signed(acc(1))));
        // Nobody commits: the job expires after its commit deadline, long before the
        // unbonding ends, so the bond is free to withdraw.
        run_to_block(2 + COMMIT_PERIOD);
        assert_eq!(
            Jobs::<Test>::get(id).map(|r| r.status),
            Some(JobStatus::Expired)
        );
        run_to_block(1 + UNBONDING);
        assert_ok!(Inference::withdraw_bond(RuntimeOrigin::signed(acc(1))));
    });
    ExtBuilder::default().workers(3).build_and_execute(|| {
        let id = request(genesis_model());
        assert_ok!(Inference::unregister_worker(RuntimeOrigin::signed(acc(2))));
        // The unbonding worker is drawn for no new job but still does the ones it has, and is
        // paid for them.
        let before = free(&acc(2));
        for w in 1..=3 {
            assert_ok!(commit(w, id, &good()));
        }
        assert_ok!(reveal(2, id, &good()));
        run_to_final(id);
        assert_eq!(
            Jobs::<Test>::get(id).map(|r| r.status),
            Some(JobStatus::Completed)
        );
        assert_eq!(free(&acc(2)), before + WORKER_FEE);
        // Its bond stays held until the period (longer than any job) is over.
        assert_noop!(
            Inference::withdraw_bond(RuntimeOrigin::signed(acc(2))),
            Error::<Test>::UnbondingNotOver
        );
        assert!(UNBONDING > Inference::longest_dispute());
        check_invariants();
    });
}
