//! The model registry (`registry.rs`): registration, uploads, validation outcomes, price, retirement.

use super::*;

#[test]
fn register_model_works() {
    ExtBuilder::default().build_and_execute(|| {
        let (id, _) = register(1000, 1, exact(3));
        let m = Models::<Test>::get(id).expect("model");
        assert_eq!(m.status, ModelStatus::Uploading);
        assert_eq!(m.deposit, DEPOSIT_BASE + 1000 * DEPOSIT_PER_BYTE);
        assert_eq!(held(HoldReason::ModelDeposit, &owner()), deposit_of(1000));
        assert!(has_event(Event::ModelRegistered {
            model_id: id,
            owner: owner(),
            size: 1000,
            chunks: 1,
            deposit: deposit_of(1000)
        }));
    });
}

#[test]
fn register_model_errors() {
    ExtBuilder::default().build_and_execute(|| {
        let (id, _, hashes) = model_bytes(1000, 1);
        let call = |who: AccountId, id, size, hashes: Vec<H256>, policy| {
            Inference::register_model(
                RuntimeOrigin::signed(who),
                id,
                size,
                hashes.try_into().expect("short"),
                Default::default(),
                Default::default(),
                policy,
                1,
            )
        };
        assert_noop!(
            call(owner(), id, 0, vec![], exact(3)),
            Error::<Test>::BadModelSize
        );
        assert_noop!(
            call(owner(), id, MAX_MODEL_BYTES + 1, vec![], exact(3)),
            Error::<Test>::BadModelSize
        );
        assert_noop!(
            call(owner(), id, 1000, vec![], exact(3)),
            Error::<Test>::BadChunkCount
        );
        assert_noop!(
            call(owner(), id, MAX_CHUNK_BYTES + 1, hashes.clone(), exact(3)),
            Error::<Test>::BadChunkCount
        );
        assert_noop!(
            call(owner(), id, 1000, hashes.clone(), exact(0)),
            Error::<Test>::BadPolicy
        );
        assert_noop!(
            call(owner(), id, 1000, hashes.clone(), exact(6)),
            Error::<Test>::BadPolicy
        );
        assert_noop!(
            call(
                owner(),
                id,
                1000,
                hashes.clone(),
                ModelPolicy {
                    execution: ExecutionPolicy::Tolerance {
                        abs: 0,
                        rel: 2_000_000_000
                    },
                    replicas: 3
                }
            ),
            Error::<Test>::BadPolicy
        );
        assert_noop!(
            call(pauper(), id, 1000, hashes.clone(), exact(3)),
            Error::<Test>::InsufficientBalance
        );
        assert_noop!(
            call(owner(), genesis_model(), 1000, hashes.clone(), exact(3)),
            Error::<Test>::ModelExists
        );
    });
}

#[test]
fn upload_chunks_and_validation_starts() {
    let mut ext = ExtBuilder::default().build();
    let size = MAX_CHUNK_BYTES + 10;
    let (id, chunks) = ext.execute_with(|| register(size, 2, exact(3)));
    ext.execute_with(|| {
        assert_eq!(chunks.len(), 2);
        let up = |i: u32, c: Vec<u8>| {
            Inference::upload_chunk(RuntimeOrigin::signed(acc(8)), id, i, chunk(c))
        };
        assert_noop!(up(2, chunks[1].clone()), Error::<Test>::BadChunkIndex);
        assert_noop!(up(0, chunks[1].clone()), Error::<Test>::BadChunkSize);
        let mut wrong = chunks[1].clone();
        wrong[0] ^= 1;
        assert_noop!(up(1, wrong), Error::<Test>::ChunkHashMismatch);
        assert_noop!(
            Inference::upload_chunk(
                RuntimeOrigin::signed(acc(8)),
                H256::zero(),
                0,
                chunk(vec![1])
            ),
            Error::<Test>::ModelNotFound
        );
        assert_ok!(up(1, chunks[1].clone()));
        assert!(has_event(Event::ChunkUploaded {
            model_id: id,
            index: 1
        }));
        assert_noop!(
            up(1, chunks[1].clone()),
            Error::<Test>::ChunkAlreadyUploaded
        );
        assert_eq!(
            Models::<Test>::get(id).expect("model").status,
            ModelStatus::Uploading
        );
        assert_ok!(up(0, chunks[0].clone()));
        let m = Models::<Test>::get(id).expect("model");
        let ModelStatus::Validating(job) = m.status else {
            panic!("not validating")
        };
        let r = Jobs::<Test>::get(job).expect("job");
        assert!(matches!(r.kind, JobKind::Validation));
        assert_eq!(r.slots.len(), 3);
        assert_noop!(up(0, chunks[0].clone()), Error::<Test>::NotUploading);
        check_invariants();
    });
    // The chunk bytes are in the offchain index, not in state.
    ext.persist_offchain_overlay();
    assert_eq!(
        ext.offchain_db().get(&chunk_key(&id, 0)),
        Some(chunks[0].clone())
    );
    assert_eq!(
        ext.offchain_db().get(&chunk_key(&id, 1)),
        Some(chunks[1].clone())
    );
}

#[test]
fn final_chunk_needs_workers() {
    ExtBuilder::default().workers(0).build_and_execute(|| {
        let (id, chunks) = register(100, 3, exact(1));
        assert_noop!(
            Inference::upload_chunk(
                RuntimeOrigin::signed(acc(8)),
                id,
                0,
                chunk(chunks[0].clone())
            ),
            Error::<Test>::NotEnoughWorkers
        );
    });
}

#[test]
fn validation_activates_model() {
    ExtBuilder::default().build_and_execute(|| {
        let (id, job) = register_and_upload(100, 4);
        let outcome: ValidationOutcome = Ok(test_info());
        let out = outcome.encode();
        unanimous(job, &out);
        assert!(has_event(Event::ValidationProvisional {
            model_id: id,
            job_id: job,
            agreeing: workers_of(job)
                .into_iter()
                .map(acc)
                .collect::<Vec<_>>()
                .try_into()
                .expect("short"),
            challenge_deadline: final_block(job) - 1,
        }));
        assert_eq!(
            Models::<Test>::get(id).expect("model").status,
            ModelStatus::Validating(job),
            "nothing happens before the outcome is final"
        );
        run_to_final(job);
        let m = Models::<Test>::get(id).expect("model");
        assert_eq!(m.status, ModelStatus::Active);
        assert_eq!(m.info, Some(test_info()));
        assert!(has_event(Event::ModelActivated {
            model_id: id,
            cost: TEST_COST
        }));
        assert!(slashes(job).is_empty());
        // Deposit stays held while the model is active.
        assert_eq!(held(HoldReason::ModelDeposit, &owner()), deposit_of(100));
        check_invariants();
    });
}

#[test]
fn validation_rejects_model_and_pays_fee() {
    ExtBuilder::default().build_and_execute(|| {
        let (id, job) = register_and_upload(100, 5);
        let outcome: ValidationOutcome = Err(ValidationFailure::Invalid);
        let out = outcome.encode();
        let committee = workers_of(job);
        let before: Vec<Balance> = committee.iter().map(|w| free(&acc(*w))).collect();
        validate(job, &out);
        let m = Models::<Test>::get(id).expect("model");
        assert_eq!(m.status, ModelStatus::Rejected(RejectReason::Invalid));
        // The rejection fee, shared by the three committee members.
        let fee = RejectionFee::get().mul_floor(deposit_of(100));
        assert!(has_event(Event::ModelRejected {
            model_id: id,
            reason: RejectReason::Invalid,
            fee
        }));
        for (w, b) in committee.iter().zip(before) {
            assert_eq!(free(&acc(*w)), b + fee / 3);
        }
        assert_eq!(held(HoldReason::ModelDeposit, &owner()), 0);
        assert_eq!(free(&owner()), INITIAL - fee);
        // The owner can now remove the record.
        assert_ok!(Inference::retire_model(RuntimeOrigin::signed(owner()), id));
        assert!(Models::<Test>::get(id).is_none());
        check_invariants();
    });
}

#[test]
fn unusable_schema_is_rejected() {
    ExtBuilder::default().build_and_execute(|| {
        let (id, job) = register_and_upload(100, 6);
        let mut info = test_info();
        info.inputs = Default::default();
        let out = ValidationOutcome::Ok(info).encode();
        validate(job, &out);
        assert_eq!(
            Models::<Test>::get(id).expect("model").status,
            ModelStatus::Rejected(RejectReason::Unusable)
        );
    });
}

#[test]
fn outputs_larger_than_a_reveal_are_unusable() {
    ExtBuilder::default().build_and_execute(|| {
        let (id, job) = register_and_upload(100, 31);
        let mut info = test_info();
        // 4096 f32 = 16 KiB of data: more than MaxOutputBytes (16 KiB) with the encoding.
        info.outputs = vec![spec(b"y", inferchain_primitives::DType::F32, &[1, 4096])]
            .try_into()
            .expect("short");
        let out = ValidationOutcome::Ok(info.clone()).encode();
        validate(job, &out);
        assert_eq!(
            Models::<Test>::get(id).expect("model").status,
            ModelStatus::Rejected(RejectReason::Unusable)
        );
        // The bound is an upper bound of real encodings.
        let small = test_info();
        assert!(Inference::encoded_bound(&small.outputs).expect("bound") >= good().len() as u64);
        assert!(
            Inference::encoded_bound(&small.inputs).expect("bound")
                >= inputs(1.0, 2.0).len() as u64
        );
    });
}

#[test]
fn validation_without_response_rejects_and_refunds() {
    ExtBuilder::default().build_and_execute(|| {
        let (id, job) = register_and_upload(100, 7);
        let committee = workers_of(job);
        run_to_block(1 + COMMIT_PERIOD + 1);
        assert_eq!(
            Models::<Test>::get(id).expect("model").status,
            ModelStatus::Rejected(RejectReason::NoResponse)
        );
        assert_eq!(free(&owner()), INITIAL);
        assert_eq!(
            Jobs::<Test>::get(job).expect("job").status,
            JobStatus::Expired
        );
        let s = slashes(job);
        assert_eq!(s.len(), 3);
        for (w, offence, amount) in s {
            assert!(committee.contains(&w));
            assert_eq!(offence, Offence::NoCommit);
            assert_eq!(amount, MIN_BOND * 2 / 5);
        }
        check_invariants();
    });
}

#[test]
fn revalidate_after_no_response() {
    ExtBuilder::default().build_and_execute(|| {
        let (id, job) = register_and_upload(100, 30);
        assert_noop!(
            Inference::revalidate(RuntimeOrigin::signed(owner()), id),
            Error::<Test>::NotRevalidatable
        );
        run_to_block(2 + COMMIT_PERIOD);
        assert_eq!(
            Models::<Test>::get(id).expect("model").status,
            ModelStatus::Rejected(RejectReason::NoResponse)
        );
        assert_noop!(
            Inference::revalidate(RuntimeOrigin::signed(acc(1)), id),
            Error::<Test>::NotModelOwner
        );
        assert_noop!(
            Inference::revalidate(RuntimeOrigin::signed(owner()), H256::zero()),
            Error::<Test>::ModelNotFound
        );
        assert_ok!(Inference::revalidate(RuntimeOrigin::signed(owner()), id));
        let ModelStatus::Validating(again) = Models::<Test>::get(id).expect("model").status else {
            panic!("not validating");
        };
        assert_ne!(again, job);
        assert_eq!(held(HoldReason::ModelDeposit, &owner()), deposit_of(100));
        let out = ValidationOutcome::Ok(test_info()).encode();
        validate(again, &out);
        assert_eq!(
            Models::<Test>::get(id).expect("model").status,
            ModelStatus::Active
        );
        assert_noop!(
            Inference::revalidate(RuntimeOrigin::signed(owner()), id),
            Error::<Test>::NotRevalidatable
        );
        check_invariants();
    });
}

#[test]
fn set_price_works_and_fails() {
    ExtBuilder::default().build_and_execute(|| {
        assert_ok!(Inference::set_price(
            RuntimeOrigin::signed(owner()),
            genesis_model(),
            7
        ));
        assert!(has_event(Event::ModelPriceSet {
            model_id: genesis_model(),
            price: 7
        }));
        assert_eq!(
            Models::<Test>::get(genesis_model()).expect("model").price,
            7
        );
        assert_noop!(
            Inference::set_price(RuntimeOrigin::signed(acc(1)), genesis_model(), 7),
            Error::<Test>::NotModelOwner
        );
        assert_noop!(
            Inference::set_price(RuntimeOrigin::signed(owner()), H256::zero(), 7),
            Error::<Test>::ModelNotFound
        );
        let _ = request(genesis_model());
        assert_ok!(Inference::retire_model(
            RuntimeOrigin::signed(owner()),
            genesis_model()
        ));
        assert_noop!(
            Inference::set_price(RuntimeOrigin::signed(owner()), genesis_model(), 7),
            Error::<Test>::ModelClosed
        );
    });
}

#[test]
fn retire_model_paths() {
    ExtBuilder::default().build_and_execute(|| {
        // Uploading: removed at once with the full deposit.
        let (id, _) = register(100, 8, exact(3));
        assert_noop!(
            Inference::retire_model(RuntimeOrigin::signed(acc(1)), id),
            Error::<Test>::NotModelOwner
        );
        assert_noop!(
            Inference::retire_model(RuntimeOrigin::signed(owner()), H256::zero()),
            Error::<Test>::ModelNotFound
        );
        assert_ok!(Inference::retire_model(RuntimeOrigin::signed(owner()), id));
        assert!(Models::<Test>::get(id).is_none());
        assert_eq!(free(&owner()), INITIAL);
        assert!(has_event(Event::ModelRemoved {
            model_id: id,
            deposit_returned: deposit_of(100)
        }));
        // Validating: refused.
        let (id, _) = register_and_upload(100, 9);
        assert_noop!(
            Inference::retire_model(RuntimeOrigin::signed(owner()), id),
            Error::<Test>::ModelValidating
        );
        // Active with a pending request: retired, removed when the request ends.
        let req = request(genesis_model());
        assert_ok!(Inference::retire_model(
            RuntimeOrigin::signed(owner()),
            genesis_model()
        ));
        assert_eq!(
            Models::<Test>::get(genesis_model()).expect("model").status,
            ModelStatus::Retired
        );
        assert_noop!(
            Inference::retire_model(RuntimeOrigin::signed(owner()), genesis_model()),
            Error::<Test>::ModelClosed
        );
        assert_noop!(
            Inference::request_inference(
                RuntimeOrigin::signed(requester()),
                genesis_model(),
                inputs(1.0, 2.0).try_into().expect("short"),
                1_000_000
            ),
            Error::<Test>::ModelNotActive
        );
        for w in workers_of(req) {
            assert_ok!(commit(w, req, &good()));
        }
        assert_ok!(reveal(workers_of(req)[0], req, &good()));
        // A provisional result can still be challenged, and the validators need the model.
        assert!(!crate::ModelsToRemove::<Test>::contains_key(genesis_model()));
        run_to_block(final_block(req) - 1);
        System::set_block_number(final_block(req));
        Inference::on_initialize(final_block(req));
        // Final: queued, removed with its deposit returned when the block has spare weight.
        assert!(crate::ModelsToRemove::<Test>::contains_key(genesis_model()));
        check_invariants();
        let read = db_read();
        let used = Inference::on_idle(System::block_number(), Weight::MAX);
        assert_eq!(
            used,
            read.saturating_add(Inference::queued_removal_weight())
        );
        assert!(Models::<Test>::get(genesis_model()).is_none());
        assert!(!crate::ModelsToRemove::<Test>::contains_key(genesis_model()));
        // Nothing queued: one read.
        assert_eq!(
            Inference::on_idle(System::block_number(), Weight::MAX),
            read
        );
        check_invariants();
    });
}

/// Whether any `Inference*` event (which speak only of inference requests) names job `id`.
fn inference_event_for(id: u64) -> bool {
    System::events().iter().any(|r| {
        matches!(
            &r.event,
            RuntimeEvent::Inference(
                Event::InferenceCompleted { job_id, .. }
                    | Event::InferenceFailed { job_id, .. }
                    | Event::InferenceExpired { job_id }
                    | Event::InferenceRequested { job_id, .. }
                    | Event::InferenceProvisional { job_id, .. }
                    | Event::FeesPaid { job_id, .. }
            ) if *job_id == id
        )
    })
}

#[test]
fn validation_outcomes_are_reported_by_model_events_only() {
    ExtBuilder::default().build_and_execute(|| {
        // Activated.
        let (_, job) = register_and_upload(100, 40);
        let out = ValidationOutcome::Ok(test_info()).encode();
        validate(job, &out);
        // Rejected with agreement.
        let (_, rejected) = register_and_upload(100, 41);
        let bad_model = ValidationOutcome::Err(ValidationFailure::Invalid).encode();
        validate(rejected, &bad_model);
        // Inconclusive: three different outcomes, and no validator set to reach a verdict.
        let (_, split) = register_and_upload(100, 42);
        let mut other = test_info();
        other.cost = 7;
        let outs = [
            out.clone(),
            bad_model.clone(),
            ValidationOutcome::Ok(other).encode(),
        ];
        for (w, o) in workers_of(split).into_iter().zip(outs.iter()) {
            assert_ok!(commit(w, split, o));
        }
        run_to_block(System::block_number() + COMMIT_PERIOD + 1);
        for (w, o) in workers_of(split).into_iter().zip(outs.iter()) {
            assert_ok!(reveal(w, split, o));
        }
        run_escalation::<Vec<u8>>(split, &[]);
        // No response.
        let (silent_model, silent) = register_and_upload(100, 43);
        run_to_block(System::block_number() + COMMIT_PERIOD + 1);
        assert_eq!(
            Models::<Test>::get(silent_model).expect("model").status,
            ModelStatus::Rejected(RejectReason::NoResponse)
        );
        for id in [job, rejected, split, silent] {
            assert!(
                !inference_event_for(id),
                "validation job {id} reported as an inference"
            );
        }
        assert!(has_event(Event::ModelRejected {
            model_id: Jobs::<Test>::get(split).expect("job").model_id,
            reason: RejectReason::Inconclusive,
            fee: 0
        }));
        // An inference job still reports as one.
        let id = request(single_model());
        assert!(inference_event_for(id));
        check_invariants();
    });
}
