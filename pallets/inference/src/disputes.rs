//! Disputes: provisional results, challenges, and the validators' re-execution that decides
//! them.
//!
//! ## Trust model
//! A result is *provisional* only when the whole committee stands behind it (`settlement.rs`):
//! every member revealed an agreeing output (or, under exact comparison, committed to it).
//! Nobody is paid until it is final, [`Config::ChallengePeriod`] blocks after it became
//! provisional (at the latest after the job's reveal deadline). Anything less **escalates**
//! the job: a disagreement among the committee's reveals, a member that did not commit or
//! reveal (whoever kept it away: an honest member censored or offline cannot let a colluding
//! rest through unchecked), or a challenge by any account within the window (`challenge`,
//! holding [`Config::ChallengeBond`]). Every validator then re-executes the job through the
//! same commit–reveal protocol, and the output revealed by **more than two thirds of the
//! validator set** is the verdict. So a wrong result becomes final only if the whole committee
//! colludes *and* nobody challenges, or more than a third of the validators are faulty (the
//! assumption GRANDPA's finality already makes). One honest committee member, or one honest
//! watcher, suffices to bring a wrong result before the validators. A committee whose members
//! all stayed away (nothing revealed) has no result to judge: the job fails and the requester
//! is refunded, so nobody gets an answer for free.
//!
//! **Validators' worker accounts.** [`Config::Validators`] lists them; Inferchain's runtime
//! maps each Aura authority to the account of its Aura (sr25519) key, so a validator runs its
//! worker under the same key, inserted as its `infr` key too (the dev nodes do this). A
//! validator that is not a registered worker cannot be slashed and counts as absent.
//!
//! ## Outcome of an escalation (applied by `Pallet::decide`)
//! - **Verdict** (an output revealed by more than 2/3 of the validator set, compared under the
//!   model's policy; under a tolerance, the median of their outputs): everyone whose reveal
//!   differs from it (committee members and validators alike) is slashed
//!   [`Config::WrongResultSlash`], everyone who did not reveal is slashed as for not revealing
//!   or not committing. The requester pays exactly the quote: the committee
//!   members that agree with the verdict get their fee, the fees of the others go in equal
//!   shares to the validators that agree with it, the royalty goes to the owner (refunded if
//!   the verdict is an execution failure). A challenge *stands* when the verdict finds a
//!   committee member wrong (the provisional result is overturned): the slashed stake is
//!   distributed, the challenger getting its bond back and [`Config::ChallengerReward`] of it,
//!   the requester [`Config::RequesterCompensation`] of it, the rest going to
//!   [`Config::OnSlash`]. Otherwise the challenger loses its bond, in equal shares, to the
//!   committee members it accused.
//! - **No supermajority**: the job fails (`NoSupermajority`), the requester is refunded in
//!   full, a challenger gets its bond back, and only the absent are slashed.
//! - **Model validations** are disputed the same way (their outcome, compared exactly, is the
//!   encoded [`ValidationOutcome`]: the model's schema and cost, or why it is rejected), so a
//!   committee cannot activate a model with a cost below its real one, nor reject a good
//!   model, unchecked. The verdict activates or rejects the model; a rejection pays
//!   [`Config::RejectionFee`] of the deposit to the agreeing committee members and, for the
//!   shares of the others, the agreeing validators (`escrow.rs`). There is no quote to pay and
//!   no requester to compensate: the owner may be the one who bought a wrong outcome. Without
//!   a supermajority the model is rejected as inconclusive with its whole deposit returned,
//!   and its owner may start a new validation.
//!
//! ## Bounded work
//! Escalated jobs wait in a FIFO backlog ([`EscalationBacklog`]); at most
//! [`Config::MaxEscalationsPerBlock`] start per block, each with the validators' commit and
//! reveal periods ([`Config::CommitPeriod`], [`Config::RevealPeriod`]) and its verdict in the
//! block after its reveal deadline ([`VerdictQueue`]), so each block starts and decides at most
//! that many. While the backlog holds [`Config::MaxEscalationBacklog`] jobs, new requests are
//! refused; escalations by disagreement and challenges are always queued (at most one per live
//! job), so an attacker who fills the backlog cannot make a result unchallengeable.

use crate::*;
use frame_support::traits::{
    fungible::{Balanced, BalancedHold, MutateHold},
    Imbalance, OnUnbalanced,
};
use inferchain_primitives::agreement;
use sp_runtime::traits::UniqueSaturatedInto;

impl<T: Config> Pallet<T> {
    /// Challenges the provisional result of job `id`: holds the challenge bond from
    /// `challenger` and escalates the job. Returns the bond.
    pub(crate) fn do_challenge(
        challenger: &T::AccountId,
        id: JobId,
    ) -> Result<BalanceOf<T>, DispatchError> {
        let job = Jobs::<T>::get(id).ok_or(Error::<T>::JobNotFound)?;
        ensure!(
            job.status == JobStatus::Provisional,
            Error::<T>::NotChallengeable
        );
        let now = frame_system::Pallet::<T>::block_number();
        ensure!(
            now <= Self::challenge_deadline(id, &job),
            Error::<T>::ChallengeWindowClosed
        );
        // Never refused for a full backlog: whoever filled it must not be able to make a wrong
        // result unchallengeable. The backlog stays bounded: each live job escalates once.
        let bond = T::ChallengeBond::get();
        T::Currency::hold(&HoldReason::ChallengeBond.into(), challenger, bond)
            .map_err(|_| Error::<T>::InsufficientBalance)?;
        Challenges::<T>::insert(id, (challenger.clone(), bond));
        Self::escalate(id, job, EscalationCause::Challenge);
        Ok(bond)
    }

    /// Most blocks from a job's creation to the validators' verdict on it: the committee's
    /// round ([`Pallet::longest_job`]), the challenge window, the wait in the backlog and the
    /// validators' round. The backlog holds at most [`Config::MaxEscalationBacklog`] jobs plus
    /// every job in flight when it filled (new requests are refused from then on), and
    /// [`Config::MaxEscalationsPerBlock`] of them start each block.
    /// [`Config::UnbondingPeriod`] outlasts it (integrity test), so no worker withdraws its
    /// bond before a verdict that may slash it.
    pub fn longest_dispute() -> BlockNumberFor<T> {
        let in_flight = Self::longest_job().saturating_add(T::ChallengePeriod::get());
        let in_flight_blocks: u32 = in_flight.unique_saturated_into();
        let backlog = T::MaxEscalationBacklog::get()
            .saturating_add(T::MaxJobsPerBlock::get().saturating_mul(in_flight_blocks));
        let wait = backlog.div_ceil(T::MaxEscalationsPerBlock::get().max(1));
        in_flight
            .saturating_add(wait.into())
            .saturating_add(T::CommitPeriod::get())
            .saturating_add(T::RevealPeriod::get())
            .saturating_add(1u32.into())
    }

    /// Last block in which job `id`'s provisional result can be challenged; it becomes final in
    /// the next block's `on_initialize` unless challenged.
    pub fn challenge_deadline(id: JobId, job: &Job<T>) -> BlockNumberFor<T> {
        ChallengeDeadlines::<T>::get(id).unwrap_or_else(|| job.challenge_deadline())
    }

    /// The jobs that are provisional after block `now` and can still be challenged in the next
    /// block, earliest challenge deadline first: what a watcher checks (`offchain/watch.rs`).
    /// Reads the finality slots a provisional job can be queued in (up to
    /// [`Pallet::longest_job`] plus the challenge period ahead) and their jobs; for offchain
    /// use only.
    pub fn challengeable_jobs(now: BlockNumberFor<T>) -> Vec<(JobId, Job<T>)> {
        let next = now.saturating_add(1u32.into());
        let last = next
            .saturating_add(Self::longest_job())
            .saturating_add(T::ChallengePeriod::get());
        let mut found: Vec<(BlockNumberFor<T>, JobId, Job<T>)> = Vec::new();
        let mut at = now;
        while at < last {
            at = at.saturating_add(1u32.into());
            for id in FinalityQueue::<T>::get(at) {
                if found.iter().any(|(_, seen, _)| *seen == id) {
                    continue;
                }
                let Some(job) = Jobs::<T>::get(id) else {
                    continue;
                };
                let deadline = Self::challenge_deadline(id, &job);
                if job.status == JobStatus::Provisional && deadline >= next {
                    found.push((deadline, id, job));
                }
            }
        }
        found.sort_by_key(|(deadline, id, _)| (*deadline, *id));
        found.into_iter().map(|(_, id, job)| (id, job)).collect()
    }

    /// Schedules the finality of job `id`, provisional in block `now`: `ChallengePeriod`
    /// blocks from now if that is before the reserved slot and the finality slot of that block
    /// has room (its reserved entries were all queued before: see [`FinalityQueue`]),
    /// otherwise the reserved slot. Returns the challenge deadline.
    pub(crate) fn schedule_finality(
        id: JobId,
        job: &Job<T>,
        now: BlockNumberFor<T>,
    ) -> BlockNumberFor<T> {
        let reserved = job.challenge_deadline();
        let early = now.saturating_add(T::ChallengePeriod::get());
        if early < reserved
            && FinalityQueue::<T>::try_mutate(early.saturating_add(1u32.into()), |q| q.try_push(id))
                .is_ok()
        {
            ChallengeDeadlines::<T>::insert(id, early);
            return early;
        }
        reserved
    }

    /// Whether the escalation backlog is at [`Config::MaxEscalationBacklog`].
    pub fn backlog_full() -> bool {
        let (first, end) = BacklogRange::<T>::get();
        end.wrapping_sub(first) >= T::MaxEscalationBacklog::get()
    }

    /// Marks job `id` escalated and queues it for the validators.
    pub(crate) fn escalate(id: JobId, mut job: Job<T>, cause: EscalationCause) {
        // The verdict schedules the job's pruning (`close_escalation`): it may come
        // after the slot reserved at the request.
        PruneQueue::<T>::mutate(Self::reserved_prune_slot(&job), |q| q.retain(|j| *j != id));
        job.status = JobStatus::Escalated;
        Jobs::<T>::insert(id, job);
        BacklogRange::<T>::mutate(|(_, end)| {
            EscalationBacklog::<T>::insert(*end, id);
            *end = end.wrapping_add(1);
        });
        Self::deposit_event(Event::JobEscalated { job_id: id, cause });
    }

    /// Starts the validators' round of up to [`Config::MaxEscalationsPerBlock`] queued
    /// escalations, oldest first. Returns how many it started and the validator count.
    pub(crate) fn start_escalations(now: BlockNumberFor<T>) -> (u32, u32) {
        let (mut first, end) = BacklogRange::<T>::get();
        if first == end {
            // Nothing queued: the validator set is not read.
            return (0, 0);
        }
        let validators = Self::validator_slots();
        let count = validators.len() as u32;
        let mut started: u32 = 0;
        while first != end && started < T::MaxEscalationsPerBlock::get() {
            let id = EscalationBacklog::<T>::take(first);
            first = first.wrapping_add(1);
            let Some(id) = id else {
                defensive!("the backlog range holds only queued entries");
                continue;
            };
            match Jobs::<T>::get(id) {
                Some(job) if job.status == JobStatus::Escalated => {
                    Self::start_escalation(id, &job, validators.clone(), now);
                    started = started.saturating_add(1);
                }
                _ => {
                    defensive!("a queued escalation stays escalated until it starts");
                }
            }
        }
        BacklogRange::<T>::put((first, end));
        (started, count)
    }

    /// The validators' worker accounts, one slot each (duplicates removed, at most
    /// [`Config::MaxValidators`]).
    fn validator_slots() -> BoundedVec<Slot<T>, T::MaxValidators> {
        let mut accounts: Vec<T::AccountId> = Vec::new();
        for v in T::Validators::get() {
            if !accounts.contains(&v) {
                accounts.push(v);
            }
        }
        if accounts.len() > T::MaxValidators::get() as usize {
            defensive!("the runtime keeps the validator set within MaxValidators");
        }
        BoundedVec::truncate_from(
            accounts
                .into_iter()
                .map(|worker| Slot {
                    worker,
                    commitment: None,
                    revealed: false,
                    agreed: false,
                })
                .collect(),
        )
    }

    /// Starts the validators' round of job `id`: moves the committee's reveals into the
    /// escalation record and schedules the verdict.
    fn start_escalation(
        id: JobId,
        job: &Job<T>,
        slots: BoundedVec<Slot<T>, T::MaxValidators>,
        now: BlockNumberFor<T>,
    ) {
        let cause = Self::escalation_cause(id, job);
        let provisional = match cause {
            EscalationCause::Challenge => Self::provisional_reveal(id),
            _ => None,
        };
        let stored: Vec<Option<RevealOf<T>>> = job
            .slots
            .iter()
            .map(|s| Reveals::<T>::take(id, &s.worker))
            .collect();
        // Under exact comparison a committed member whose commitment another member's reveal
        // (or the unanimous one) opens has, in effect, revealed that output.
        let opened = |s: &Slot<T>| -> Option<RevealOf<T>> {
            if Self::policy_of(job) != ExecutionPolicy::Exact {
                return None;
            }
            let commitment = s.commitment?;
            stored
                .iter()
                .flatten()
                .chain(provisional.iter())
                .find(|r| r.commitment(&s.worker.encode()) == commitment)
                .cloned()
        };
        let committee_reveals = BoundedVec::truncate_from(
            job.slots
                .iter()
                .zip(stored.iter())
                .map(|(s, r)| r.clone().or_else(|| opened(s)))
                .collect(),
        );
        let commit_deadline = now.saturating_add(T::CommitPeriod::get());
        let reveal_deadline = commit_deadline.saturating_add(T::RevealPeriod::get());
        let verdict_at = reveal_deadline.saturating_add(1u32.into());
        // At most `MaxEscalationsPerBlock` start per block, all with the same periods.
        if VerdictQueue::<T>::try_mutate(verdict_at, |q| q.try_push(id)).is_err() {
            defensive!("at most MaxEscalationsPerBlock escalations start per block");
        }
        let validators: Vec<T::AccountId> = slots.iter().map(|s| s.worker.clone()).collect();
        Escalations::<T>::insert(
            id,
            Escalation {
                cause,
                slots,
                committee_reveals,
                started: now,
                commit_deadline,
                reveal_deadline,
            },
        );
        Self::deposit_event(Event::EscalationStarted {
            job_id: id,
            validators,
            reveal_deadline,
        });
    }

    /// Why job `id`, escalated and not yet started, was escalated: a challenge holds a bond in
    /// [`Challenges`]; otherwise the committee members marked `agreed` are those whose
    /// agreeing outputs an absent member left short of a provisional result (`settlement.rs`),
    /// and none are marked after a disagreement.
    pub(crate) fn escalation_cause(id: JobId, job: &Job<T>) -> EscalationCause {
        if Challenges::<T>::contains_key(id) {
            EscalationCause::Challenge
        } else if job.slots.iter().any(|s| s.agreed) {
            EscalationCause::Absence
        } else {
            EscalationCause::Disagreement
        }
    }

    /// The provisional result of job `id` as a reveal: its outputs, or an execution failure
    /// when the committee agreed on one (no stored result). Meaningful only for jobs that
    /// were provisional.
    pub fn provisional_reveal(id: JobId) -> Option<RevealOf<T>> {
        let job = Jobs::<T>::get(id)?;
        if !job.slots.iter().any(|s| s.agreed) {
            return None;
        }
        Some(match Results::<T>::get(id) {
            Some(outputs) => Reveal::Outputs(outputs),
            None => Reveal::ExecutionFailed,
        })
    }

    /// Decides the escalated jobs of the verdict queue of block `now`. Returns how many it
    /// decided.
    pub(crate) fn decide_escalations(now: BlockNumberFor<T>) -> u32 {
        let mut decided: u32 = 0;
        for id in VerdictQueue::<T>::take(now) {
            let (Some(job), Some(esc)) = (Jobs::<T>::get(id), Escalations::<T>::get(id)) else {
                defensive!("a queued verdict's job and escalation exist until it is decided");
                continue;
            };
            if job.status != JobStatus::Escalated {
                defensive!("an escalated job stays escalated until its verdict");
                continue;
            }
            Self::decide(id, job, esc);
            decided = decided.saturating_add(1);
        }
        decided
    }

    /// Applies the validators' verdict on job `id` (see the [module documentation](self)).
    pub(crate) fn decide(id: JobId, mut job: Job<T>, mut esc: Escalation<T>) {
        let now = frame_system::Pallet::<T>::block_number();
        let challenge = Challenges::<T>::take(id);
        // The validators' reveals.
        let mut reveals: Vec<(usize, RevealOf<T>)> = Vec::new();
        for (i, s) in esc.slots.iter().enumerate().filter(|(_, s)| s.revealed) {
            if let Some(r) = Reveals::<T>::take(id, &s.worker) {
                reveals.push((i, r));
            }
        }
        let verdict = Self::largest_group(&job, &esc.slots, &reveals).and_then(|(r, members)| {
            let n = members.iter().filter(|m| **m).count();
            agreement::is_supermajority(n, esc.slots.len()).then_some((r, members))
        });
        let judge = job.clone();
        let mut pot: CreditOf<T> = Imbalance::zero();
        let mut add = |credit: Option<CreditOf<T>>| {
            if let Some(c) = credit {
                pot.subsume(c);
            }
        };
        let Some((verdict, members)) = verdict else {
            // No supermajority: the job fails without an outcome (a request is refunded in
            // full, a validation rejects the model as inconclusive and returns the deposit),
            // the absent are slashed, a challenger gets its bond back.
            for s in esc.slots.iter().filter(|s| !s.revealed) {
                add(Self::slash_for_absence(id, s));
            }
            for (s, r) in job.slots.iter_mut().zip(esc.committee_reveals.iter()) {
                let was_agreed = s.agreed;
                s.agreed = false;
                // A challenged job was provisional: nobody was absent (or, made provisional
                // before an absence escalated, the absent were slashed then).
                if r.is_none() && esc.cause != EscalationCause::Challenge && !was_agreed {
                    if s.revealed {
                        defensive!("a committee member's reveal is moved with the escalation");
                    }
                    add(Self::slash_for_absence(id, s));
                }
            }
            if let Some((challenger, bond)) = challenge {
                Self::release_held(HoldReason::ChallengeBond, &challenger, bond);
            }
            T::OnSlash::on_unbalanced(pot);
            Results::<T>::remove(id);
            job.status = JobStatus::Failed(FailureReason::NoSupermajority);
            Self::deposit_event(Event::EscalationDecided {
                job_id: id,
                verdict: None,
                upheld: None,
                agreeing: Vec::new(),
            });
            match &job.kind {
                JobKind::Inference { requester, .. } => {
                    Self::refund_all(&job, requester);
                    Self::deposit_event(Event::InferenceFailed {
                        job_id: id,
                        reason: FailureReason::NoSupermajority,
                    });
                }
                JobKind::Validation => {
                    Self::conclude_validation(job.model_id, None, FeeShares::default(), false)
                }
            }
            Self::close_escalation(id, job, esc, now);
            return;
        };
        // Validators.
        let mut agreeing_validators: Vec<T::AccountId> = Vec::new();
        for (s, m) in esc.slots.iter_mut().zip(members.iter()) {
            s.agreed = *m;
            if *m {
                agreeing_validators.push(s.worker.clone());
            } else if s.revealed {
                add(Self::slash(
                    &s.worker,
                    id,
                    Offence::WrongResult,
                    T::WrongResultSlash::get(),
                ));
            } else {
                add(Self::slash_for_absence(id, s));
            }
        }
        // Committee.
        let mut agreeing_committee: Vec<T::AccountId> = Vec::new();
        let mut unpaid: u32 = 0;
        let mut wrong: u32 = 0;
        for (s, r) in job.slots.iter_mut().zip(esc.committee_reveals.iter()) {
            let was_agreed = s.agreed;
            s.agreed = r
                .as_ref()
                .is_some_and(|r| Self::reveals_agree(&judge, r, &verdict));
            if s.agreed {
                agreeing_committee.push(s.worker.clone());
                continue;
            }
            unpaid = unpaid.saturating_add(1);
            match r {
                Some(_) => {
                    wrong = wrong.saturating_add(1);
                    add(Self::slash(
                        &s.worker,
                        id,
                        Offence::WrongResult,
                        T::WrongResultSlash::get(),
                    ))
                }
                None if was_agreed => {
                    defensive!("an agreeing committee member's reveal is known");
                }
                // Only a result made provisional before an absence escalated (storage version
                // 3) can be challenged with a member absent: it was slashed then.
                None if esc.cause == EscalationCause::Challenge => {}
                None => add(Self::slash_for_absence(id, s)),
            }
        }
        // A request's requester pays the quote: agreeing members their fee, the validators the
        // rest. (A validation's rejection fee is paid with its outcome, below.)
        if let JobKind::Inference {
            requester,
            royalty,
            worker_fee,
        } = &job.kind
        {
            let mut payees: Vec<(T::AccountId, BalanceOf<T>)> = agreeing_committee
                .iter()
                .map(|w| (w.clone(), *worker_fee))
                .collect();
            if !agreeing_validators.is_empty() {
                let share = worker_fee.saturating_mul(unpaid.into())
                    / (agreeing_validators.len() as u32).into();
                payees.extend(agreeing_validators.iter().map(|v| (v.clone(), share)));
            }
            let outcome_royalty = match verdict {
                Reveal::Outputs(_) => *royalty,
                Reveal::ExecutionFailed => Zero::zero(),
            };
            Self::pay(id, &job, requester, outcome_royalty, &payees);
        }
        // A challenge is rejected exactly when no member it accused is found wrong (under a
        // tolerance the verdict may differ from the provisional result while every member's
        // output is still within the tolerance of it): the bond then goes to the accused, and
        // a challenge that exposed a wrong member is rewarded from what they lost.
        let upheld = match esc.cause {
            EscalationCause::Challenge => Some(wrong == 0),
            EscalationCause::Disagreement | EscalationCause::Absence => None,
        };
        // The challenger.
        let total = pot.peek();
        if let Some((challenger, bond)) = challenge {
            if upheld == Some(true) {
                let (forfeit, _) = <T::Currency as BalancedHold<T::AccountId>>::slash(
                    &HoldReason::ChallengeBond.into(),
                    &challenger,
                    bond,
                );
                Self::deposit_event(Event::ChallengeRejected {
                    job_id: id,
                    challenger: challenger.clone(),
                    forfeited: forfeit.peek(),
                });
                Self::share_out(forfeit, &agreeing_committee);
            } else {
                Self::release_held(HoldReason::ChallengeBond, &challenger, bond);
                let reward = T::ChallengerReward::get().mul_floor(total);
                let (reward, rest) = pot.split(reward);
                pot = rest;
                let reward_amount = reward.peek();
                Self::resolve_or_burn(&challenger, reward);
                Self::deposit_event(Event::ChallengeUpheld {
                    job_id: id,
                    challenger,
                    reward: reward_amount,
                });
            }
        }
        // A requester whose provisional result was overturned is compensated. (A model's
        // owner is not: it may be the one who bought the validation.)
        if let (Some(false), JobKind::Inference { requester, .. }) = (upheld, &job.kind) {
            let compensation = T::RequesterCompensation::get().mul_floor(total);
            let (compensation, rest) = pot.split(compensation);
            pot = rest;
            let amount = compensation.peek();
            Self::resolve_or_burn(requester, compensation);
            Self::deposit_event(Event::RequesterCompensated {
                job_id: id,
                requester: requester.clone(),
                amount,
            });
        }
        T::OnSlash::on_unbalanced(pot);
        let outputs = match &verdict {
            Reveal::Outputs(outputs) => {
                Results::<T>::insert(id, outputs.clone());
                job.status = JobStatus::Completed;
                Some(outputs.clone())
            }
            Reveal::ExecutionFailed => {
                Results::<T>::remove(id);
                job.status = JobStatus::Failed(FailureReason::ExecutionFailed);
                None
            }
        };
        Self::deposit_event(Event::EscalationDecided {
            job_id: id,
            verdict: Some(verdict),
            upheld,
            agreeing: agreeing_validators.clone(),
        });
        match (&job.kind, outputs) {
            (JobKind::Inference { .. }, Some(outputs)) => {
                Self::deposit_event(Event::InferenceCompleted {
                    job_id: id,
                    outputs,
                    agreeing: BoundedVec::truncate_from(agreeing_committee),
                })
            }
            (JobKind::Inference { .. }, None) => Self::deposit_event(Event::InferenceFailed {
                job_id: id,
                reason: FailureReason::ExecutionFailed,
            }),
            // A validation's outcome is reported by `ModelActivated`/`ModelRejected`.
            (JobKind::Validation, outcome) => {
                if outcome.is_none() {
                    defensive!("`check_reveal` refuses an execution failure for a validation");
                }
                let shares = FeeShares {
                    agreeing: &agreeing_committee,
                    committee: job.slots.len() as u32,
                    validators: &agreeing_validators,
                };
                Self::conclude_validation(job.model_id, outcome.as_ref(), shares, false);
            }
        }
        Self::close_escalation(id, job, esc, now);
    }

    /// Slashes a worker that did not reveal: for not revealing if it committed, for not
    /// committing otherwise. Returns the credit.
    fn slash_for_absence(id: JobId, s: &Slot<T>) -> Option<CreditOf<T>> {
        if s.commitment.is_some() {
            Self::slash(&s.worker, id, Offence::NoReveal, T::NoRevealSlash::get())
        } else {
            Self::slash(&s.worker, id, Offence::NoCommit, T::NoCommitSlash::get())
        }
    }

    /// Pays `credit` to `to` in equal shares; what cannot be paid goes to `OnSlash`.
    fn share_out(mut credit: CreditOf<T>, to: &[T::AccountId]) {
        if !to.is_empty() {
            let share = credit.peek() / (to.len() as u32).into();
            for who in to {
                let (part, rest) = credit.split(share);
                credit = rest;
                Self::resolve_or_burn(who, part);
            }
        }
        T::OnSlash::on_unbalanced(credit);
    }

    /// Deposits `credit` in `who`'s account; if that fails (an account that cannot exist),
    /// hands it to `OnSlash`.
    fn resolve_or_burn(who: &T::AccountId, credit: CreditOf<T>) {
        if let Err(credit) = <T::Currency as Balanced<T::AccountId>>::resolve(who, credit) {
            T::OnSlash::on_unbalanced(credit);
        }
    }

    /// The pruning slot a job's request reserved: [`Config::ResultRetention`] blocks after
    /// the block its result becomes final unchallenged.
    pub(crate) fn reserved_prune_slot(job: &Job<T>) -> BlockNumberFor<T> {
        job.challenge_deadline()
            .saturating_add(1u32.into())
            .saturating_add(T::ResultRetention::get())
    }

    /// Ends an escalation: keeps the validators' slots (for the views) without the committee's
    /// reveals, stores the final job and moves its pruning to [`Config::ResultRetention`]
    /// blocks from now.
    fn close_escalation(id: JobId, job: Job<T>, mut esc: Escalation<T>, now: BlockNumberFor<T>) {
        esc.committee_reveals = BoundedVec::new();
        Escalations::<T>::insert(id, esc);
        if PruneQueue::<T>::try_mutate(now.saturating_add(T::ResultRetention::get()), |q| {
            q.try_push(id)
        })
        .is_err()
        {
            defensive!("a pruning slot has room for the escalations decided in one block");
        }
        Self::finalize(id, job);
    }
}
