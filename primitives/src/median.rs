//! The reference that `Tolerance` outputs are judged against: their element-wise median.
//!
//! Under [`ExecutionPolicy::Tolerance`] revealed outputs are not compared with each other (the
//! rule is not symmetric, and "the largest group around some output" depends on which output
//! is tried first) but each with one reference built from all of them, which no reordering of
//! the reveals can change:
//! 1. the reference has the structure (names, dtypes, shapes) shared by the most outputs; on a
//!    tie, the structure with the smallest encoding;
//! 2. each of its elements is the *lower median* of that element over the outputs with that
//!    structure (the `⌊(k−1)/2⌋`-th smallest of `k`): floats ordered by value,
//!    `−∞ < finite < +∞ < NaN` (`−0` before `+0`, NaNs by their bytes), other
//!    dtypes by their bytes (the policy requires them equal anyway, and a value held by more
//!    than half of the outputs is the median under any order);
//! 3. a worker agrees when its output is within the tolerance of the reference
//!    ([`compare`]`(policy, output, reference)`).
//!
//! **Why an honest majority is safe.** Say more than half of the outputs are honest, and honest
//! outputs are within the tolerance of each other. Then every element of the reference lies
//! between the smallest and the largest honest value of that element, and an output `o` within
//! the tolerance of every honest output `h` (`|o − h| ≤ abs + rel·|h|`) is within the tolerance
//! of the reference `m` too: with `h₋ ≤ m ≤ h₊` the honest extremes,
//! `o ≤ h₋ + abs + rel·|h₋|` and `o ≥ h₊ − abs − rel·|h₊|`, and because `rel ≤ 1`
//! ([`crate::policy::MAX_REL_TOLERANCE`]) moving the reference from `h₋` or `h₊` towards `m`
//! shrinks the distance at least as fast as it shrinks `rel·|reference|`. So every honest
//! output agrees with the reference, and so does any output inside the bounds of all of them:
//! an attacker can neither move the reference out of the honest range nor get such an output
//! slashed. The property tests below check both, and that permuting the outputs never changes
//! the reference.
//!
//! [`ExecutionPolicy::Tolerance`]: crate::ExecutionPolicy::Tolerance
//! [`compare`]: crate::compare

use crate::tensor::{DType, NamedTensor, Tensor, TensorMap};
use alloc::vec::Vec;
use codec::Encode;

/// The structure of a map: each tensor's name, dtype and shape, encoded.
fn structure(map: &TensorMap) -> Vec<u8> {
    map.0
        .iter()
        .map(|nt| (&nt.name, nt.tensor.dtype, &nt.tensor.shape))
        .collect::<Vec<_>>()
        .encode()
}

/// The element's bytes as a number (elements are at most 8 bytes).
fn raw(element: &[u8]) -> u128 {
    let mut le = [0u8; 16];
    if let Some(dst) = le.get_mut(..element.len()) {
        dst.copy_from_slice(element);
    }
    u128::from_le_bytes(le)
}

/// A key whose order is the order of the values described in the module documentation.
fn key(dtype: DType, element: &[u8]) -> u128 {
    let raw = raw(element);
    match dtype {
        DType::F32 => {
            let bits = raw as u32;
            let nan = bits & 0x7f80_0000 == 0x7f80_0000 && bits & 0x007f_ffff != 0;
            if nan {
                u128::MAX
            } else if bits >> 31 == 1 {
                u128::from(!bits)
            } else {
                u128::from(bits | 0x8000_0000)
            }
        }
        DType::F64 => {
            let bits = raw as u64;
            let nan = bits & 0x7ff0_0000_0000_0000 == 0x7ff0_0000_0000_0000
                && bits & 0x000f_ffff_ffff_ffff != 0;
            if nan {
                u128::MAX
            } else if bits >> 63 == 1 {
                u128::from(!bits)
            } else {
                u128::from(bits | 0x8000_0000_0000_0000)
            }
        }
        _ => raw,
    }
}

/// The element-wise lower median of `outputs` (see the [module documentation](self)), or
/// `None` if no output is a valid map. Permuting `outputs` never changes the result. Costs
/// `O(E · k log k)` for `k` outputs of `E` elements, and allocates one map of the reference's
/// size.
pub fn median_reference(outputs: &[TensorMap]) -> Option<TensorMap> {
    let valid: Vec<(&TensorMap, Vec<u8>)> = outputs
        .iter()
        .filter(|m| m.validate().is_ok())
        .map(|m| (m, structure(m)))
        .collect();
    // The structure shared by the most outputs, the smallest encoding on a tie.
    let mut best: Option<(&[u8], usize)> = None;
    for (_, s) in valid.iter() {
        let count = valid.iter().filter(|(_, t)| t == s).count();
        let better = match best {
            None => true,
            Some((b, n)) => count > n || (count == n && s.as_slice() < b),
        };
        if better {
            best = Some((s.as_slice(), count));
        }
    }
    let (shape, _) = best?;
    let group: Vec<&TensorMap> = valid
        .iter()
        .filter(|(_, s)| s.as_slice() == shape)
        .map(|(m, _)| *m)
        .collect();
    let first = group.first()?;
    let lower = group.len().saturating_sub(1) / 2;
    let mut tensors = Vec::with_capacity(first.0.len());
    let mut column: Vec<(u128, u128, usize)> = Vec::with_capacity(group.len());
    for (t, nt) in first.0.iter().enumerate() {
        let dtype = nt.tensor.dtype;
        let size = dtype.size_in_bytes() as usize;
        let mut data = Vec::with_capacity(nt.tensor.data.len());
        let mut offset = 0usize;
        while offset < nt.tensor.data.len() {
            column.clear();
            for (i, m) in group.iter().enumerate() {
                let element =
                    m.0.get(t)
                        .and_then(|x| x.tensor.data.get(offset..offset.saturating_add(size)))?;
                column.push((key(dtype, element), raw(element), i));
            }
            // By value, then by bytes (NaN payloads, −0 before +0): equal pairs are equal
            // bytes, so the element taken does not depend on the order of the outputs.
            column.sort_unstable_by_key(|(k, r, _)| (*k, *r));
            let (_, _, from) = column.get(lower)?;
            let element = group
                .get(*from)
                .and_then(|m| m.0.get(t))
                .and_then(|x| x.tensor.data.get(offset..offset.saturating_add(size)))?;
            data.extend_from_slice(element);
            offset = offset.saturating_add(size);
        }
        tensors.push(NamedTensor {
            name: nt.name.clone(),
            tensor: Tensor {
                dtype,
                shape: nt.tensor.shape.clone(),
                data,
            },
        });
    }
    Some(TensorMap(tensors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{compare, ExecutionPolicy, MAX_REL_TOLERANCE};
    use alloc::vec;
    use proptest::prelude::*;

    fn map(values: &[f32]) -> TensorMap {
        TensorMap::new(vec![NamedTensor {
            name: b"y".to_vec(),
            tensor: Tensor::from_f32(vec![values.len() as u64], values).expect("tensor"),
        }])
        .expect("map")
    }

    fn values(m: &TensorMap) -> Vec<f32> {
        m.0[0]
            .tensor
            .data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    #[test]
    fn the_median_is_taken_per_element_by_value() {
        let m = median_reference(&[
            map(&[3.0, -1.0, f32::NAN]),
            map(&[-2.0, 5.0, 1.0]),
            map(&[1.0, 0.0, f32::INFINITY]),
        ])
        .expect("reference");
        assert_eq!(values(&m)[..2], [1.0, 0.0]);
        assert_eq!(values(&m)[2], f32::INFINITY, "+inf < NaN");
        // Even count: the lower median.
        let m = median_reference(&[map(&[4.0]), map(&[1.0]), map(&[3.0]), map(&[2.0])])
            .expect("reference");
        assert_eq!(values(&m), [2.0]);
    }

    #[test]
    fn the_most_common_structure_wins() {
        let m = median_reference(&[map(&[9.0]), map(&[1.0, 2.0]), map(&[3.0, 4.0])])
            .expect("reference");
        assert_eq!(values(&m), [1.0, 2.0]);
        assert_eq!(median_reference(&[]), None);
    }

    /// A value near the center, or anything an attacker may send.
    fn element(honest: bool) -> BoxedStrategy<f32> {
        if honest {
            (-4000i32..4000).prop_map(|d| d as f32 * 1e-7).boxed()
        } else {
            prop_oneof![
                any::<f32>(),
                (-100i32..100).prop_map(|d| d as f32 * 1e-5),
                Just(f32::NAN),
                Just(f32::INFINITY),
            ]
            .boxed()
        }
    }

    /// A scenario: the honest center, honest deviations (within ±4e-4 of it), the attacker's
    /// outputs (fewer than the honest ones), a candidate inside the honest bounds and a policy.
    #[allow(clippy::type_complexity)]
    fn scenario() -> impl Strategy<
        Value = (
            Vec<f32>,
            Vec<Vec<f32>>,
            Vec<Vec<f32>>,
            Vec<f32>,
            ExecutionPolicy,
        ),
    > {
        (1usize..6, 1usize..7).prop_flat_map(|(n, honest)| {
            (
                proptest::collection::vec(-50.0f32..50.0, n),
                proptest::collection::vec(proptest::collection::vec(element(true), n), honest),
                proptest::collection::vec(proptest::collection::vec(element(false), n), 0..honest),
                proptest::collection::vec(element(true), n),
                (1_000_000u64..=2_000_000, 0u64..=MAX_REL_TOLERANCE)
                    .prop_map(|(abs, rel)| ExecutionPolicy::Tolerance { abs, rel }),
            )
        })
    }

    fn around(center: &[f32], deviation: &[f32]) -> TensorMap {
        let v: Vec<f32> = center.iter().zip(deviation).map(|(c, d)| c + d).collect();
        map(&v)
    }

    proptest! {
        /// Reordering the outputs never changes the reference.
        #[test]
        fn permutations_never_change_the_reference(
            outs in proptest::collection::vec(proptest::collection::vec(element(false), 3), 1..8),
            rotate in 0usize..8,
            swap in (0usize..8, 0usize..8),
        ) {
            let maps: Vec<TensorMap> = outs.iter().map(|v| map(v)).collect();
            let mut shuffled = maps.clone();
            let len = shuffled.len();
            shuffled.rotate_left(rotate % len);
            shuffled.swap(swap.0 % len, swap.1 % len);
            prop_assert_eq!(
                median_reference(&maps).map(|m| m.canonical_bytes()),
                median_reference(&shuffled).map(|m| m.canonical_bytes())
            );
        }

        /// With more honest outputs than others, every honest output agrees with the reference,
        /// and so does any output within the tolerance of every honest one: it is never
        /// slashed, whatever the attacker reveals and in whatever order.
        #[test]
        fn an_output_inside_every_honest_bound_agrees_with_the_reference(
            (center, honest, attacker, candidate, policy) in scenario(),
        ) {
            let honest: Vec<TensorMap> = honest.iter().map(|d| around(&center, d)).collect();
            // The honest outputs agree with each other, whichever is the reference.
            for a in &honest {
                for b in &honest {
                    prop_assume!(compare(&policy, a, b).is_ok());
                }
            }
            let mut all: Vec<TensorMap> = attacker.iter().map(|v| map(v)).collect();
            all.extend(honest.iter().cloned());
            let reference = median_reference(&all).expect("reference");
            for h in &honest {
                prop_assert!(compare(&policy, h, &reference).is_ok());
            }
            let candidate = around(&center, &candidate);
            if honest.iter().all(|h| compare(&policy, &candidate, h).is_ok()) {
                prop_assert!(compare(&policy, &candidate, &reference).is_ok());
            }
        }
    }
}
