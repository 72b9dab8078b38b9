//! The committee: which workers are drawn for a job.
//!
//! A job's committee is `count` distinct workers of the active set, drawn with
//! `blake2_256("inferchain/draw" ‖ parent_hash ‖ job id ‖ round)`, each active worker equally
//! likely whatever its bond. The author of the parent block can grind its block (choice and
//! order of transactions) to influence which workers the next block's jobs get, and a
//! requester knows the parent hash and the next job id, so it can simulate the draw before
//! submitting. It cannot choose workers outside the active set, and each drawn worker still
//! needs an agreeing majority to be paid, which bounds the value of choosing.

use crate::*;

impl<T: Config> Pallet<T> {
    /// Draws `count` distinct workers of the active set for job `id`.
    ///
    /// Randomness: `blake2_256(parent_hash ‖ id ‖ round)`; see the [module documentation](self) for
    /// what a block author can bias. Reads only the active set.
    pub fn draw_workers(id: JobId, count: u32) -> Result<DrawnWorkersOf<T>, Error<T>> {
        ensure!(
            (1..=T::MaxReplicas::get()).contains(&count),
            Error::<T>::BadPolicy
        );
        let mut candidates: Vec<T::AccountId> = ActiveWorkers::<T>::get().into_inner();
        let parent = frame_system::Pallet::<T>::parent_hash();
        let mut chosen: BoundedVec<T::AccountId, T::MaxReplicas> = BoundedVec::new();
        let mut round: u32 = 0;
        while (chosen.len() as u32) < count {
            if candidates.is_empty() {
                return Err(Error::<T>::NotEnoughWorkers);
            }
            let seed =
                (b"inferchain/draw", parent, id, round).using_encoded(sp_io::hashing::blake2_256);
            round = round.saturating_add(1);
            let r = seed
                .first_chunk::<8>()
                .map(|c| u64::from_le_bytes(*c))
                .unwrap_or_default();
            let idx = (r % candidates.len() as u64) as usize;
            // The active set holds only active workers (checked by `do_try_state`).
            let who = candidates.swap_remove(idx);
            // `count <= MaxReplicas`, the bound of `chosen`.
            chosen
                .try_push(who)
                .map_err(|_| Error::<T>::BadPolicy)
                .defensive_proof("count is at most MaxReplicas, checked above")?;
        }
        Ok(chosen)
    }
}
