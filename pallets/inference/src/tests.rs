//! Unit tests of the inference pallet on the mock runtime.

use crate::{
    mock::*, ActiveWorkers, CommitBatchOf, Error, Event, FailureReason, HoldReason, Job, JobKind,
    JobStatus, Jobs, ModelPolicy, ModelStatus, Models, NextJobId, Offence, OutputOf, RejectReason,
    Results, RevealBatchOf, ValidationFailure, ValidationOutcome, WorkerStatus, Workers,
    COMMIT_CONTEXT, REVEAL_CONTEXT,
};
use codec::Encode;
use frame_support::{
    assert_noop, assert_ok,
    dispatch::RawOrigin,
    pallet_prelude::TransactionSource,
    traits::Hooks,
    traits::{
        fungible::{Inspect, InspectHold, Mutate},
        Authorize, UnfilteredDispatchable,
    },
    weights::Weight,
    BoundedVec,
};
use inferchain_primitives::{
    limits::{MAX_CHUNK_BYTES, MAX_MODEL_BYTES},
    offchain_keys::{chunk_key, request_inputs_key},
    output_commitment, ExecutionPolicy, ModelId,
};
use sp_core::H256;
use sp_runtime::{
    transaction_validity::{InvalidTransaction, TransactionValidityError},
    DispatchError,
};

// ------------------------------------------------------------------ helpers

/// Outcome of submitting an authorized worker transaction through "pool then block".
#[derive(Debug, PartialEq)]
pub enum TxError {
    /// Rejected by the pool (authorization).
    Pool(TransactionValidityError),
    /// Failed in dispatch.
    Dispatch(DispatchError),
}

/// Authorizes `call` as the pool would, then dispatches it with the authorized origin.
pub fn submit(call: crate::Call<Test>) -> Result<(), TxError> {
    match call.authorize(TransactionSource::External) {
        Some(Ok(_)) => {}
        Some(Err(e)) => return Err(TxError::Pool(e)),
        None => panic!("call is not authorizable"),
    }
    call.dispatch_bypass_filter(RuntimeOrigin::from(RawOrigin::Authorized))
        .map(|_| ())
        .map_err(|e| TxError::Dispatch(e.error))
}

/// The pool code of a pallet error.
pub fn code(e: Error<Test>) -> TxError {
    TxError::Pool(TransactionValidityError::Invalid(
        InvalidTransaction::Custom(e.encode()[0]),
    ))
}

/// A signed commit call of test worker `i`.
pub fn commit_call(i: u8, items: Vec<(u64, H256)>) -> crate::Call<Test> {
    let items: CommitBatchOf<Test> = items.try_into().expect("within MaxBatch");
    let sig = sign(
        i,
        &Inference::signing_payload(COMMIT_CONTEXT, &key(i), &items),
    );
    crate::Call::commit {
        worker: key(i),
        items,
        signature: sig,
    }
}

/// A signed reveal call of test worker `i`.
pub fn reveal_call(i: u8, items: Vec<(u64, Vec<u8>)>) -> crate::Call<Test> {
    let items: RevealBatchOf<Test> = items
        .into_iter()
        .map(|(id, o)| {
            (
                id,
                OutputOf::<Test>::try_from(o).expect("within MaxOutputBytes"),
            )
        })
        .collect::<Vec<_>>()
        .try_into()
        .expect("within MaxBatch");
    let sig = sign(
        i,
        &Inference::signing_payload(REVEAL_CONTEXT, &key(i), &items),
    );
    crate::Call::reveal {
        worker: key(i),
        items,
        signature: sig,
    }
}

/// Commitment of worker `i` to `out`.
pub fn commitment(i: u8, out: &[u8]) -> H256 {
    output_commitment(out, &acc(i).encode())
}

/// Commits worker `i` to `out` on job `id`.
pub fn commit(i: u8, id: u64, out: &[u8]) -> Result<(), TxError> {
    submit(commit_call(i, vec![(id, commitment(i, out))]))
}

/// Reveals `out` for worker `i` on job `id`.
pub fn reveal(i: u8, id: u64, out: &[u8]) -> Result<(), TxError> {
    submit(reveal_call(i, vec![(id, out.to_vec())]))
}

/// Test index of an account (1..=10 workers/funded accounts).
pub fn idx(a: &AccountId) -> u8 {
    (1..=10).find(|i| &acc(*i) == a).expect("test account")
}

/// Test indices of the workers assigned to job `id`.
pub fn workers_of(id: u64) -> Vec<u8> {
    Jobs::<Test>::get(id)
        .expect("job")
        .slots
        .iter()
        .map(|s| idx(&s.worker))
        .collect()
}

/// Requests an inference on `model` with inputs `(1, 2)`; returns the job id.
pub fn request(model: ModelId) -> u64 {
    let id = crate::NextJobId::<Test>::get();
    assert_ok!(Inference::request_inference(
        RuntimeOrigin::signed(requester()),
        model,
        inputs(1.0, 2.0).try_into().expect("short"),
        1_000_000,
    ));
    id
}

/// The correct outputs for inputs `(1, 2)`.
pub fn good() -> Vec<u8> {
    outputs(2.0, 4.0)
}

/// Wrong outputs.
pub fn bad() -> Vec<u8> {
    outputs(9.0, 9.0)
}

/// Free balance.
pub fn free(a: &AccountId) -> Balance {
    Balances::balance(a)
}

/// Held balance for `reason`.
pub fn held(reason: HoldReason, a: &AccountId) -> Balance {
    Balances::balance_on_hold(&RuntimeHoldReason::Inference(reason), a)
}

/// Bond of worker `i`.
pub fn bond(i: u8) -> Balance {
    Workers::<Test>::get(acc(i))
        .map(|w| w.bond)
        .unwrap_or_default()
}

/// Total fee of a request on a genesis model with 3 replicas and cost 100.
pub const FEE3: Balance = PRICE + 3 * (10 + 100);

/// Whether an event was deposited.
pub fn has_event(e: Event<Test>) -> bool {
    System::events()
        .iter()
        .any(|r| r.event == RuntimeEvent::Inference(e.clone()))
}

/// Slash events of job `id`: `(worker index, offence, amount)`.
pub fn slashes(id: u64) -> Vec<(u8, Offence, Balance)> {
    System::events()
        .iter()
        .filter_map(|r| match &r.event {
            RuntimeEvent::Inference(Event::WorkerSlashed {
                worker,
                job_id,
                offence,
                amount,
            }) if *job_id == id => Some((idx(worker), *offence, *amount)),
            _ => None,
        })
        .collect()
}

/// A model of `size` bytes with deterministic content; returns `(id, chunks, hashes)`.
pub fn model_bytes(size: u32, salt: u8) -> (ModelId, Vec<Vec<u8>>, Vec<H256>) {
    let bytes: Vec<u8> = (0..size)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt))
        .collect();
    let id = inferchain_primitives::model_id(&bytes);
    let chunks: Vec<Vec<u8>> = bytes
        .chunks(MAX_CHUNK_BYTES as usize)
        .map(|c| c.to_vec())
        .collect();
    let hashes = chunks
        .iter()
        .map(|c| H256(sp_io::hashing::blake2_256(c)))
        .collect();
    (id, chunks, hashes)
}

/// Registers a model of `size` bytes owned by `owner()`.
pub fn register(size: u32, salt: u8, policy: ModelPolicy) -> (ModelId, Vec<Vec<u8>>) {
    let (id, chunks, hashes) = model_bytes(size, salt);
    assert_ok!(Inference::register_model(
        RuntimeOrigin::signed(owner()),
        id,
        size,
        hashes.try_into().expect("short"),
        b"m".to_vec().try_into().expect("short"),
        b"d".to_vec().try_into().expect("short"),
        policy,
        PRICE,
    ));
    (id, chunks)
}

/// Registers and uploads a model; returns `(model id, validation job id)`.
pub fn register_and_upload(size: u32, salt: u8) -> (ModelId, u64) {
    let (id, chunks) = register(size, salt, exact(3));
    for (i, c) in chunks.into_iter().enumerate() {
        assert_ok!(Inference::upload_chunk(
            RuntimeOrigin::signed(acc(7)),
            id,
            i as u32,
            chunk(c)
        ));
    }
    match Models::<Test>::get(id).expect("model").status {
        ModelStatus::Validating(job) => (id, job),
        s => panic!("unexpected status {s:?}"),
    }
}

/// Checks the storage invariants.
pub fn check_invariants() {
    Inference::do_try_state().expect("invariants hold");
}

// ------------------------------------------------------------------ workers

#[test]
fn genesis_registers_workers_and_models() {
    new_test_ext().execute_with(|| {
        assert_eq!(ActiveWorkers::<Test>::get().len(), 6);
        assert_eq!(held(HoldReason::WorkerBond, &acc(1)), MIN_BOND * 2);
        let m = Models::<Test>::get(genesis_model()).expect("model");
        assert_eq!(m.status, ModelStatus::Active);
        assert_eq!(m.info, Some(test_info()));
        assert_eq!(m.deposit, 0);
        check_invariants();
    });
}

#[test]
fn register_worker_works() {
    new_test_ext().execute_with(|| {
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
    new_test_ext().execute_with(|| {
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
    new_test_ext().execute_with(|| {
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
    new_test_ext().execute_with(|| {
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
    new_test_ext_with_workers(3).execute_with(|| {
        let id = request(genesis_model());
        assert_ok!(Inference::unregister_worker(RuntimeOrigin::signed(acc(1))));
        run_to_block(1 + UNBONDING);
        // Still assigned? The job has ended long ago (expired), so no.
        assert_eq!(
            Jobs::<Test>::get(id).map(|r| r.status),
            Some(JobStatus::Expired)
        );
        assert_ok!(Inference::withdraw_bond(RuntimeOrigin::signed(acc(1))));
    });
    new_test_ext_with_workers(3).execute_with(|| {
        let id = request(genesis_model());
        assert_ok!(Inference::unregister_worker(RuntimeOrigin::signed(acc(2))));
        // The unbonding worker is drawn for no new job but still does the ones it has, and is
        // paid for them.
        let before = free(&acc(2));
        for w in 1..=3 {
            assert_ok!(commit(w, id, &good()));
        }
        assert_ok!(reveal(2, id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).map(|r| r.status),
            Some(JobStatus::Completed)
        );
        assert_eq!(free(&acc(2)), before + 110);
        // Its bond stays held until the period (longer than any job) is over.
        assert_noop!(
            Inference::withdraw_bond(RuntimeOrigin::signed(acc(2))),
            Error::<Test>::UnbondingNotOver
        );
        assert!(UNBONDING > Inference::longest_job());
        check_invariants();
    });
}

// ------------------------------------------------------------------ models

#[test]
fn register_model_works() {
    new_test_ext().execute_with(|| {
        let (id, _) = register(1000, 1, exact(3));
        let m = Models::<Test>::get(id).expect("model");
        assert_eq!(m.status, ModelStatus::Uploading);
        assert_eq!(m.deposit, 500 + 1000);
        assert_eq!(held(HoldReason::ModelDeposit, &owner()), 1500);
        assert!(has_event(Event::ModelRegistered {
            model_id: id,
            owner: owner(),
            size: 1000,
            chunks: 1,
            deposit: 1500
        }));
    });
}

#[test]
fn register_model_errors() {
    new_test_ext().execute_with(|| {
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
    let mut ext = new_test_ext();
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
    new_test_ext_with_workers(0).execute_with(|| {
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
    new_test_ext().execute_with(|| {
        let (id, job) = register_and_upload(100, 4);
        let outcome: ValidationOutcome = Ok(test_info());
        let out = outcome.encode();
        let committee = workers_of(job);
        for w in &committee {
            assert_ok!(commit(*w, job, &out));
        }
        assert_ok!(reveal(committee[0], job, &out));
        let m = Models::<Test>::get(id).expect("model");
        assert_eq!(m.status, ModelStatus::Active);
        assert_eq!(m.info, Some(test_info()));
        assert!(has_event(Event::ModelActivated {
            model_id: id,
            cost: 100
        }));
        assert!(slashes(job).is_empty());
        // Deposit stays held while the model is active.
        assert_eq!(held(HoldReason::ModelDeposit, &owner()), 600);
        check_invariants();
    });
}

#[test]
fn validation_rejects_model_and_pays_fee() {
    new_test_ext().execute_with(|| {
        let (id, job) = register_and_upload(100, 5);
        let outcome: ValidationOutcome = Err(ValidationFailure::Invalid);
        let out = outcome.encode();
        let committee = workers_of(job);
        let before: Vec<Balance> = committee.iter().map(|w| free(&acc(*w))).collect();
        for w in &committee {
            assert_ok!(commit(*w, job, &out));
        }
        assert_ok!(reveal(committee[0], job, &out));
        let m = Models::<Test>::get(id).expect("model");
        assert_eq!(m.status, ModelStatus::Rejected(RejectReason::Invalid));
        // 10% of 600 = 60, 20 to each committee member.
        assert!(has_event(Event::ModelRejected {
            model_id: id,
            reason: RejectReason::Invalid,
            fee: 60
        }));
        for (w, b) in committee.iter().zip(before) {
            assert_eq!(free(&acc(*w)), b + 20);
        }
        assert_eq!(held(HoldReason::ModelDeposit, &owner()), 0);
        assert_eq!(free(&owner()), INITIAL - 60);
        // The owner can now remove the record.
        assert_ok!(Inference::retire_model(RuntimeOrigin::signed(owner()), id));
        assert!(Models::<Test>::get(id).is_none());
        check_invariants();
    });
}

#[test]
fn unusable_schema_is_rejected() {
    new_test_ext().execute_with(|| {
        let (id, job) = register_and_upload(100, 6);
        let mut info = test_info();
        info.inputs = Default::default();
        let out = ValidationOutcome::Ok(info).encode();
        for w in workers_of(job) {
            assert_ok!(commit(w, job, &out));
        }
        assert_ok!(reveal(workers_of(job)[0], job, &out));
        assert_eq!(
            Models::<Test>::get(id).expect("model").status,
            ModelStatus::Rejected(RejectReason::Unusable)
        );
    });
}

#[test]
fn outputs_larger_than_a_reveal_are_unusable() {
    new_test_ext().execute_with(|| {
        let (id, job) = register_and_upload(100, 31);
        let mut info = test_info();
        // 4096 f32 = 16 KiB of data: more than MaxOutputBytes (16 KiB) with the encoding.
        info.outputs = vec![spec(b"y", inferchain_primitives::DType::F32, &[1, 4096])]
            .try_into()
            .expect("short");
        let out = ValidationOutcome::Ok(info.clone()).encode();
        for w in workers_of(job) {
            assert_ok!(commit(w, job, &out));
        }
        assert_ok!(reveal(workers_of(job)[0], job, &out));
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
    new_test_ext().execute_with(|| {
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
            assert_eq!(amount, MIN_BOND * 2 / 20);
        }
        check_invariants();
    });
}

#[test]
fn revalidate_after_no_response() {
    new_test_ext().execute_with(|| {
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
        assert_eq!(held(HoldReason::ModelDeposit, &owner()), 600);
        let out = ValidationOutcome::Ok(test_info()).encode();
        for w in workers_of(again) {
            assert_ok!(commit(w, again, &out));
        }
        assert_ok!(reveal(workers_of(again)[0], again, &out));
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
    new_test_ext().execute_with(|| {
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
    new_test_ext().execute_with(|| {
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
            deposit_returned: 600
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
        // Queued: removed, with its deposit returned, when the block has spare weight.
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

// ------------------------------------------------------------------ requests

#[test]
fn request_inference_works() {
    let mut ext = new_test_ext();
    let id = ext.execute_with(|| {
        let id = request(genesis_model());
        let r = Jobs::<Test>::get(id).expect("job");
        assert_eq!(r.slots.len(), 3);
        let mut ws = workers_of(id);
        ws.sort();
        ws.dedup();
        assert_eq!(ws.len(), 3, "workers are distinct");
        assert_eq!(held(HoldReason::RequestFee, &requester()), FEE3);
        assert_eq!(r.commit_deadline, 1 + COMMIT_PERIOD);
        assert_eq!(r.reveal_deadline, 1 + COMMIT_PERIOD + REVEAL_PERIOD);
        for w in workers_of(id) {
            let work = Inference::pending_work(&acc(w));
            assert_eq!(work.len(), 1);
            assert_eq!(work[0].job_id, id);
        }
        assert_eq!(Inference::live_jobs(System::block_number()), vec![id]);
        let q = Inference::quote(genesis_model(), inputs(1.0, 2.0).len() as u32).expect("quote");
        assert_eq!(q.total, FEE3);
        assert_eq!(q.worker_fee, 110);
        let view = Inference::job_view(id).expect("view");
        assert_eq!(view.fee, FEE3);
        assert_eq!(view.requester, Some(requester()));
        assert!(System::events().iter().any(|e| matches!(
            e.event,
            RuntimeEvent::Inference(Event::InferenceRequested { job_id, fee, .. })
                if job_id == id && fee == FEE3
        )));
        check_invariants();
        id
    });
    ext.persist_offchain_overlay();
    assert_eq!(
        ext.offchain_db().get(&request_inputs_key(id)),
        Some(inputs(1.0, 2.0))
    );
}

#[test]
fn request_inference_errors() {
    new_test_ext().execute_with(|| {
        let req = |who: AccountId, model, bytes: Vec<u8>, max| {
            Inference::request_inference(
                RuntimeOrigin::signed(who),
                model,
                bytes.try_into().expect("short"),
                max,
            )
        };
        assert_noop!(
            req(requester(), H256::zero(), inputs(1.0, 2.0), 10_000),
            Error::<Test>::ModelNotFound
        );
        let (uploading, _) = register(100, 10, exact(3));
        assert_noop!(
            req(requester(), uploading, inputs(1.0, 2.0), 10_000),
            Error::<Test>::ModelNotActive
        );
        assert_noop!(
            req(requester(), genesis_model(), vec![1, 2, 3], 10_000),
            Error::<Test>::BadInputs
        );
        assert_noop!(
            req(requester(), genesis_model(), outputs(1.0, 2.0), 10_000),
            Error::<Test>::InputsSchemaMismatch
        );
        assert_noop!(
            req(requester(), genesis_model(), inputs(1.0, 2.0), FEE3 - 1),
            Error::<Test>::FeeAboveMax
        );
        assert_noop!(
            req(pauper(), genesis_model(), inputs(1.0, 2.0), FEE3),
            Error::<Test>::InsufficientBalance
        );
        // Four jobs per block share a deadline slot; the next four get the next block's
        // deadlines, and so on for `MAX_DEADLINE_SPILL` blocks.
        let spill = crate::MAX_DEADLINE_SPILL as u64;
        let now = System::block_number();
        for k in 0..=spill {
            for _ in 0..4 {
                let id = crate::NextJobId::<Test>::get();
                assert_ok!(req(requester(), single_model(), inputs(1.0, 2.0), FEE3));
                let job = Jobs::<Test>::get(id).expect("job");
                assert_eq!(job.commit_deadline, now + COMMIT_PERIOD + k);
                assert_eq!(job.reveal_deadline, now + COMMIT_PERIOD + k + REVEAL_PERIOD);
            }
        }
        assert_noop!(
            req(requester(), single_model(), inputs(1.0, 2.0), FEE3),
            Error::<Test>::JobQueueFull
        );
    });
    new_test_ext_with_workers(2).execute_with(|| {
        assert_noop!(
            Inference::request_inference(
                RuntimeOrigin::signed(requester()),
                genesis_model(),
                inputs(1.0, 2.0).try_into().expect("short"),
                FEE3
            ),
            Error::<Test>::NotEnoughWorkers
        );
    });
}

#[test]
fn honest_request_completes_and_pays() {
    new_test_ext().execute_with(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        let before: Vec<Balance> = ws.iter().map(|w| free(&acc(*w))).collect();
        for w in &ws {
            assert_ok!(commit(*w, id, &good()));
        }
        // Exact: one reveal that opens every commitment settles.
        assert_ok!(reveal(ws[0], id, &good()));
        let r = Jobs::<Test>::get(id).expect("job");
        assert_eq!(r.status, JobStatus::Completed);
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(good())
        );
        assert!(slashes(id).is_empty());
        for (w, b) in ws.iter().zip(before) {
            assert_eq!(free(&acc(*w)), b + 110);
            assert!(Inference::pending_work(&acc(*w)).is_empty());
        }
        assert_eq!(free(&owner()), INITIAL + PRICE);
        assert_eq!(free(&requester()), INITIAL - FEE3);
        assert_eq!(held(HoldReason::RequestFee, &requester()), 0);
        assert!(has_event(Event::FeesPaid {
            job_id: id,
            royalty: PRICE,
            worker_fee: 330,
            refunded: 0
        }));
        assert!(System::events().iter().any(|e| matches!(
            &e.event,
            RuntimeEvent::Inference(Event::InferenceCompleted { job_id, outputs, .. })
                if *job_id == id && outputs.to_vec() == good()
        )));
        check_invariants();
    });
}

#[test]
fn batched_commit_and_reveal() {
    new_test_ext_with_workers(3).execute_with(|| {
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
                JobStatus::Completed
            );
        }
        check_invariants();
    });
}

/// Under `Exact` the first reveal settles a job; the other workers' reveal batches, built
/// before they saw it, still apply their other items and skip the settled job's.
#[test]
fn overtaken_reveal_items_are_skipped() {
    new_test_ext_with_workers(3).execute_with(|| {
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
            JobStatus::Completed
        );
        let fee_before = free(&acc(2));
        assert_ok!(submit(late));
        assert_eq!(
            Jobs::<Test>::get(b).expect("job").status,
            JobStatus::Completed
        );
        // Settling `b` paid worker 2 its fee once; the skipped item changed nothing.
        assert_eq!(free(&acc(2)), fee_before + 110);
        // Nothing is left to apply: the batch fails with the first item's reason.
        assert_eq!(submit(stale), Err(code(Error::<Test>::RevealClosed)));
        check_invariants();
    });
}

/// A reveal batch is charged, after dispatch, only for what it did: skipped items and items
/// that did not settle cost less than the bound charged before dispatch.
#[test]
fn reveal_weight_is_refunded_to_what_was_done() {
    use frame_support::dispatch::GetDispatchInfo;
    new_test_ext_with_workers(3).execute_with(|| {
        let model = tolerance_model();
        let a = request(model);
        let b = request(model);
        for w in 1..=3u8 {
            assert_ok!(commit(w, a, &good()));
            assert_ok!(commit(w, b, &good()));
        }
        assert_ok!(reveal(1, a, &good()));
        // Tolerance: worker 2's reveal of `b` does not settle; `a` is not settled either.
        let call = reveal_call(2, vec![(a, good()), (b, good())]);
        let bound = call.get_dispatch_info().call_weight;
        assert_eq!(
            call.authorize(TransactionSource::External)
                .map(|r| r.is_ok()),
            Some(true)
        );
        let post = call
            .dispatch_bypass_filter(RuntimeOrigin::from(RawOrigin::Authorized))
            .expect("applies");
        let len = good().len() as u32;
        // Each settles with two stored reveals and the third in hand.
        let settle3 = Inference::settle_weight(&crate::Settlement {
            replicas: 3,
            stored: 2,
            slashed: 0,
            model_queued: false,
        });
        let expected =
            Inference::reveal_weight(2, 2 * len, frame_support::weights::Weight::zero(), 0);
        assert_eq!(post.actual_weight, Some(expected));
        assert!(
            expected.all_lte(bound) && expected.ref_time() < bound.ref_time(),
            "{expected:?} < {bound:?}"
        );
        // Worker 3 settles `a` (everyone revealed) but not `b`.
        let call = reveal_call(3, vec![(a, good()), (b, good())]);
        let post = call
            .dispatch_bypass_filter(RuntimeOrigin::from(RawOrigin::Authorized))
            .expect("applies");
        assert_eq!(
            post.actual_weight,
            Some(Inference::reveal_weight(2, 2 * len, settle3, 0))
        );
        // Worker 1 repeats `a` (skipped) and settles `b`.
        let call = reveal_call(1, vec![(a, good()), (b, good())]);
        let post = call
            .dispatch_bypass_filter(RuntimeOrigin::from(RawOrigin::Authorized))
            .expect("applies");
        assert_eq!(
            post.actual_weight,
            Some(Inference::reveal_weight(1, len, settle3, 1))
        );
        assert_eq!(
            Jobs::<Test>::get(b).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(crate::Reveals::<Test>::iter().count(), 0);
        check_invariants();
    });
}

/// Under `Exact` the reveal that settles its job is never stored: the settlement is charged
/// for the reveals it read and the slashes it made, nothing more.
#[test]
fn settlement_weight_counts_stored_reveals_and_slashes() {
    new_test_ext_with_workers(3).execute_with(|| {
        let len = good().len() as u32;
        let dispatch = |w: u8, id: u64, out: Vec<u8>| {
            reveal_call(w, vec![(id, out)])
                .dispatch_bypass_filter(RuntimeOrigin::from(RawOrigin::Authorized))
                .expect("applies")
                .actual_weight
        };
        let weight = |stored, slashed| {
            Inference::settle_weight(&crate::Settlement {
                replicas: 3,
                stored,
                slashed,
                model_queued: false,
            })
        };
        // Exact, honest: the first reveal settles with nothing stored.
        let a = request(genesis_model());
        for w in 1..=3u8 {
            assert_ok!(commit(w, a, &good()));
        }
        assert_eq!(
            dispatch(2, a, good()),
            Some(Inference::reveal_weight(1, len, weight(0, 0), 0))
        );
        assert_eq!(
            Jobs::<Test>::get(a).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(crate::Reveals::<Test>::iter_prefix(a).count(), 0);
        // Exact, worker 3 committed to other outputs: workers 1 and 3's reveals are stored
        // (neither opens every commitment), worker 2's settles reading both, and worker 3 is
        // outvoted and slashed.
        let b = request(genesis_model());
        assert_ok!(commit(1, b, &good()));
        assert_ok!(commit(2, b, &good()));
        assert_ok!(commit(3, b, &bad()));
        assert_eq!(
            dispatch(1, b, good()),
            Some(Inference::reveal_weight(
                1,
                len,
                frame_support::weights::Weight::zero(),
                0
            ))
        );
        assert_eq!(crate::Reveals::<Test>::iter_prefix(b).count(), 1);
        let bad_len = bad().len() as u32;
        assert_eq!(
            dispatch(3, b, bad()),
            Some(Inference::reveal_weight(
                1,
                bad_len,
                frame_support::weights::Weight::zero(),
                0
            ))
        );
        assert_eq!(
            dispatch(2, b, good()),
            Some(Inference::reveal_weight(1, len, weight(2, 1), 0))
        );
        assert_eq!(slashes(b).len(), 1);
        assert_eq!(crate::Reveals::<Test>::iter_prefix(b).count(), 0);
        check_invariants();
    });
}

/// One read and one write at the mock's database weights.
fn db_read() -> Weight {
    <<Test as frame_system::Config>::DbWeight as frame_support::traits::Get<
        frame_support::weights::RuntimeDbWeight,
    >>::get()
    .reads(1)
}
fn db_write() -> Weight {
    <<Test as frame_system::Config>::DbWeight as frame_support::traits::Get<
        frame_support::weights::RuntimeDbWeight,
    >>::get()
    .writes(1)
}

/// The hook charges every slash beyond the one its benchmark includes per settled job, and
/// queueing a retired model for removal with its last job.
#[test]
fn hook_charges_every_slash_and_model_removal() {
    use crate::WeightInfo as _;
    type W = ();
    new_test_ext_with_workers(3).execute_with(|| {
        let id = request(genesis_model());
        for w in 1..=3u8 {
            assert_ok!(commit(w, id, &good()));
        }
        // The owner retires the model while the job is pending.
        assert_ok!(Inference::retire_model(
            RuntimeOrigin::signed(owner()),
            genesis_model()
        ));
        // Nobody reveals: the hook after the reveal deadline settles the job, slashing all
        // three workers for not revealing, and queues the model for removal.
        let at = Jobs::<Test>::get(id).expect("job").reveal_deadline + 1;
        run_to_block(at - 1);
        System::set_block_number(at);
        let used = Inference::process_queues(at);
        assert_eq!(slashes(id).len(), 3);
        assert!(crate::ModelsToRemove::<Test>::contains_key(genesis_model()));
        let expected = W::on_initialize_idle()
            .saturating_add(W::expire_jobs(0))
            .saturating_add(W::settle_jobs(1))
            .saturating_add(W::slash_worker().saturating_mul(2))
            .saturating_add(db_write())
            .saturating_add(W::prune_jobs(0));
        assert_eq!(used, expected);
        assert!(used.all_lte(Inference::hooks_weight_bound()));
        // With too little spare weight `on_idle` leaves it queued; with enough it removes it.
        let one = Inference::queued_removal_weight();
        let short = one
            .saturating_add(db_read())
            .saturating_sub(Weight::from_parts(1, 0));
        assert_eq!(
            Inference::on_idle(at, short),
            db_read(),
            "one removal does not fit beside the read"
        );
        assert!(Models::<Test>::get(genesis_model()).is_some());
        let _ = Inference::on_idle(at, one.saturating_add(db_read()));
        assert!(Models::<Test>::get(genesis_model()).is_none());
        check_invariants();
    });
}

#[test]
fn overtaken_commit_items_are_skipped() {
    new_test_ext_with_workers(3).execute_with(|| {
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
    new_test_ext().execute_with(|| {
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
    new_test_ext().execute_with(|| {
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
    new_test_ext().execute_with(|| {
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
fn one_wrong_worker_among_three_is_slashed() {
    new_test_ext().execute_with(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(commit(ws[1], id, &good()));
        assert_ok!(commit(ws[2], id, &bad()));
        let wrong_before = free(&acc(ws[2]));
        assert_ok!(reveal(ws[0], id, &good()));
        assert_ok!(reveal(ws[2], id, &bad()));
        assert_ok!(reveal(ws[1], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::WrongResult, MIN_BOND * 2 / 5)]
        );
        assert_eq!(bond(ws[2]), MIN_BOND * 2 - MIN_BOND * 2 / 5);
        assert_eq!(free(&acc(ws[2])), wrong_before, "wrong worker is not paid");
        // The unpaid worker fee goes back to the requester.
        assert_eq!(free(&requester()), INITIAL - FEE3 + 110);
        // The view names the agreeing workers.
        let view = Inference::job_view(id).expect("view");
        assert_eq!(view.agreed, vec![true, true, false]);
        check_invariants();
    });
}

#[test]
fn copying_a_revealed_answer_does_not_open_a_commitment() {
    // A lazy worker commits to junk, waits for the others to reveal, then tries to reveal the
    // correct answer: its commitment does not open, the reveal is refused, and it is slashed
    // for not revealing.
    new_test_ext().execute_with(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(commit(ws[1], id, &good()));
        assert_ok!(commit(ws[2], id, &bad()));
        assert_ok!(reveal(ws[0], id, &good()));
        assert_eq!(
            reveal(ws[2], id, &good()),
            Err(code(Error::<Test>::CommitmentMismatch))
        );
        assert_ok!(reveal(ws[1], id, &good()));
        run_to_block(2 + COMMIT_PERIOD + REVEAL_PERIOD);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::NoReveal, MIN_BOND * 2 / 10)]
        );
        check_invariants();
    });
}

#[test]
fn two_colluding_workers_are_a_majority() {
    // Documented boundary: with three replicas, two colluders form a majority and win; the
    // honest worker is the one slashed. Security relies on an honest majority of the draw.
    new_test_ext().execute_with(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(commit(ws[1], id, &bad()));
        assert_ok!(commit(ws[2], id, &bad()));
        assert_ok!(reveal(ws[0], id, &good()));
        assert_ok!(reveal(ws[1], id, &bad()));
        assert_ok!(reveal(ws[2], id, &bad()));
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(bad())
        );
        assert_eq!(
            slashes(id),
            vec![(ws[0], Offence::WrongResult, MIN_BOND * 2 / 5)]
        );
    });
    // With five replicas, two colluders are a minority and are slashed.
    new_test_ext().execute_with(|| {
        let (m, job) = register_and_upload(100, 11);
        let _ = (m, job);
        let five = ModelPolicy {
            execution: ExecutionPolicy::Exact,
            replicas: 5,
        };
        let (id5, chunks) = register(100, 12, five);
        let _ = chunks;
        // Make it active directly with the genesis schema for this check.
        Models::<Test>::mutate(id5, |m| {
            let m = m.as_mut().expect("model");
            m.status = ModelStatus::Active;
            m.info = Some(test_info());
        });
        let id = request(id5);
        let ws = workers_of(id);
        for (k, w) in ws.iter().enumerate() {
            let out = if k < 2 { bad() } else { good() };
            assert_ok!(commit(*w, id, &out));
        }
        for (k, w) in ws.iter().enumerate() {
            let out = if k < 2 { bad() } else { good() };
            let _ = reveal(*w, id, &out);
        }
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(good())
        );
        let mut s = slashes(id);
        s.sort_by_key(|x| x.0);
        let mut expected = vec![
            (ws[0], Offence::WrongResult, MIN_BOND * 2 / 5),
            (ws[1], Offence::WrongResult, MIN_BOND * 2 / 5),
        ];
        expected.sort_by_key(|x| x.0);
        assert_eq!(s, expected);
    });
}

#[test]
fn worker_that_never_reveals_is_slashed_less() {
    new_test_ext().execute_with(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(commit(ws[1], id, &good()));
        assert_ok!(commit(ws[2], id, &bad()));
        assert_ok!(reveal(ws[0], id, &good()));
        assert_ok!(reveal(ws[1], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Pending
        );
        run_to_block(2 + COMMIT_PERIOD + REVEAL_PERIOD);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::NoReveal, MIN_BOND * 2 / 10)]
        );
        check_invariants();
    });
}

#[test]
fn worker_that_never_commits_is_slashed_least() {
    new_test_ext().execute_with(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(commit(ws[1], id, &good()));
        run_to_block(2 + COMMIT_PERIOD);
        assert_ok!(reveal(ws[0], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Pending
        );
        assert_ok!(reveal(ws[1], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::NoCommit, MIN_BOND * 2 / 20)]
        );
        assert_eq!(free(&requester()), INITIAL - FEE3 + 110);
    });
}

#[test]
fn no_commitment_expires_with_full_refund() {
    new_test_ext().execute_with(|| {
        let id = request(genesis_model());
        run_to_block(1 + COMMIT_PERIOD);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Pending
        );
        run_to_block(2 + COMMIT_PERIOD);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Expired
        );
        assert!(has_event(Event::InferenceExpired { job_id: id }));
        assert_eq!(free(&requester()), INITIAL);
        assert_eq!(held(HoldReason::RequestFee, &requester()), 0);
        assert_eq!(slashes(id).len(), 3);
        check_invariants();
    });
}

#[test]
fn disagreement_is_inconclusive_with_full_refund() {
    new_test_ext().execute_with(|| {
        let id = request(tolerance_model());
        let ws = workers_of(id);
        let outs = [outputs(1.0, 1.0), outputs(2.0, 2.0), outputs(3.0, 3.0)];
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(commit(*w, id, o));
        }
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(reveal(*w, id, o));
        }
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Failed(FailureReason::Inconclusive)
        );
        assert!(has_event(Event::InferenceFailed {
            job_id: id,
            reason: FailureReason::Inconclusive
        }));
        assert!(slashes(id).is_empty(), "nobody is provably wrong");
        assert_eq!(free(&requester()), INITIAL);
        check_invariants();
    });
}

#[test]
fn tolerance_groups_close_outputs() {
    new_test_ext().execute_with(|| {
        let id = request(tolerance_model());
        let ws = workers_of(id);
        // abs tolerance 1e-2: 2.0 vs 2.001 agree, 2.5 does not.
        let outs = [outputs(2.0, 4.0), outputs(2.001, 4.001), outputs(2.5, 4.0)];
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(commit(*w, id, o));
        }
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(reveal(*w, id, o));
        }
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(outs[0].clone())
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::WrongResult, MIN_BOND * 2 / 5)]
        );
    });
}

#[test]
fn single_replica_request() {
    new_test_ext().execute_with(|| {
        let id = request(single_model());
        let ws = workers_of(id);
        assert_eq!(ws.len(), 1);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(reveal(ws[0], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(free(&requester()), INITIAL - (PRICE + 110));
    });
}

#[test]
fn slashed_below_minimum_is_removed() {
    new_test_ext_with_workers(2).execute_with(|| {
        assert_ok!(Inference::register_worker(
            RuntimeOrigin::signed(acc(7)),
            MIN_BOND
        ));
        let id = request(genesis_model());
        assert_ok!(commit(1, id, &good()));
        assert_ok!(commit(2, id, &good()));
        assert_ok!(commit(7, id, &bad()));
        assert_ok!(reveal(7, id, &bad()));
        assert_ok!(reveal(1, id, &good()));
        assert_ok!(reveal(2, id, &good()));
        assert_eq!(bond(7), MIN_BOND - MIN_BOND / 5);
        assert!(!ActiveWorkers::<Test>::get().contains(&acc(7)));
        assert_eq!(
            Workers::<Test>::get(acc(7)).expect("worker").status,
            WorkerStatus::Unbonding(1 + UNBONDING)
        );
        assert!(has_event(Event::WorkerRemoved {
            worker: acc(7),
            until: 1 + UNBONDING
        }));
        run_to_block(1 + UNBONDING);
        assert_ok!(Inference::withdraw_bond(RuntimeOrigin::signed(acc(7))));
        assert_eq!(free(&acc(7)), INITIAL - MIN_BOND / 5);
        check_invariants();
    });
}

#[test]
fn results_and_inputs_are_pruned() {
    let mut ext = new_test_ext();
    let id = ext.execute_with(|| {
        let id = request(genesis_model());
        for w in workers_of(id) {
            assert_ok!(commit(w, id, &good()));
        }
        assert_ok!(reveal(workers_of(id)[0], id, &good()));
        id
    });
    ext.persist_offchain_overlay();
    assert!(ext.offchain_db().get(&request_inputs_key(id)).is_some());
    ext.execute_with(|| {
        let prune_at = 1 + COMMIT_PERIOD + REVEAL_PERIOD + 1 + RETENTION;
        run_to_block(prune_at - 1);
        assert!(Results::<Test>::get(id).is_some());
        assert!(Inference::job_view(id).expect("view").result.is_some());
        run_to_block(prune_at);
        assert!(Results::<Test>::get(id).is_none());
        assert!(Jobs::<Test>::get(id).is_none());
        assert!(has_event(Event::JobPruned { job_id: id }));
        check_invariants();
    });
    ext.persist_offchain_overlay();
    assert!(ext.offchain_db().get(&request_inputs_key(id)).is_none());
}

#[test]
fn runtime_api_views() {
    new_test_ext().execute_with(|| {
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

#[test]
fn bounded_vec_inputs_limit() {
    new_test_ext().execute_with(|| {
        let too_long: Result<BoundedVec<u8, <Test as crate::Config>::MaxInputBytes>, _> =
            vec![0u8; 4097].try_into();
        assert!(too_long.is_err());
    });
}

#[test]
fn agreed_execution_failure_pays_workers_not_royalty() {
    new_test_ext().execute_with(|| {
        let id = request(genesis_model());
        let ws = workers_of(id);
        let before: Vec<Balance> = ws.iter().map(|w| free(&acc(*w))).collect();
        for w in &ws {
            assert_ok!(commit(*w, id, crate::EXECUTION_FAILED));
        }
        assert_ok!(reveal(ws[0], id, crate::EXECUTION_FAILED));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Failed(FailureReason::ExecutionFailed)
        );
        assert!(has_event(Event::InferenceFailed {
            job_id: id,
            reason: FailureReason::ExecutionFailed
        }));
        assert!(Results::<Test>::get(id).is_none());
        assert!(slashes(id).is_empty());
        for (w, b) in ws.iter().zip(before) {
            assert_eq!(free(&acc(*w)), b + 110);
        }
        assert_eq!(free(&owner()), INITIAL);
        assert_eq!(free(&requester()), INITIAL - 330);
        check_invariants();
    });
}

#[test]
fn execution_failure_only_agrees_with_itself_under_tolerance() {
    new_test_ext().execute_with(|| {
        let id = request(tolerance_model());
        let ws = workers_of(id);
        let outs = [
            crate::EXECUTION_FAILED.to_vec(),
            crate::EXECUTION_FAILED.to_vec(),
            good(),
        ];
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(commit(*w, id, o));
        }
        for (w, o) in ws.iter().zip(outs.iter()) {
            assert_ok!(reveal(*w, id, o));
        }
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Failed(FailureReason::ExecutionFailed)
        );
        assert_eq!(
            slashes(id),
            vec![(ws[2], Offence::WrongResult, MIN_BOND * 2 / 5)]
        );
    });
}

// ------------------------------------------------------------------ offchain worker

mod ocw {
    use super::*;
    use crate::{offchain::RESUBMIT_AFTER, Call, KEY_TYPE};
    use codec::Decode;
    use frame_support::traits::Hooks;
    use inferchain_primitives::host::{HostError, InferenceHostExt};
    use sp_core::offchain::{
        testing::{PoolState, TestOffchainExt, TestTransactionPoolExt},
        OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
    };
    use sp_core::Pair;
    use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
    use std::sync::{atomic::Ordering, Arc};

    type Pool = Arc<parking_lot::RwLock<PoolState>>;

    /// Test externalities with offchain, pool, keystore (keys of workers 1..=6) and, if given,
    /// the host double.
    fn ocw_ext(host: Option<FakeHost>) -> (sp_io::TestExternalities, Pool) {
        let (ext, pool, _) = ocw_ext_with_state(host);
        (ext, pool)
    }

    /// [`ocw_ext`], also returning the offchain state (clock, local storage).
    fn ocw_ext_with_state(
        host: Option<FakeHost>,
    ) -> (
        sp_io::TestExternalities,
        Pool,
        Arc<parking_lot::RwLock<sp_core::offchain::testing::OffchainState>>,
    ) {
        let mut ext = new_test_ext();
        let (offchain, state) = TestOffchainExt::with_offchain_db(ext.offchain_db());
        let (pool, pool_state) = TestTransactionPoolExt::new();
        let keystore = MemoryKeystore::new();
        for i in 1..=6u8 {
            let seed: String = [i; 32].iter().map(|b| format!("{b:02x}")).collect();
            keystore
                .insert(KEY_TYPE, &format!("0x{seed}"), pair(i).public().as_ref())
                .expect("inserts");
        }
        assert_eq!(keystore.sr25519_public_keys(KEY_TYPE).len(), 6);
        ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
        ext.register_extension(OffchainDbExt::new(offchain));
        ext.register_extension(TransactionPoolExt::new(pool));
        ext.register_extension(KeystoreExt::new(keystore));
        if let Some(h) = host {
            ext.register_extension(InferenceHostExt::new(h));
        }
        (ext, pool_state, state)
    }

    /// Transactions wait `SUBMIT_DELAY_MILLIS` for peers to import the block, unless the node
    /// recorded that it has no peers.
    #[test]
    fn submission_waits_for_peers_only_when_there_are_peers() {
        use crate::offchain::SUBMIT_DELAY_MILLIS;
        use inferchain_primitives::offchain_keys::NODE_PEERS_KEY;
        use sp_runtime::offchain::{storage::StorageValueRef, Timestamp};
        for (peers, delay) in [
            (None, SUBMIT_DELAY_MILLIS),
            (Some(2u32), SUBMIT_DELAY_MILLIS),
            (Some(0u32), 0),
        ] {
            let (mut ext, pool, state) = ocw_ext_with_state(Some(FakeHost::default()));
            let _ = ext.execute_with(|| request(genesis_model()));
            ext.persist_offchain_overlay();
            ext.execute_with(|| {
                if let Some(n) = peers {
                    StorageValueRef::persistent(NODE_PEERS_KEY).set(&n);
                }
                state.write().timestamp = Timestamp::from_unix_millis(10_000);
                Inference::offchain_worker(1);
                assert_eq!(drain(&pool).len(), 3, "three commits");
                assert_eq!(
                    state.read().timestamp,
                    Timestamp::from_unix_millis(10_000 + delay),
                    "peers {peers:?}"
                );
            });
        }
    }

    /// Takes the pool's transactions and decodes their pallet calls.
    fn drain(pool: &Pool) -> Vec<Call<Test>> {
        let txs = std::mem::take(&mut pool.write().transactions);
        txs.into_iter()
            .map(|tx| {
                let xt = Extrinsic::decode(&mut &tx[..]).expect("decodes");
                assert!(
                    matches!(xt.preamble, sp_runtime::generic::Preamble::General(..)),
                    "authorized transactions are general"
                );
                match xt.function {
                    RuntimeCall::Inference(call) => call,
                    other => panic!("unexpected call {other:?}"),
                }
            })
            .collect()
    }

    /// The worker index and item ids of a commit or reveal call.
    fn summary(call: &Call<Test>) -> (u8, Vec<u64>) {
        match call {
            Call::commit { worker, items, .. } => (
                idx(&Inference::account_of(worker)),
                items.iter().map(|(id, _)| *id).collect(),
            ),
            Call::reveal { worker, items, .. } => (
                idx(&Inference::account_of(worker)),
                items.iter().map(|(id, _)| *id).collect(),
            ),
            other => panic!("unexpected call {other:?}"),
        }
    }

    #[test]
    fn commits_once_then_reveals_and_completes() {
        let host = FakeHost::default();
        let calls = host.calls.clone();
        let (mut ext, pool) = ocw_ext(Some(host));
        let (a, b) = ext.execute_with(|| (request(genesis_model()), request(genesis_model())));
        ext.persist_offchain_overlay();
        ext.execute_with(|| {
            Inference::offchain_worker(1);
            let commits = drain(&pool);
            // One commit transaction per assigned local worker, batching both jobs.
            let mut expected: Vec<u8> = workers_of(a);
            expected.extend(workers_of(b));
            expected.sort();
            expected.dedup();
            assert_eq!(commits.len(), expected.len());
            for c in &commits {
                let (w, ids) = summary(c);
                let mut mine: Vec<u64> = [a, b]
                    .into_iter()
                    .filter(|id| workers_of(*id).contains(&w))
                    .collect();
                mine.sort();
                let mut ids = ids;
                ids.sort();
                assert_eq!(ids, mine);
                if let Call::commit { items, .. } = c {
                    for (_, h) in items.iter() {
                        assert_eq!(*h, commitment(w, &good()));
                    }
                }
            }
            let runs = calls.load(Ordering::SeqCst);
            assert_eq!(runs, 6, "each assigned worker ran each job once");
            // Running again in the same block and a few blocks later submits nothing new.
            Inference::offchain_worker(1);
            assert!(drain(&pool).is_empty());
            for c in commits {
                assert_eq!(submit(c), Ok(()));
            }
            run_to_block(2);
            Inference::offchain_worker(2);
            let reveals = drain(&pool);
            assert_eq!(reveals.len(), expected.len());
            assert_eq!(
                calls.load(Ordering::SeqCst),
                runs,
                "reveals use stored outputs"
            );
            let mut results = Vec::new();
            for r in reveals {
                results.push(submit(r));
            }
            assert!(results.iter().any(|r| r.is_ok()));
            // Once a job settled, remaining reveals for it are refused at the pool.
            for r in results.iter().filter(|r| r.is_err()) {
                assert!(matches!(r, Err(TxError::Pool(_))));
            }
            for id in [a, b] {
                assert_eq!(
                    Jobs::<Test>::get(id).expect("job").status,
                    JobStatus::Completed
                );
                assert_eq!(
                    Results::<Test>::get(id).map(|o| o.into_inner()),
                    Some(good())
                );
            }
            run_to_block(3);
            Inference::offchain_worker(3);
            assert!(drain(&pool).is_empty(), "nothing left to do");
            check_invariants();
        });
    }

    #[test]
    fn reveal_batches_are_split_at_the_byte_limit() {
        // Room for one output per reveal: a worker with two jobs sends two reveals in the same
        // block.
        crate::mock::RevealBatchBytes::set(good().len() as u32 + 1);
        let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
        let (a, b) = ext.execute_with(|| (request(genesis_model()), request(genesis_model())));
        ext.persist_offchain_overlay();
        ext.execute_with(|| {
            let both: Vec<u8> = workers_of(a)
                .into_iter()
                .filter(|w| workers_of(b).contains(w))
                .collect();
            assert!(
                !both.is_empty(),
                "three of few workers: some have both jobs"
            );
            Inference::offchain_worker(1);
            for c in drain(&pool) {
                assert_eq!(submit(c), Ok(()));
            }
            run_to_block(2);
            Inference::offchain_worker(2);
            let reveals = drain(&pool);
            let sent: Vec<(u8, Vec<u64>)> = reveals.iter().map(summary).collect();
            for (_, ids) in &sent {
                assert_eq!(ids.len(), 1, "one output per reveal batch");
            }
            for w in &both {
                assert_eq!(
                    sent.iter().filter(|(x, _)| x == w).count(),
                    2,
                    "worker {w} revealed both jobs in one block"
                );
            }
            for r in reveals {
                let _ = submit(r);
            }
            for id in [a, b] {
                assert_eq!(
                    Jobs::<Test>::get(id).map(|r| r.status),
                    Some(JobStatus::Completed)
                );
            }
        });
        crate::mock::RevealBatchBytes::set(1024 * 1024);
    }

    /// More pending items than `MaxBatch` go out in several transactions in the same block.
    #[test]
    fn commits_beyond_max_batch_are_sent_in_several_transactions() {
        let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
        let ids = ext.execute_with(|| {
            // 20 jobs of three replicas over six workers (MaxJobsPerBlock = 4 per deadline
            // slot: later jobs spill to the next four slots).
            (0..20)
                .map(|_| request(genesis_model()))
                .collect::<Vec<u64>>()
        });
        ext.persist_offchain_overlay();
        ext.execute_with(|| {
            Inference::offchain_worker(1);
            let commits = drain(&pool);
            let sent: Vec<(u8, Vec<u64>)> = commits.iter().map(summary).collect();
            let mut per_worker: std::collections::BTreeMap<u8, Vec<u64>> = Default::default();
            for (w, items) in &sent {
                assert!(items.len() <= 8, "at most MaxBatch items per transaction");
                per_worker.entry(*w).or_default().extend(items);
            }
            let mut all: Vec<u64> = per_worker.values().flatten().copied().collect();
            all.sort();
            let expected: Vec<u64> = ids.iter().flat_map(|id| [*id; 3]).collect();
            assert_eq!(
                all, expected,
                "every worker of every job commits, in this block"
            );
            assert!(
                per_worker.values().any(|v| v.len() > 8),
                "some worker had more than MaxBatch jobs"
            );
            for c in commits {
                assert_eq!(submit(c), Ok(()));
            }
        });
    }

    #[test]
    fn does_not_resubmit_before_timeout() {
        let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
        ext.execute_with(|| {
            let _ = request(genesis_model());
        });
        ext.persist_offchain_overlay();
        ext.execute_with(|| {
            Inference::offchain_worker(1);
            assert_eq!(drain(&pool).len(), 3);
            // The transactions were dropped: no resubmission before RESUBMIT_AFTER blocks.
            for b in 2..(1 + RESUBMIT_AFTER as u64).min(1 + COMMIT_PERIOD) {
                run_to_block(b);
                Inference::offchain_worker(b);
                assert!(drain(&pool).is_empty());
            }
        });
    }

    #[test]
    fn reveal_uses_outputs_stored_before_restart() {
        let host = FakeHost::default();
        let skew = host.skew.clone();
        let (mut ext, pool) = ocw_ext(Some(host));
        let id = ext.execute_with(|| request(genesis_model()));
        ext.persist_offchain_overlay();
        ext.execute_with(|| {
            Inference::offchain_worker(1);
            for c in drain(&pool) {
                assert_eq!(submit(c), Ok(()));
            }
        });
        // "Restart" with a backend that would now compute something else.
        *skew.lock().expect("not poisoned") = 1.0;
        ext.execute_with(|| {
            run_to_block(2);
            Inference::offchain_worker(2);
            let reveals = drain(&pool);
            assert_eq!(reveals.len(), 3);
            for r in reveals {
                let _ = submit(r);
            }
            assert_eq!(
                Results::<Test>::get(id).map(|o| o.into_inner()),
                Some(good())
            );
        });
    }

    #[test]
    fn without_backend_nothing_is_submitted() {
        let (mut ext, pool) = ocw_ext(None);
        ext.execute_with(|| {
            let _ = request(genesis_model());
        });
        ext.persist_offchain_overlay();
        ext.execute_with(|| {
            Inference::offchain_worker(1);
            assert!(drain(&pool).is_empty());
        });
    }

    #[test]
    fn execution_failures_are_committed_as_such() {
        let host = FakeHost {
            run_error: Some(HostError::Run(b"division by zero".to_vec())),
            ..Default::default()
        };
        let (mut ext, pool) = ocw_ext(Some(host));
        let id = ext.execute_with(|| request(genesis_model()));
        ext.persist_offchain_overlay();
        ext.execute_with(|| {
            Inference::offchain_worker(1);
            let commits = drain(&pool);
            assert_eq!(commits.len(), 3);
            for c in commits {
                let (w, _) = summary(&c);
                if let Call::commit { items, .. } = &c {
                    assert_eq!(items[0].1, commitment(w, crate::EXECUTION_FAILED));
                }
                assert_eq!(submit(c), Ok(()));
            }
            run_to_block(2);
            Inference::offchain_worker(2);
            for r in drain(&pool) {
                let _ = submit(r);
            }
            assert_eq!(
                Jobs::<Test>::get(id).expect("job").status,
                JobStatus::Failed(FailureReason::ExecutionFailed)
            );
        });
    }

    #[test]
    fn validates_uploaded_models() {
        let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
        let (model, job) = ext.execute_with(|| register_and_upload(100, 20));
        ext.persist_offchain_overlay();
        ext.execute_with(|| {
            Inference::offchain_worker(1);
            let commits = drain(&pool);
            assert_eq!(commits.len(), 3);
            for c in commits {
                assert_eq!(summary(&c).1, vec![job]);
                assert_eq!(submit(c), Ok(()));
            }
            run_to_block(2);
            Inference::offchain_worker(2);
            for r in drain(&pool) {
                let _ = submit(r);
            }
            assert_eq!(
                Models::<Test>::get(model).expect("model").status,
                ModelStatus::Active
            );
        });
    }

    #[test]
    fn uploaded_model_serves_requests_end_to_end() {
        let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
        let (model, _) = ext.execute_with(|| register_and_upload(100, 40));
        ext.persist_offchain_overlay();
        // Block 1-2: the committee validates the model through its offchain workers.
        ext.execute_with(|| {
            Inference::offchain_worker(1);
            for c in drain(&pool) {
                assert_eq!(submit(c), Ok(()));
            }
            run_to_block(2);
            Inference::offchain_worker(2);
            for r in drain(&pool) {
                let _ = submit(r);
            }
            assert_eq!(
                Models::<Test>::get(model).expect("model").status,
                ModelStatus::Active
            );
            run_to_block(3);
        });
        // Block 3: a request on the new model.
        let id = ext.execute_with(|| request(model));
        ext.persist_offchain_overlay();
        // Blocks 3-4: the assigned workers execute, commit, reveal; the request settles.
        ext.execute_with(|| {
            Inference::offchain_worker(3);
            let commits = drain(&pool);
            assert_eq!(commits.len(), 3);
            for c in commits {
                assert_eq!(submit(c), Ok(()));
            }
            run_to_block(4);
            Inference::offchain_worker(4);
            for r in drain(&pool) {
                let _ = submit(r);
            }
            assert_eq!(
                Jobs::<Test>::get(id).expect("job").status,
                JobStatus::Completed
            );
            assert_eq!(
                Results::<Test>::get(id).map(|o| o.into_inner()),
                Some(good())
            );
            // Owner: deposit held (600) and royalty received.
            assert_eq!(free(&owner()), INITIAL - 600 + PRICE);
            check_invariants();
        });
    }

    #[test]
    fn rejected_models_are_reported() {
        let host = FakeHost {
            validation_error: Some(HostError::Invalid(b"unsupported op".to_vec())),
            ..Default::default()
        };
        let (mut ext, pool) = ocw_ext(Some(host));
        let (model, _job) = ext.execute_with(|| register_and_upload(100, 21));
        ext.persist_offchain_overlay();
        ext.execute_with(|| {
            Inference::offchain_worker(1);
            for c in drain(&pool) {
                assert_eq!(submit(c), Ok(()));
            }
            run_to_block(2);
            Inference::offchain_worker(2);
            for r in drain(&pool) {
                let _ = submit(r);
            }
            assert_eq!(
                Models::<Test>::get(model).expect("model").status,
                ModelStatus::Rejected(RejectReason::Invalid)
            );
        });
    }
}

// ------------------------------------------------------------------ property tests

mod props {
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
        let validation =
            Jobs::<Test>::get(id).is_some_and(|r| matches!(r.kind, JobKind::Validation));
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
            new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
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
}

// ------------------------------------------------------------------ block limits

#[test]
fn worst_case_fits_in_a_block() {
    use crate::weights::{SubstrateWeight, WeightInfo};
    use frame_support::{
        traits::Get,
        weights::{constants::WEIGHT_REF_TIME_PER_SECOND, Weight},
    };
    type W = SubstrateWeight<Test>;
    type C = Test;
    // A standard solochain block: 2 s of computation, 5 MiB, 75% for normal transactions.
    let block = Weight::from_parts(2 * WEIGHT_REF_TIME_PER_SECOND, 5 * 1024 * 1024);
    let normal = Weight::from_parts(block.ref_time() / 4 * 3, block.proof_size() / 4 * 3);
    let batch: u32 = <C as crate::Config>::MaxBatch::get();
    let out: u32 = <C as crate::Config>::MaxOutputBytes::get();
    let jobs = <C as crate::Config>::MaxJobsPerBlock::get();
    let max_len = 5 * 1024 * 1024 / 4 * 3;
    // The largest reveal: every item settling its job, as many output bytes as a normal
    // block can carry, with its pool authorization.
    let settle = Inference::settle_weight_bound().saturating_mul(batch.into());
    let reveal = Inference::reveal_weight(batch, max_len, settle, 0)
        .saturating_add(W::authorize_reveal(batch))
        .saturating_add(
            W::authorize_reveal_bytes(max_len).saturating_sub(W::authorize_reveal_bytes(0)),
        );
    assert!(
        reveal.all_lte(normal),
        "reveal {reveal:?} exceeds {normal:?}"
    );
    // The hooks' worst case leaves most of the block to transactions.
    let hooks = W::on_initialize_idle()
        .saturating_add(W::expire_jobs(jobs))
        .saturating_add(W::settle_jobs(jobs))
        .saturating_add(W::prune_jobs(jobs));
    assert!(
        hooks.all_lte(block.saturating_sub(normal)),
        "hooks {hooks:?} too heavy"
    );
    let workers = <C as crate::Config>::MaxWorkers::get();
    let replicas = <C as crate::Config>::MaxReplicas::get();
    for w in [
        Inference::upload_final_chunk_weight(MAX_CHUNK_BYTES, workers),
        Inference::request_weight(
            <C as crate::Config>::MaxInputBytes::get(),
            workers,
            replicas,
            workers - replicas + crate::MAX_DEADLINE_SPILL,
        ),
        W::commit(batch).saturating_add(W::authorize_commit(batch)),
        W::register_model(inferchain_primitives::limits::MAX_CHUNKS),
        W::retire_model(inferchain_primitives::limits::MAX_CHUNKS),
    ] {
        assert!(w.all_lte(normal), "{w:?} exceeds {normal:?}");
    }
    // Lengths: the largest reveal batch and the largest chunk upload fit a normal block.
    new_test_ext().execute_with(|| {
        let max_len = 5 * 1024 * 1024 / 4 * 3;
        let items: Vec<(u64, Vec<u8>)> = (0..batch as u64)
            .map(|i| (i, vec![0u8; out as usize]))
            .collect();
        let call = RuntimeCall::Inference(reveal_call(1, items));
        assert!(call.encoded_size() < max_len);
        let upload = RuntimeCall::Inference(crate::Call::upload_chunk {
            model_id: H256::zero(),
            index: 0,
            bytes: chunk(vec![0u8; MAX_CHUNK_BYTES as usize]),
        });
        assert!(upload.encoded_size() < max_len);
    });
}

#[test]
fn genesis_config_json_round_trip() {
    let config = crate::GenesisConfig::<Test> {
        workers: vec![(acc(1), MIN_BOND)],
        models: vec![crate::GenesisModel::new(
            genesis_model(),
            owner(),
            b"double".to_vec(),
            10,
            vec![H256::repeat_byte(1)],
            &test_info(),
            exact(1),
            PRICE,
        )],
    };
    let json = serde_json::to_string(&config).expect("serializes");
    assert!(json.contains("\"chunkHashes\""), "{json}");
    assert!(json.contains("\"name\":\"0x646f75626c65\""), "{json}");
    let back: crate::GenesisConfig<Test> = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back.workers, config.workers);
    assert_eq!(back.models, config.models);
}

#[test]
fn request_id_overflow_is_an_error() {
    new_test_ext().execute_with(|| {
        crate::NextJobId::<Test>::put(u64::MAX);
        assert_noop!(
            Inference::request_inference(
                RuntimeOrigin::signed(requester()),
                genesis_model(),
                inputs(1.0, 2.0).try_into().expect("short"),
                FEE3
            ),
            Error::<Test>::Overflow
        );
    });
}

#[test]
fn reveal_batch_checks() {
    new_test_ext().execute_with(|| {
        let id = request(genesis_model());
        let w = workers_of(id)[0];
        assert_eq!(
            submit(reveal_call(w, vec![])),
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

#[test]
fn migration_v1_moves_requests_to_jobs() {
    use crate::migrations::v1::{MigrateV0ToV1, OLD_JOBS, OLD_NEXT_JOB_ID};
    use frame_support::{
        storage::migration::{get_storage_value, put_storage_value},
        traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
        StorageHasher, Twox64Concat,
    };
    new_test_ext().execute_with(|| {
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
                    | Event::FeesPaid { job_id, .. }
            ) if *job_id == id
        )
    })
}

#[test]
fn validation_outcomes_are_reported_by_model_events_only() {
    new_test_ext().execute_with(|| {
        // Activated.
        let (_, job) = register_and_upload(100, 40);
        let out = ValidationOutcome::Ok(test_info()).encode();
        for w in workers_of(job) {
            assert_ok!(commit(w, job, &out));
        }
        assert_ok!(reveal(workers_of(job)[0], job, &out));
        // Rejected with agreement.
        let (_, rejected) = register_and_upload(100, 41);
        let bad_model = ValidationOutcome::Err(ValidationFailure::Invalid).encode();
        for w in workers_of(rejected) {
            assert_ok!(commit(w, rejected, &bad_model));
        }
        assert_ok!(reveal(workers_of(rejected)[0], rejected, &bad_model));
        // Inconclusive: three different outcomes.
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
        run_to_block(1 + COMMIT_PERIOD + 1);
        for (w, o) in workers_of(split).into_iter().zip(outs.iter()) {
            assert_ok!(reveal(w, split, o));
        }
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
