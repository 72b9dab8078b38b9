//! Invariants (`try_state.rs`) over random scenarios of requests, commits, reveals, blocks, unbonding, new models and retirements.

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
    ]
}

/// Sum of all slashes so far.
fn slashed_total() -> Balance {
    System::events()
        .iter()
        .filter_map(|r| match &r.event {
            RuntimeEvent::Inference(Event::WorkerSlashed { amount, .. }) => Some(*amount),
            _ => None,
        })
        .sum()
}

/// Checks every invariant at the current block.
fn check(issuance: Balance) -> Result<(), TestCaseError> {
    prop_assert!(
        Inference::do_try_state().is_ok(),
        "{:?}",
        Inference::do_try_state()
    );
    // Issuance changes only by slashes.
    prop_assert_eq!(Balances::total_issuance(), issuance - slashed_total());
    // The requester's hold is exactly the fees of pending requests.
    let now = System::block_number();
    let mut pending_fees: Balance = 0;
    for (_, r) in Jobs::<Test>::iter() {
        if r.status == JobStatus::Pending {
            prop_assert!(now <= r.reveal_deadline, "job pending past its deadline");
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
            run_to_block(last_deadline.max(System::block_number()) + 2);
            check(issuance)?;
            for (_, r) in Jobs::<Test>::iter() {
                prop_assert!(r.status != JobStatus::Pending);
            }
            prop_assert_eq!(held(HoldReason::RequestFee, &requester()), 0);
            for w in 1..=6 {
                prop_assert!(Inference::pending_work(&acc(w)).is_empty());
            }
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
            Ok(())
        })?;
    }
}
