//! Invariants (`try_state.rs`) over random scenarios of requests, commits, reveals, challenges,
//! escalations, blocks, unbonding, new models and retirements.

use super::*;

use proptest::prelude::*;

/// One step of a random scenario.
#[derive(Debug, Clone)]
enum Action {
    /// Request an inference on genesis model 0, 1 or 2.
    Request(u8),
    /// Worker commits (honestly or not) to the job picked by the byte.
    Commit(u8, u8, bool),
    /// Worker reveals (its honest or dishonest output) for the picked job.
    Reveal(u8, u8, bool),
    /// Advance this many blocks.
    Advance(u8),
    /// Worker leaves the active set.
    Unregister(u8),
    /// Worker withdraws its bond.
    Withdraw(u8),
    /// The owner registers and uploads a small model (starting its validation).
    NewModel(u8),
    /// The owner retires one of its models.
    Retire(u8),
    /// An account (a worker or the requester) challenges the picked job.
    Challenge(u8, u8),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => (0u8..3).prop_map(Action::Request),
        5 => (1u8..=6, any::<u8>(), proptest::bool::weighted(0.8))
            .prop_map(|(w, j, h)| Action::Commit(w, j, h)),
        5 => (1u8..=6, any::<u8>(), proptest::bool::weighted(0.8))
            .prop_map(|(w, j, h)| Action::Reveal(w, j, h)),
        2 => (1u8..4).prop_map(Action::Advance),
        1 => (1u8..=6).prop_map(Action::Unregister),
        1 => (1u8..=6).prop_map(Action::Withdraw),
        1 => any::<u8>().prop_map(Action::NewModel),
        1 => any::<u8>().prop_map(Action::Retire),
        1 => (0u8..=6, any::<u8>()).prop_map(|(w, j)| Action::Challenge(w, j)),
    ]
}

/// Checks every invariant at the current block.
fn check(issuance: Balance) -> Result<(), TestCaseError> {
    prop_assert!(
        Inference::do_try_state().is_ok(),
        "{:?}",
        Inference::do_try_state()
    );
    // Issuance changes only by what the slash sink burned: rewards, compensations and
    // forfeited challenge bonds move between accounts.
    prop_assert_eq!(Balances::total_issuance(), issuance - burned());
    // The requester's hold is exactly the fees of the requests not final yet.
    let now = System::block_number();
    let mut pending_fees: Balance = 0;
    for (_, r) in Jobs::<Test>::iter() {
        if r.status == JobStatus::Pending {
            prop_assert!(now <= r.reveal_deadline, "job pending past its deadline");
        }
        if !r.status.is_final() {
            if let JobKind::Inference {
                royalty,
                worker_fee,
                ..
            } = r.kind
            {
                pending_fees += royalty + worker_fee * r.slots.len() as Balance;
            }
        }
    }
    prop_assert_eq!(held(HoldReason::RequestFee, &requester()), pending_fees);
    // Challenge bonds are held exactly for the challenges not decided yet.
    let mut bonds: std::collections::BTreeMap<AccountId, Balance> = Default::default();
    for (_, (who, bond)) in crate::Challenges::<Test>::iter() {
        *bonds.entry(who).or_default() += bond;
    }
    for who in (1..=6).map(acc).chain([requester()]) {
        prop_assert_eq!(
            held(HoldReason::ChallengeBond, &who),
            bonds.get(&who).copied().unwrap_or(0)
        );
    }
    // The owner's deposit hold is exactly the deposits of its models.
    let deposits: Balance = Models::<Test>::iter_values().map(|m| m.deposit).sum();
    prop_assert_eq!(held(HoldReason::ModelDeposit, &owner()), deposits);
    for m in Models::<Test>::iter_values() {
        if let ModelStatus::Rejected(_) = m.status {
            prop_assert_eq!(m.deposit, 0);
        }
    }
    Ok(())
}

/// The honest or dishonest output of job `id` (a schema for validations).
fn output_for(id: u64, honest: bool) -> Vec<u8> {
    let validation = Jobs::<Test>::get(id).is_some_and(|r| matches!(r.kind, JobKind::Validation));
    match (validation, honest) {
        (true, true) => ValidationOutcome::Ok(test_info()).encode(),
        (true, false) => ValidationOutcome::Err(ValidationFailure::Invalid).encode(),
        (false, true) => good(),
        (false, false) => bad(),
    }
}

/// Registers and uploads a one-chunk model; errors are ignored.
fn new_model(salt: u8) {
    let (id, chunks, hashes) = model_bytes(100, salt);
    if Inference::register_model(
        RuntimeOrigin::signed(owner()),
        id,
        100,
        hashes.try_into().expect("short"),
        Default::default(),
        Default::default(),
        exact(3),
        PRICE,
    )
    .is_ok()
    {
        let _ = Inference::upload_chunk(
            RuntimeOrigin::signed(owner()),
            id,
            0,
            chunk(chunks[0].clone()),
        );
    }
}

fn job(sel: u8) -> Option<u64> {
    let next = crate::NextJobId::<Test>::get();
    (next > 0).then(|| sel as u64 % next)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn invariants_hold_over_random_scenarios(actions in proptest::collection::vec(action(), 1..60)) {
        ExtBuilder::default().build().execute_with(|| -> Result<(), TestCaseError> {
            // The six genesis workers are also the validators: escalations are decided.
            set_validator_workers(&[1, 2, 3, 4, 5, 6]);
            let issuance = Balances::total_issuance();
            for a in actions {
                match a {
                    Action::Request(m) => {
                        let model = [genesis_model(), tolerance_model(), single_model()][m as usize];
                        let _ = Inference::request_inference(
                            RuntimeOrigin::signed(requester()),
                            model,
                            inputs(1.0, 2.0).try_into().expect("short"),
                            1_000_000,
                        );
                    },
                    Action::Commit(w, sel, honest) => if let Some(id) = job(sel) {
                        let _ = commit(w, id, &output_for(id, honest));
                    },
                    Action::Reveal(w, sel, honest) => if let Some(id) = job(sel) {
                        let _ = reveal(w, id, &output_for(id, honest));
                    },
                    Action::Advance(n) => run_to_block(System::block_number() + n as u64),
                    Action::Unregister(w) => {
                        let _ = Inference::unregister_worker(RuntimeOrigin::signed(acc(w)));
                    },
                    Action::Withdraw(w) => {
                        let _ = Inference::withdraw_bond(RuntimeOrigin::signed(acc(w)));
                    },
                    Action::NewModel(salt) => new_model(salt),
                    Action::Challenge(w, sel) => if let Some(id) = job(sel) {
                        let who = if w == 0 { requester() } else { acc(w) };
                        let _ = Inference::challenge(RuntimeOrigin::signed(who), id);
                    },
                    Action::Retire(sel) => {
                        let ids: Vec<ModelId> = Models::<Test>::iter_keys().collect();
                        if !ids.is_empty() {
                            let id = ids[sel as usize % ids.len()];
                            let _ = Inference::retire_model(RuntimeOrigin::signed(owner()), id);
                        }
                    },
                }
                check(issuance)?;
            }
            // Every job reaches a final state by its deadline (a job may have spilled to a
            // later deadline slot) and leaves no hold.
            let last_deadline = Jobs::<Test>::iter()
                .map(|(_, r)| r.reveal_deadline)
                .max()
                .unwrap_or_default();
            prop_assert!(
                last_deadline
                    <= System::block_number()
                        + COMMIT_PERIOD
                        + REVEAL_PERIOD
                        + crate::MAX_DEADLINE_SPILL as u64
            );
            // Then every result becomes final within the challenge period, or after the
            // escalations queued before it are decided (at most a backlog's worth, two a
            // block, each a validators' round).
            run_to_block(last_deadline.max(System::block_number()) + 2 + CHALLENGE_PERIOD);
            let rounds = (3u64).div_ceil(2) + 1;
            for _ in 0..rounds * (COMMIT_PERIOD + REVEAL_PERIOD + 2) {
                if Jobs::<Test>::iter().all(|(_, r)| r.status.is_final()) {
                    break;
                }
                run_to_block(System::block_number() + 1);
                check(issuance)?;
            }
            check(issuance)?;
            for (_, r) in Jobs::<Test>::iter() {
                prop_assert!(r.status.is_final(), "{:?}", r.status);
            }
            prop_assert_eq!(crate::Challenges::<Test>::iter().count(), 0);
            prop_assert_eq!(held(HoldReason::RequestFee, &requester()), 0);
            for w in 1..=6 {
                prop_assert!(Inference::pending_work(&acc(w)).is_empty());
            }
            // A retired model whose last job ended in this block is removed in its `on_idle`.
            run_to_block(System::block_number() + 1);
            // Retiring every model leaves no deposit held.
            let ids: Vec<ModelId> = Models::<Test>::iter_keys().collect();
            for id in ids {
                prop_assert!(!matches!(
                    Models::<Test>::get(id).map(|m| m.status),
                    Some(ModelStatus::Validating(_))
                ));
                let _ = Inference::retire_model(RuntimeOrigin::signed(owner()), id);
            }
            prop_assert_eq!(Models::<Test>::iter().count(), 0);
            prop_assert_eq!(held(HoldReason::ModelDeposit, &owner()), 0);
            check(issuance)?;
            // And everything is pruned after the retention period.
            run_to_block(System::block_number() + RETENTION + 1);
            prop_assert_eq!(Jobs::<Test>::iter().count(), 0);
            prop_assert_eq!(Results::<Test>::iter().count(), 0);
            prop_assert_eq!(crate::Escalations::<Test>::iter().count(), 0);
            prop_assert_eq!(crate::Reveals::<Test>::iter().count(), 0);
            Ok(())
        })?;
    }
}
