//! The agreement rules: which group of a job's workers stands behind an outcome, and when the
//! validators' group is a verdict.
//!
//! A job's committee reveals outputs; each revealed output is a *candidate*, and the workers
//! that agree with a candidate (under the model's policy, or because their commitment opens
//! with the candidate's bytes) form its *group* ([`largest_group`]). A committee's largest
//! group gives a (provisional) result only when it holds every member; in a validators' round
//! it is the verdict when it holds more than two thirds of the set ([`is_supermajority`]).
//! Both rules are pure functions of the group sizes and the agreement relation, so the
//! pallet's settlement and the property tests below apply the same rule.

use alloc::vec::Vec;

/// The largest group found by [`largest_group`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Group {
    /// The candidate whose output the group agrees with.
    pub representative: usize,
    /// For each worker of the committee, whether it is in the group.
    pub members: Vec<bool>,
}

impl Group {
    /// Number of workers in the group.
    pub fn size(&self) -> usize {
        self.members.iter().filter(|m| **m).count()
    }
}

/// The largest group among `candidates` candidates over a committee of `workers` workers:
/// the candidate `c` maximising the number of workers `j` with `agrees(c, j)`, the earliest
/// candidate on ties. `None` if there is no candidate.
///
/// The relation need not be symmetric (a tolerance compares against the candidate's values),
/// and a candidate need not agree with itself.
pub fn largest_group(
    workers: usize,
    candidates: usize,
    agrees: impl Fn(usize, usize) -> bool,
) -> Option<Group> {
    let mut best: Option<Group> = None;
    let mut best_size = 0usize;
    for c in 0..candidates {
        let members: Vec<bool> = (0..workers).map(|j| agrees(c, j)).collect();
        let size = members.iter().filter(|m| **m).count();
        if best.is_none() || size > best_size {
            best_size = size;
            best = Some(Group {
                representative: c,
                members,
            });
        }
    }
    best
}

/// Whether `group` validators out of a validator set of `validators` reach a verdict: more
/// than two thirds of the set (`3 * group > 2 * validators`), the same threshold GRANDPA's
/// finality needs. An empty set never reaches one.
pub fn is_supermajority(group: usize, validators: usize) -> bool {
    validators > 0 && group <= validators && group.saturating_mul(3) > validators.saturating_mul(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A random agreement relation over `candidates × workers`.
    fn relation() -> impl Strategy<Value = (usize, usize, Vec<Vec<bool>>)> {
        (0usize..6, 1usize..8).prop_flat_map(|(c, w)| {
            (
                Just(c),
                Just(w),
                proptest::collection::vec(proptest::collection::vec(any::<bool>(), w), c),
            )
        })
    }

    proptest! {
        #[test]
        fn the_largest_group_is_largest_and_earliest((c, w, rel) in relation()) {
            let agrees = |i: usize, j: usize| rel[i][j];
            match largest_group(w, c, agrees) {
                None => prop_assert_eq!(c, 0),
                Some(g) => {
                    let size = |i: usize| rel[i].iter().filter(|x| **x).count();
                    prop_assert_eq!(g.members.len(), w);
                    prop_assert_eq!(&g.members, &rel[g.representative]);
                    prop_assert_eq!(g.size(), size(g.representative));
                    for i in 0..c {
                        prop_assert!(size(i) <= g.size());
                        if i < g.representative {
                            prop_assert!(size(i) < g.size(), "a tie goes to the earliest");
                        }
                    }
                }
            }
        }

    }

    proptest! {
        /// A supermajority is more than two thirds of the set: two disjoint groups never both
        /// reach it, and with at most `f < n/3` faulty validators the `n - f` honest ones do.
        #[test]
        fn supermajority_is_two_thirds(n in 0usize..200, a in 0usize..200, b in 0usize..200) {
            let threshold_met = |g: usize| is_supermajority(g, n);
            prop_assert_eq!(threshold_met(a), n > 0 && a <= n && 3 * a > 2 * n);
            if a + b <= n {
                prop_assert!(!(threshold_met(a) && threshold_met(b)));
            }
            let f = a.min(n);
            if 3 * f < n {
                prop_assert!(threshold_met(n - f));
            }
        }
    }
}
