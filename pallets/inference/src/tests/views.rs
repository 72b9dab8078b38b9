//! Views (`views.rs`): what the runtime API returns.

use super::*;

#[test]
fn runtime_api_views() {
    ExtBuilder::default().build_and_execute(|| {
        let m = Inference::model_view(genesis_model()).expect("model");
        assert_eq!(m.status, ModelStatus::Active);
        assert_eq!(m.price, PRICE);
        assert!(Inference::model_view(H256::zero()).is_none());
        assert!(Inference::quote(H256::zero(), 1).is_none());
        let id = request(genesis_model());
        let w = workers_of(id)[0];
        let work = Inference::pending_work(&acc(w));
        assert_eq!(work.len(), 1);
        assert_eq!(work[0].job_id, id);
        assert_eq!(work[0].next, crate::WorkKind::Commit);
        assert_ok!(commit(w, id, &good()));
        assert_eq!(
            Inference::pending_work(&acc(w))[0].next,
            crate::WorkKind::Wait
        );
        run_to_block(2 + COMMIT_PERIOD);
        assert_eq!(
            Inference::pending_work(&acc(w))[0].next,
            crate::WorkKind::Reveal
        );
        let v = Inference::job_view(id).expect("view");
        assert_eq!(v.committed.iter().filter(|c| **c).count(), 1);
    });
}
