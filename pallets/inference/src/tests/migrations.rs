//! Migrations (`migrations.rs`).

use super::*;

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
        // A second run is a no-op (the version is already 1).
        MigrateV0ToV1::<Test>::on_runtime_upgrade();
        assert_eq!(NextJobId::<Test>::get(), next);
        check_invariants();
    });
}
