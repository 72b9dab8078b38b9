//! Migrations (`migrations.rs`).

use super::*;
use crate::OutputOf;

#[test]
fn migration_v1_moves_requests_to_jobs() {
    use crate::migrations::v1::{MigrateV0ToV1, OLD_JOBS, OLD_NEXT_JOB_ID};
    use frame_support::{
        storage::migration::{get_storage_value, put_storage_value},
        traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
        StorageHasher, Twox64Concat,
    };
    ExtBuilder::default().build_and_execute(|| {
        // Two jobs and the counter as version 0 stored them.
        let a = request(genesis_model());
        let b = request(single_model());
        let jobs: Vec<(u64, Job<Test>)> = Jobs::<Test>::iter().collect();
        let next = NextJobId::<Test>::get();
        let _ = Jobs::<Test>::clear(u32::MAX, None);
        NextJobId::<Test>::kill();
        for (id, job) in &jobs {
            put_storage_value(
                b"Inference",
                OLD_JOBS,
                &Twox64Concat::hash(&id.encode()),
                job.clone(),
            );
        }
        put_storage_value(b"Inference", OLD_NEXT_JOB_ID, &[], next);
        StorageVersion::new(0).put::<Inference>();

        MigrateV0ToV1::<Test>::on_runtime_upgrade();

        assert_eq!(
            Inference::on_chain_storage_version(),
            StorageVersion::new(1)
        );
        assert_eq!(NextJobId::<Test>::get(), next);
        for (id, job) in &jobs {
            assert_eq!(Jobs::<Test>::get(id).as_ref(), Some(job));
        }
        assert!(Jobs::<Test>::contains_key(a) && Jobs::<Test>::contains_key(b));
        assert_eq!(
            get_storage_value::<u64>(b"Inference", OLD_NEXT_JOB_ID, &[]),
            None
        );
        for (id, _) in &jobs {
            let key = Twox64Concat::hash(&id.encode());
            assert_eq!(
                get_storage_value::<Job<Test>>(b"Inference", OLD_JOBS, &key),
                None
            );
        }
        // A second run is a no-op (the version is already 1): a value left under the old name
        // stays there.
        put_storage_value(b"Inference", OLD_NEXT_JOB_ID, &[], next + 7);
        MigrateV0ToV1::<Test>::on_runtime_upgrade();
        assert_eq!(NextJobId::<Test>::get(), next);
        assert_eq!(
            get_storage_value::<u64>(b"Inference", OLD_NEXT_JOB_ID, &[]),
            Some(next + 7)
        );
        frame_support::storage::unhashed::kill(&frame_support::storage::storage_prefix(
            b"Inference",
            OLD_NEXT_JOB_ID,
        ));
        check_invariants();
    });
}

#[test]
fn migration_v2_types_the_stored_reveals() {
    use crate::migrations::v2::MigrateV1ToV2;
    use frame_support::{
        storage::unhashed,
        traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
    };
    ExtBuilder::default().build_and_execute(|| {
        // Two jobs with one stored reveal each, as version 1 stored them: raw output bytes,
        // empty for an execution failure.
        let a = request(genesis_model());
        let b = request(single_model());
        let wa = acc(workers_of(a)[0]);
        let wb = acc(workers_of(b)[0]);
        let raw_a: OutputOf<Test> = good().try_into().expect("short");
        let raw_b: OutputOf<Test> = Default::default();
        unhashed::put(&crate::Reveals::<Test>::hashed_key_for(a, &wa), &raw_a);
        unhashed::put(&crate::Reveals::<Test>::hashed_key_for(b, &wb), &raw_b);
        StorageVersion::new(1).put::<Inference>();

        MigrateV1ToV2::<Test>::on_runtime_upgrade();

        assert_eq!(
            Inference::on_chain_storage_version(),
            StorageVersion::new(2)
        );
        assert_eq!(
            crate::Reveals::<Test>::get(a, &wa),
            Some(Reveal::Outputs(raw_a.clone()))
        );
        assert_eq!(
            crate::Reveals::<Test>::get(b, &wb),
            Some(Reveal::ExecutionFailed)
        );
        // Version 2 already: a second run touches nothing, even a value in the old encoding.
        unhashed::put(&crate::Reveals::<Test>::hashed_key_for(a, &wa), &raw_a);
        MigrateV1ToV2::<Test>::on_runtime_upgrade();
        assert_eq!(
            unhashed::get_raw(&crate::Reveals::<Test>::hashed_key_for(a, &wa)),
            Some(raw_a.encode())
        );
        // The slots were not marked revealed: drop the test's reveals.
        let _ = crate::Reveals::<Test>::clear(u32::MAX, None);
    });
}

#[test]
fn migration_v3_schedules_the_finality_of_jobs_in_flight() {
    use crate::migrations::v3::MigrateV2ToV3;
    use crate::{FinalityQueue, PruneQueue};
    use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
    ExtBuilder::default().build_and_execute(|| {
        // A job in flight as version 2 scheduled it: no finality slot, pruned `RETENTION`
        // blocks after its reveal slot.
        let id = request(genesis_model());
        let job = Jobs::<Test>::get(id).expect("job");
        let after_reveal = job.reveal_deadline + 1;
        let final_at = after_reveal + CHALLENGE_PERIOD;
        FinalityQueue::<Test>::remove(final_at);
        PruneQueue::<Test>::remove(final_at + RETENTION);
        PruneQueue::<Test>::mutate(after_reveal + RETENTION, |q| q.try_push(id).expect("room"));
        StorageVersion::new(2).put::<Inference>();

        MigrateV2ToV3::<Test>::on_runtime_upgrade();

        assert_eq!(
            Inference::on_chain_storage_version(),
            StorageVersion::new(3)
        );
        assert_eq!(FinalityQueue::<Test>::get(final_at).into_inner(), vec![id]);
        assert!(PruneQueue::<Test>::get(after_reveal + RETENTION).is_empty());
        assert_eq!(
            PruneQueue::<Test>::get(final_at + RETENTION).into_inner(),
            vec![id]
        );
        // Version 3 already: a second run queues nothing twice.
        MigrateV2ToV3::<Test>::on_runtime_upgrade();
        assert_eq!(FinalityQueue::<Test>::get(final_at).len(), 1);
        // The job ends as any other: provisional, final, paid, then pruned.
        unanimous(id, &good());
        run_to_final(id);
        assert_eq!(
            Jobs::<Test>::get(id).map(|j| j.status),
            Some(JobStatus::Completed)
        );
        run_to_block(final_at + RETENTION);
        assert!(!Jobs::<Test>::contains_key(id));
    });
}
