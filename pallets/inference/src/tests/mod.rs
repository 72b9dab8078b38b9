//! Unit tests of the inference pallet on the mock runtime, one file per protocol concern, named
//! after the module it tests. Tests run in `ExtBuilder::build_and_execute`, which checks the
//! storage invariants (`try_state.rs`) when the test ends, and `run_to_block` checks them after
//! every block; the few tests that read the offchain database between steps (and the offchain
//! worker's and property tests) build the externalities themselves and check the invariants
//! explicitly.

use crate::{
    mock::*, ActiveWorkers, CommitBatchOf, Error, Event, FailureReason, HoldReason, Job, JobKind,
    JobStatus, Jobs, ModelPolicy, ModelStatus, Models, NextJobId, Offence, RejectReason, Results,
    RevealBatchOf, RevealOf, ValidationFailure, ValidationOutcome, WorkerStatus, Workers,
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
    ExecutionPolicy, ModelId, Reveal,
};
use sp_core::H256;
use sp_runtime::{
    transaction_validity::{InvalidTransaction, TransactionValidityError},
    DispatchError,
};

mod commit_reveal;
mod committee;
mod disputes;
mod escrow;
mod genesis;
mod jobs;
mod migrations;
mod offchain;
mod registry;
mod settlement;
mod try_state;
mod views;
mod weights_ext;
mod workers;

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

/// What a test worker reveals: output bytes, or [`FAILED`].
pub trait TestReveal {
    /// The typed reveal.
    fn to_reveal(&self) -> RevealOf<Test>;
}

impl TestReveal for [u8] {
    fn to_reveal(&self) -> RevealOf<Test> {
        Reveal::Outputs(self.to_vec().try_into().expect("within MaxOutputBytes"))
    }
}

impl<const N: usize> TestReveal for [u8; N] {
    fn to_reveal(&self) -> RevealOf<Test> {
        self.as_slice().to_reveal()
    }
}

impl TestReveal for Vec<u8> {
    fn to_reveal(&self) -> RevealOf<Test> {
        self.as_slice().to_reveal()
    }
}

impl TestReveal for RevealOf<Test> {
    fn to_reveal(&self) -> RevealOf<Test> {
        self.clone()
    }
}

/// An execution failure, as a test worker reveals it.
pub struct Failed;

/// [`Failed`]: the model could not be executed on the job's inputs.
pub const FAILED: Failed = Failed;

impl TestReveal for Failed {
    fn to_reveal(&self) -> RevealOf<Test> {
        Reveal::ExecutionFailed
    }
}

/// A signed reveal call of test worker `i`.
pub fn reveal_call<R: TestReveal>(i: u8, items: Vec<(u64, R)>) -> crate::Call<Test> {
    let items: RevealBatchOf<Test> = items
        .into_iter()
        .map(|(id, r)| (id, r.to_reveal()))
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
pub fn commitment(i: u8, out: &(impl TestReveal + ?Sized)) -> H256 {
    out.to_reveal().commitment(&acc(i).encode())
}

/// Commits worker `i` to `out` on job `id`.
pub fn commit(i: u8, id: u64, out: &(impl TestReveal + ?Sized)) -> Result<(), TxError> {
    submit(commit_call(i, vec![(id, commitment(i, out))]))
}

/// Reveals `out` for worker `i` on job `id`.
pub fn reveal(i: u8, id: u64, out: &(impl TestReveal + ?Sized)) -> Result<(), TxError> {
    submit(reveal_call(i, vec![(id, out.to_reveal())]))
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
pub const FEE3: Balance = PRICE + 3 * WORKER_FEE;

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
    let (chunks, hashes) = crate::testing_utils::chunked(&bytes).expect("within MAX_CHUNKS");
    (
        inferchain_primitives::model_id(&bytes),
        chunks,
        hashes.into_inner(),
    )
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

/// One read and one write at the mock's database weights.
pub fn db_read() -> Weight {
    <<Test as frame_system::Config>::DbWeight as frame_support::traits::Get<
        frame_support::weights::RuntimeDbWeight,
    >>::get()
    .reads(1)
}

pub fn db_write() -> Weight {
    <<Test as frame_system::Config>::DbWeight as frame_support::traits::Get<
        frame_support::weights::RuntimeDbWeight,
    >>::get()
    .writes(1)
}

// ------------------------------------------------------------------ disputes helpers

/// The first block at which job `id`'s provisional result is final: the block after its
/// challenge deadline.
pub fn final_block(id: u64) -> u64 {
    Inference::challenge_deadline(id, &Jobs::<Test>::get(id).expect("job")) + 1
}

/// Runs to the block at which job `id`'s provisional result becomes final.
pub fn run_to_final(id: u64) {
    run_to_block(final_block(id));
}

/// Commits and reveals `out` for every committee member of job `id`: the job becomes
/// provisional.
pub fn unanimous(id: u64, out: &(impl TestReveal + ?Sized)) {
    let ws = workers_of(id);
    for w in &ws {
        assert_ok!(commit(*w, id, out));
    }
    // Under exact comparison one reveal opens every matching commitment: reveal until the
    // job is settled.
    for w in &ws {
        if Jobs::<Test>::get(id).expect("job").status != JobStatus::Pending {
            break;
        }
        assert_ok!(reveal(*w, id, out));
    }
    assert_eq!(
        Jobs::<Test>::get(id).expect("job").status,
        JobStatus::Provisional
    );
}

/// The committee of validation job `job` agrees on `out` and the outcome becomes final.
pub fn validate(job: u64, out: &[u8]) {
    unanimous(job, &out.to_vec());
    run_to_final(job);
}

/// Makes test workers `ws` the validator set.
pub fn set_validator_workers(ws: &[u8]) {
    set_validators(ws.iter().map(|w| acc(*w)).collect());
}

/// Runs blocks until the validators' round of escalated job `id` has started; returns the
/// round.
pub fn run_to_escalation_start(id: u64) -> crate::Escalation<Test> {
    for _ in 0..100 {
        if let Some(e) = crate::Escalations::<Test>::get(id) {
            return e;
        }
        run_to_block(System::block_number() + 1);
    }
    panic!("escalation of job {id} never started");
}

/// Runs the validators' round of escalated job `id`: each `(validator, reveal)` commits, then
/// reveals after the commit deadline; runs to the verdict block.
pub fn run_escalation<R: TestReveal>(id: u64, votes: &[(u8, R)]) {
    let esc = run_to_escalation_start(id);
    for (v, r) in votes {
        assert_ok!(commit(*v, id, r));
    }
    run_to_block(esc.commit_deadline + 1);
    for (v, r) in votes {
        assert_ok!(reveal(*v, id, r));
    }
    run_to_block(esc.reveal_deadline + 1);
    assert!(
        Jobs::<Test>::get(id).expect("job").status.is_final(),
        "the verdict is applied in the block after the reveal deadline"
    );
}

/// Runs the validators' round on escalated job `id`, every validator of the round revealing
/// `out`; returns them.
pub fn validators_confirm<R: TestReveal + Clone>(id: u64, out: &R) -> Vec<u8> {
    let esc = run_to_escalation_start(id);
    let vs: Vec<u8> = esc.slots.iter().map(|s| idx(&s.worker)).collect();
    let votes: Vec<(u8, R)> = vs.iter().map(|v| (*v, out.clone())).collect();
    run_escalation(id, &votes);
    vs
}

/// The genesis workers (of `1..=n`) that are not on job `id`'s committee.
pub fn others_of(id: u64, n: u8) -> Vec<u8> {
    let ws = workers_of(id);
    (1..=n).filter(|w| !ws.contains(w)).collect()
}

/// The default genesis workers `1..=6` that are not on job `id`'s committee.
pub fn others(id: u64) -> Vec<u8> {
    others_of(id, 6)
}

/// Checks that no balance was created or lost: every account's total (held included) adds up
/// to the total issuance, which fell from `issuance` by exactly what the slash sink burned.
pub fn assert_conserved(issuance: Balance) {
    let accounts: Vec<AccountId> = (1..=10)
        .map(acc)
        .chain([owner(), requester(), pauper()])
        .collect();
    let total: Balance = accounts.iter().map(Balances::total_balance).sum();
    assert_eq!(Balances::total_issuance(), issuance - burned());
    assert_eq!(total, Balances::total_issuance());
}
