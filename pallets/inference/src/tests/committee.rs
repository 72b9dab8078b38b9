//! The committee (`committee.rs`): who is drawn for a job.

use super::*;
use crate::testing_utils::insert_active_model;

/// An active model of the test schema drawn on `replicas` workers.
fn model_with_replicas(replicas: u8) -> ModelId {
    let id = H256::repeat_byte(0xD0 + replicas);
    insert_active_model::<Test>(id, owner(), test_info(), exact(replicas), PRICE).expect("model");
    id
}

#[test]
fn committees_are_distinct_active_workers() {
    ExtBuilder::default().build_and_execute(|| {
        assert_ok!(Inference::unregister_worker(RuntimeOrigin::signed(acc(1))));
        let model = model_with_replicas(5);
        // Within the commit period: no job expires, so nobody is slashed out of the set.
        for _ in 0..COMMIT_PERIOD {
            let id = request(model);
            let mut ws = workers_of(id);
            assert_eq!(ws.len(), 5);
            assert!(!ws.contains(&1), "an unbonding worker is never drawn");
            ws.sort();
            ws.dedup();
            assert_eq!(ws.len(), 5, "workers are distinct");
            run_to_block(System::block_number() + 1);
        }
    });
}

#[test]
fn a_committee_needs_enough_active_workers() {
    ExtBuilder::default().workers(4).build_and_execute(|| {
        let model = model_with_replicas(5);
        let before = NextJobId::<Test>::get();
        assert_noop!(
            Inference::request_inference(
                RuntimeOrigin::signed(requester()),
                model,
                inputs(1.0, 2.0).try_into().expect("short"),
                u128::MAX,
            ),
            Error::<Test>::NotEnoughWorkers
        );
        assert_eq!(NextJobId::<Test>::get(), before);
        assert_eq!(held(HoldReason::RequestFee, &requester()), 0);
    });
}

#[test]
fn a_committee_size_is_within_max_replicas() {
    ExtBuilder::default().build_and_execute(|| {
        assert!(matches!(
            Inference::draw_workers(0, 0),
            Err(Error::<Test>::BadPolicy)
        ));
        assert!(matches!(
            Inference::draw_workers(0, 6),
            Err(Error::<Test>::BadPolicy)
        ));
        assert!(matches!(
            Inference::draw_workers(0, 5).map(|w| w.len()),
            Ok(5)
        ));
    });
}
