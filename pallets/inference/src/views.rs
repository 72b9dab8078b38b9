//! Views: what the `InferenceApi` runtime API returns to clients and nodes — models, jobs,
//! fee quotes and a worker's pending work.

use crate::*;
use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;

impl<T: Config> Pallet<T> {
    /// Runtime API: a model.
    pub fn model_view(model_id: ModelId) -> Option<ModelView<T::AccountId, BalanceOf<T>>> {
        let m = Models::<T>::get(model_id)?;
        Some(ModelView {
            owner: m.owner,
            name: m.name.into_inner(),
            description: m.description.into_inner(),
            size: m.size,
            chunks: m.chunk_hashes.len() as u32,
            chunks_received: m.received_count,
            policy: m.policy,
            price: m.price,
            deposit: m.deposit,
            status: m.status,
            info: m.info,
            pending: m.pending,
        })
    }

    /// Runtime API: a job.
    pub fn job_view(id: JobId) -> Option<JobView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
        let r = Jobs::<T>::get(id)?;
        let escalation = Escalations::<T>::get(id);
        let requester = match &r.kind {
            JobKind::Inference { requester, .. } => Some(requester.clone()),
            JobKind::Validation => None,
        };
        Some(JobView {
            model_id: r.model_id,
            requester,
            fee: Self::held_fee(&r),
            workers: r.slots.iter().map(|s| s.worker.clone()).collect(),
            committed: r.slots.iter().map(|s| s.commitment.is_some()).collect(),
            revealed: r.slots.iter().map(|s| s.revealed).collect(),
            agreed: r.slots.iter().map(|s| s.agreed).collect(),
            created: r.created,
            commit_deadline: r.commit_deadline,
            reveal_deadline: r.reveal_deadline,
            status: r.status,
            result: Results::<T>::get(id).map(|o| o.into_inner()),
            challenge_deadline: Self::challenge_deadline(id, &r),
            challenger: Challenges::<T>::get(id).map(|(who, _)| who),
            validators: escalation
                .as_ref()
                .map(|e| e.slots.iter().map(|s| s.worker.clone()).collect())
                .unwrap_or_default(),
            validators_agreed: escalation
                .as_ref()
                .map(|e| e.slots.iter().map(|s| s.agreed).collect())
                .unwrap_or_default(),
        })
    }

    /// Runtime API: fee quote for `input_len` bytes of inputs on an active model.
    pub fn quote(model_id: ModelId, input_len: u32) -> Option<FeeQuote<BalanceOf<T>>> {
        let m = Models::<T>::get(model_id)?;
        if m.status != ModelStatus::Active {
            return None;
        }
        Self::quote_model(&m, input_len)
    }

    /// Runtime API: jobs assigned to `worker` that are not final, and what it has to do now.
    pub fn pending_work(worker: &T::AccountId) -> Vec<PendingWork<BlockNumberFor<T>>> {
        let now = frame_system::Pallet::<T>::block_number();
        Self::live_jobs(now)
            .into_iter()
            .filter_map(|id| {
                let round = crate::commit_reveal::Round::<T>::load(id).ok()?;
                if !matches!(round.job.status, JobStatus::Pending | JobStatus::Escalated) {
                    return None;
                }
                let slot = round.slots().iter().find(|s| &s.worker == worker)?;
                let (next, deadline) = if slot.commitment.is_none() && round.commit_open(now) {
                    (WorkKind::Commit, round.commit_deadline())
                } else if slot.commitment.is_some() && !slot.revealed && round.reveal_open(now) {
                    (WorkKind::Reveal, round.reveal_deadline())
                } else {
                    (WorkKind::Wait, round.reveal_deadline())
                };
                Some(PendingWork {
                    job_id: id,
                    model_id: round.job.model_id,
                    validation: matches!(round.job.kind, JobKind::Validation),
                    next,
                    deadline,
                })
            })
            .collect()
    }
}

/// Runtime API view of a model.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ModelView<AccountId, Balance> {
    /// Owner.
    pub owner: AccountId,
    /// Name.
    pub name: Vec<u8>,
    /// Description.
    pub description: Vec<u8>,
    /// Size in bytes.
    pub size: u32,
    /// Number of chunks declared.
    pub chunks: u32,
    /// Number of chunks uploaded.
    pub chunks_received: u32,
    /// Policy.
    pub policy: ModelPolicy,
    /// Royalty per request.
    pub price: Balance,
    /// Deposit held.
    pub deposit: Balance,
    /// Life-cycle state.
    pub status: ModelStatus,
    /// Schema and cost once active.
    pub info: Option<ModelInfo>,
    /// Requests not final yet.
    pub pending: u32,
}

/// Runtime API view of a job.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct JobView<AccountId, Balance, BlockNumber> {
    /// The model.
    pub model_id: ModelId,
    /// The requester, `None` for a validation job.
    pub requester: Option<AccountId>,
    /// Total fee held from the requester.
    pub fee: Balance,
    /// Assigned workers.
    pub workers: Vec<AccountId>,
    /// Which workers committed (same order as `workers`).
    pub committed: Vec<bool>,
    /// Which workers revealed (same order as `workers`).
    pub revealed: Vec<bool>,
    /// Which workers agree with the (provisional or final) result (same order as
    /// `workers`; all `false` until the committee round ends).
    pub agreed: Vec<bool>,
    /// Created in this block.
    pub created: BlockNumber,
    /// Last block for commitments.
    pub commit_deadline: BlockNumber,
    /// Last block for reveals.
    pub reveal_deadline: BlockNumber,
    /// State.
    pub status: JobStatus,
    /// The agreed outputs (canonical encoding) while retained: provisional while the status
    /// is `Provisional`, final once `Completed`.
    pub result: Option<Vec<u8>>,
    /// Last block in which the provisional result can be challenged.
    pub challenge_deadline: BlockNumber,
    /// Who challenged the result, until the verdict.
    pub challenger: Option<AccountId>,
    /// The validators re-executing (or that re-executed) an escalated job.
    pub validators: Vec<AccountId>,
    /// Which validators revealed the verdict (same order as `validators`).
    pub validators_agreed: Vec<bool>,
}

/// What a worker has to do for a job, as reported by the runtime API.
#[derive(Encode, Decode, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub enum WorkKind {
    /// Execute and commit.
    Commit,
    /// Reveal the committed outputs.
    Reveal,
    /// Nothing to do now (already committed and reveals are not open yet, or done).
    Wait,
}

/// A job assigned to a worker, as reported by the runtime API.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct PendingWork<BlockNumber> {
    /// The job.
    pub job_id: JobId,
    /// The model.
    pub model_id: ModelId,
    /// Whether it is a validation (`true`) or an inference.
    pub validation: bool,
    /// What the worker has to do now.
    pub next: WorkKind,
    /// Deadline of the next step.
    pub deadline: BlockNumber,
}
