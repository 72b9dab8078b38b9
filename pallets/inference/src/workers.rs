//! Workers: bonds, the active set and unbonding.
//!
//! A worker bonds at least [`Config::MinWorkerBond`] with a fungible hold
//! ([`HoldReason::WorkerBond`]) and joins the active set, from which committees are drawn
//! (`committee.rs`). Leaving (by `unregister_worker`, or because a slash took the bond below
//! the minimum, `settlement.rs`) starts [`Config::UnbondingPeriod`], which outlasts every job
//! the worker was drawn for; then the bond can be withdrawn. A worker's account is the account
//! of its node's sr25519 `infr` key, so the offchain worker can sign for it.

use crate::*;
use frame_support::traits::{fungible::MutateHold, tokens::Precision};

impl<T: Config> Pallet<T> {
    /// Holds `bond` (at least `MinWorkerBond`) from `who` and adds it to the active set.
    pub(crate) fn do_register_worker(who: &T::AccountId, bond: BalanceOf<T>) -> DispatchResult {
        ensure!(bond >= T::MinWorkerBond::get(), Error::<T>::BondTooLow);
        ensure!(!Workers::<T>::contains_key(who), Error::<T>::AlreadyWorker);
        ActiveWorkers::<T>::try_mutate(|set| set.try_push(who.clone()))
            .map_err(|_| Error::<T>::TooManyWorkers)?;
        T::Currency::hold(&HoldReason::WorkerBond.into(), who, bond)
            .map_err(|_| Error::<T>::InsufficientBalance)?;
        Workers::<T>::insert(
            who,
            Worker::<T> {
                bond,
                status: WorkerStatus::Active,
            },
        );
        Ok(())
    }

    /// Adds `amount` to an active worker's bond; returns the new bond.
    pub(crate) fn do_bond_extra(
        who: &T::AccountId,
        amount: BalanceOf<T>,
    ) -> Result<BalanceOf<T>, DispatchError> {
        let mut worker = Workers::<T>::get(who).ok_or(Error::<T>::NotWorker)?;
        ensure!(
            worker.status == WorkerStatus::Active,
            Error::<T>::NotActiveWorker
        );
        T::Currency::hold(&HoldReason::WorkerBond.into(), who, amount)
            .map_err(|_| Error::<T>::InsufficientBalance)?;
        worker.bond = worker.bond.saturating_add(amount);
        let bond = worker.bond;
        Workers::<T>::insert(who, worker);
        Ok(bond)
    }

    /// Takes an active worker out of the active set; returns the first block in which its
    /// bond can be withdrawn.
    pub(crate) fn do_unregister_worker(
        who: &T::AccountId,
    ) -> Result<BlockNumberFor<T>, DispatchError> {
        let worker = Workers::<T>::get(who).ok_or(Error::<T>::NotWorker)?;
        ensure!(
            worker.status == WorkerStatus::Active,
            Error::<T>::NotActiveWorker
        );
        Ok(Self::start_unbonding(who, worker))
    }

    /// Releases the bond of a worker whose unbonding period is over and forgets the worker;
    /// returns the amount released.
    pub(crate) fn do_withdraw_bond(who: &T::AccountId) -> Result<BalanceOf<T>, DispatchError> {
        let worker = Workers::<T>::get(who).ok_or(Error::<T>::NotWorker)?;
        let WorkerStatus::Unbonding(until) = worker.status else {
            return Err(Error::<T>::NotUnbonding.into());
        };
        ensure!(
            frame_system::Pallet::<T>::block_number() >= until,
            Error::<T>::UnbondingNotOver
        );
        let amount =
            T::Currency::release_all(&HoldReason::WorkerBond.into(), who, Precision::BestEffort)?;
        Workers::<T>::remove(who);
        Ok(amount)
    }

    /// Moves a worker out of the active set into unbonding; returns the end of the period.
    pub(crate) fn start_unbonding(who: &T::AccountId, mut worker: Worker<T>) -> BlockNumberFor<T> {
        let until =
            frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
        worker.status = WorkerStatus::Unbonding(until);
        Workers::<T>::insert(who, worker);
        ActiveWorkers::<T>::mutate(|set| set.retain(|w| w != who));
        until
    }

    /// The worker account of an `infr` key.
    pub fn account_of(key: &crypto::Public) -> T::AccountId {
        T::AccountId::from(sp_core::sr25519::Public::from(key.clone()))
    }
}
