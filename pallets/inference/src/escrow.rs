//! Escrow: where the requester's and the model owner's money goes.
//!
//! - **Requests.** The quote is `royalty + replicas × worker_fee` (`worker_fee = BaseWorkerFee +
//!   FeePerCostUnit × cost + FeePerInputByte × input bytes`), held from the requester
//!   ([`HoldReason::RequestFee`]) when the request is made and paid out only when the result
//!   is final. An unchallenged provisional result pays the royalty to the model's owner and
//!   one worker fee to each committee member that agreed, and refunds the rest. After an
//!   escalation (`disputes.rs`) the committee members that agree with the verdict get their
//!   fee and the fees of the others are shared by the validators that agree with it, so the
//!   requester pays exactly the quote. An agreed execution failure pays the workers but
//!   refunds the royalty. A job that nobody committed to, where nothing was revealed, or
//!   whose validators reached no supermajority is refunded in full.
//! - **Challenges.** The challenge bond ([`HoldReason::ChallengeBond`]) is held until the
//!   verdict: returned with [`Config::ChallengerReward`] of the slashed stake when the
//!   challenge exposed a wrong member, shared by the accused members otherwise, returned when
//!   there is no supermajority. A requester whose result was overturned receives
//!   [`Config::RequesterCompensation`] of the slashed stake.
//! - **Models.** The owner's deposit (`ModelDepositBase + ModelDepositPerByte × size`,
//!   [`HoldReason::ModelDeposit`]) is held while the model is registered and returned when its
//!   record is removed; a final rejection pays [`Config::RejectionFee`] of it to those who
//!   found it, one share per committee member ([`FeeShares`]): each member that agrees with
//!   the final outcome gets its share, and after an escalation the shares of the others go to
//!   the validators that agree with the verdict. A validation that ends without an outcome
//!   (nobody revealed, no supermajority) returns the whole deposit.
//! - **Bonds** are held and slashed in `workers.rs` and `settlement.rs`.
//!
//! Every transfer moves held funds with `Precision::BestEffort`; an amount that cannot move can
//! only be the result of a bug (the try-state checks tie holds to records), so it is reported
//! with `defensive!` rather than dropped.

use crate::*;
use frame_support::traits::{
    fungible::{Inspect, MutateHold},
    tokens::{Fortitude, Precision, Restriction},
};

/// Who shares a model's rejection fee (`Pallet::pay_rejection_fee`): one share per committee
/// member, paid to each member in `agreeing`; the shares of the other members are split equally
/// among `validators` (the validators that agree with an escalation's verdict; none otherwise).
pub struct FeeShares<'a, A> {
    /// Committee members that agree with the final outcome.
    pub agreeing: &'a [A],
    /// Size of the committee: the number of shares.
    pub committee: u32,
    /// Validators that agree with the verdict of the job's escalation.
    pub validators: &'a [A],
}

impl<A> Default for FeeShares<'_, A> {
    /// Nobody: no fee is paid.
    fn default() -> Self {
        Self {
            agreeing: &[],
            committee: 0,
            validators: &[],
        }
    }
}

impl<T: Config> Pallet<T> {
    /// Fee quote for a request of `input_len` bytes of canonical inputs on `model`.
    pub fn quote_model(model: &Model<T>, input_len: u32) -> Option<FeeQuote<BalanceOf<T>>> {
        let info = model.info.as_ref()?;
        let cost: BalanceOf<T> = info.cost.saturated_into();
        let worker_fee = T::BaseWorkerFee::get()
            .checked_add(&T::FeePerCostUnit::get().checked_mul(&cost)?)?
            .checked_add(&T::FeePerInputByte::get().checked_mul(&input_len.into())?)?;
        let replicas: BalanceOf<T> = (model.policy.replicas as u32).into();
        let total = model
            .price
            .checked_add(&worker_fee.checked_mul(&replicas)?)?;
        Some(FeeQuote {
            royalty: model.price,
            worker_fee,
            replicas: model.policy.replicas,
            total,
        })
    }

    /// Holds a request's quoted fee from the requester.
    pub(crate) fn hold_request_fee(
        requester: &T::AccountId,
        total: BalanceOf<T>,
    ) -> DispatchResult {
        T::Currency::hold(&HoldReason::RequestFee.into(), requester, total)
            .map_err(|_| Error::<T>::InsufficientBalance.into())
    }

    /// Total fee held for a job (zero for a validation).
    pub(crate) fn held_fee(job: &Job<T>) -> BalanceOf<T> {
        match job.kind {
            JobKind::Inference {
                royalty,
                worker_fee,
                ..
            } => royalty.saturating_add(worker_fee.saturating_mul((job.slots.len() as u32).into())),
            JobKind::Validation => Zero::zero(),
        }
    }

    /// Pays the royalty and the workers' fees (`payees`: who gets how much) of a final
    /// inference out of its held fee and refunds the rest.
    pub(crate) fn pay(
        id: JobId,
        job: &Job<T>,
        requester: &T::AccountId,
        royalty: BalanceOf<T>,
        payees: &[(T::AccountId, BalanceOf<T>)],
    ) {
        let mut remaining = Self::held_fee(job);
        let mut paid_royalty = Zero::zero();
        match Models::<T>::get(job.model_id) {
            Some(model) => {
                paid_royalty =
                    Self::transfer_held(HoldReason::RequestFee, requester, &model.owner, royalty);
                remaining = remaining.saturating_sub(paid_royalty);
            }
            None => {
                defensive!("a model is removed only after its last job ends");
            }
        }
        let mut paid_workers: BalanceOf<T> = Zero::zero();
        for (w, fee) in payees {
            let fee = (*fee).min(remaining);
            let moved = Self::transfer_held(HoldReason::RequestFee, requester, w, fee);
            paid_workers = paid_workers.saturating_add(moved);
            remaining = remaining.saturating_sub(moved);
        }
        let refunded = Self::release_held(HoldReason::RequestFee, requester, remaining);
        Self::deposit_event(Event::FeesPaid {
            job_id: id,
            royalty: paid_royalty,
            worker_fee: paid_workers,
            refunded,
        });
    }

    /// Refunds the whole fee of an inference job.
    pub(crate) fn refund_all(job: &Job<T>, requester: &T::AccountId) {
        Self::release_held(HoldReason::RequestFee, requester, Self::held_fee(job));
    }

    /// Deposit of a model of `size` bytes.
    pub fn model_deposit(size: u32) -> BalanceOf<T> {
        T::ModelDepositBase::get()
            .saturating_add(T::ModelDepositPerByte::get().saturating_mul(size.into()))
    }

    /// Holds the deposit of a model of `size` bytes from its owner; returns it.
    pub(crate) fn hold_model_deposit(
        owner: &T::AccountId,
        size: u32,
    ) -> Result<BalanceOf<T>, DispatchError> {
        let deposit = Self::model_deposit(size);
        T::Currency::hold(&HoldReason::ModelDeposit.into(), owner, deposit)
            .map_err(|_| Error::<T>::InsufficientBalance)?;
        Ok(deposit)
    }

    /// Returns `amount` of a model's deposit to its owner; returns what was released.
    pub(crate) fn release_model_deposit(
        owner: &T::AccountId,
        amount: BalanceOf<T>,
    ) -> BalanceOf<T> {
        Self::release_held(HoldReason::ModelDeposit, owner, amount)
    }

    /// Pays `RejectionFee` of a rejected model's deposit as `shares` says; returns the total
    /// paid.
    pub(crate) fn pay_rejection_fee(
        model: &Model<T>,
        shares: FeeShares<'_, T::AccountId>,
    ) -> BalanceOf<T> {
        if shares.committee == 0 {
            return Zero::zero();
        }
        let fee = T::RejectionFee::get().mul_floor(model.deposit);
        let share = fee / shares.committee.into();
        let unpaid = shares
            .committee
            .saturating_sub(shares.agreeing.len() as u32);
        let per_validator = match shares.validators.len() as u32 {
            0 => Zero::zero(),
            n => share.saturating_mul(unpaid.into()) / n.into(),
        };
        let payees = shares
            .agreeing
            .iter()
            .map(|w| (w, share))
            .chain(shares.validators.iter().map(|v| (v, per_validator)));
        payees.fold(Zero::zero(), |paid: BalanceOf<T>, (w, amount)| {
            paid.saturating_add(Self::transfer_held(
                HoldReason::ModelDeposit,
                &model.owner,
                w,
                amount,
            ))
        })
    }

    /// Moves `amount` held for `reason` from `from` to the free balance of `to`; returns what
    /// moved. Less than `amount` moving is a bug (holds are tied to records).
    fn transfer_held(
        reason: HoldReason,
        from: &T::AccountId,
        to: &T::AccountId,
        amount: BalanceOf<T>,
    ) -> BalanceOf<T> {
        match T::Currency::transfer_on_hold(
            &reason.into(),
            from,
            to,
            amount,
            Precision::BestEffort,
            Restriction::Free,
            Fortitude::Force,
        ) {
            Ok(moved) => {
                if moved < amount {
                    defensive!("less than the held amount moved");
                }
                moved
            }
            Err(e) => {
                // Moving to an account that cannot exist (below the existential deposit) is
                // the only failure that does not come from a bug; the funds stay held.
                log::warn!(target: LOG_TARGET, "held transfer failed: {e:?}");
                if amount >= T::Currency::minimum_balance() {
                    defensive!("a held transfer above the existential deposit failed");
                }
                Zero::zero()
            }
        }
    }

    /// Releases `amount` held for `reason` from `who`; returns what was released.
    pub(crate) fn release_held(
        reason: HoldReason,
        who: &T::AccountId,
        amount: BalanceOf<T>,
    ) -> BalanceOf<T> {
        match T::Currency::release(&reason.into(), who, amount, Precision::BestEffort) {
            Ok(released) => {
                if released < amount {
                    defensive!("less than the held amount released");
                }
                released
            }
            Err(e) => {
                defensive!("releasing a hold failed", e);
                Zero::zero()
            }
        }
    }
}
