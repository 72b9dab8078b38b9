//! Execution policies and the one rule that compares two workers' outputs.
//!
//! [`compare`] runs inside the runtime, so it uses no platform floating point: floats are
//! compared through their IEEE 754 bit patterns with exact integer arithmetic
//! (see the private `dyadic` module).

use crate::dyadic::{classify_f32, classify_f64, scaled_abs_diff, Big, Class, BIAS};
use crate::tensor::{DType, TensorMap};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Fixed-point unit of [`ExecutionPolicy::Tolerance`] fields: values are in units of `1e-9`,
/// i.e. `abs = 1_000` means an absolute tolerance of `1e-6` and `rel = 10_000_000` a relative
/// tolerance of `1e-2`.
pub const TOLERANCE_UNIT: u64 = 1_000_000_000;

/// How workers must execute a model and how their outputs are compared.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
)]
pub enum ExecutionPolicy {
    /// Deterministic kernels; outputs must be bit-identical (equal canonical encodings).
    #[codec(index = 0)]
    Exact,
    /// Native kernels; float outputs `a` (this worker) and `b` (reference) match element-wise
    /// when `|a − b| ≤ abs·1e-9 + rel·1e-9·|b|`, computed exactly. NaN matches only NaN (any
    /// payload), an infinity only the same infinity; integer and boolean tensors must be equal.
    #[codec(index = 1)]
    Tolerance {
        /// Absolute tolerance in units of `1e-9` ([`TOLERANCE_UNIT`]).
        abs: u64,
        /// Relative tolerance in units of `1e-9` ([`TOLERANCE_UNIT`]).
        rel: u64,
    },
}

/// Largest absolute tolerance a policy may set (`1e9`, in units of `1e-9`): beyond it,
/// comparison would accept any finite output.
pub const MAX_ABS_TOLERANCE: u64 = TOLERANCE_UNIT * TOLERANCE_UNIT;

/// Largest relative tolerance a policy may set (`100 %`, in units of `1e-9`).
pub const MAX_REL_TOLERANCE: u64 = TOLERANCE_UNIT;

impl ExecutionPolicy {
    /// Whether the policy's tolerances are within [`MAX_ABS_TOLERANCE`] and
    /// [`MAX_REL_TOLERANCE`] (an `Exact` policy always is). The chain refuses other policies:
    /// they would make comparison meaningless.
    pub fn within_bounds(&self) -> bool {
        match *self {
            ExecutionPolicy::Exact => true,
            ExecutionPolicy::Tolerance { abs, rel } => {
                abs <= MAX_ABS_TOLERANCE && rel <= MAX_REL_TOLERANCE
            }
        }
    }
}

/// Where two output maps disagree (the first difference found, in canonical order).
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum Mismatch {
    /// The maps have different numbers of tensors.
    TensorCount {
        /// Tensors in `a`.
        a: u32,
        /// Tensors in `b`.
        b: u32,
    },
    /// The tensors at this position have different names.
    Name {
        /// Name in `a`.
        a: Vec<u8>,
        /// Name in `b`.
        b: Vec<u8>,
    },
    /// The named tensor has different dtypes.
    DType {
        /// Tensor name.
        name: Vec<u8>,
    },
    /// The named tensor has different shapes.
    Shape {
        /// Tensor name.
        name: Vec<u8>,
    },
    /// The named tensor's data length does not match its shape (an invalid map).
    Malformed {
        /// Tensor name.
        name: Vec<u8>,
    },
    /// An element differs beyond the policy.
    Element {
        /// Tensor name.
        name: Vec<u8>,
        /// Row-major element index.
        index: u64,
    },
}

/// Compares outputs `a` against reference outputs `b` under `policy`.
///
/// Names, dtypes and shapes must always match. `Exact` requires equal data bytes (for valid
/// maps: equal canonical encodings); `Tolerance` applies the element rule documented on
/// [`ExecutionPolicy::Tolerance`]. The rule is not symmetric (`rel` scales `|b|`).
pub fn compare(policy: &ExecutionPolicy, a: &TensorMap, b: &TensorMap) -> Result<(), Mismatch> {
    if a.0.len() != b.0.len() {
        return Err(Mismatch::TensorCount {
            a: a.0.len() as u32,
            b: b.0.len() as u32,
        });
    }
    for (x, y) in a.0.iter().zip(b.0.iter()) {
        if x.name != y.name {
            return Err(Mismatch::Name {
                a: x.name.clone(),
                b: y.name.clone(),
            });
        }
        let name = || x.name.clone();
        let (tx, ty) = (&x.tensor, &y.tensor);
        if tx.dtype != ty.dtype {
            return Err(Mismatch::DType { name: name() });
        }
        if tx.shape != ty.shape {
            return Err(Mismatch::Shape { name: name() });
        }
        if tx.validate().is_err() || ty.validate().is_err() {
            return Err(Mismatch::Malformed { name: name() });
        }
        if tx.data == ty.data {
            continue;
        }
        let size = tx.dtype.size_in_bytes() as usize;
        let pairs = tx.data.chunks_exact(size).zip(ty.data.chunks_exact(size));
        for (index, (ea, eb)) in pairs.enumerate() {
            let ok = match (policy, tx.dtype) {
                (ExecutionPolicy::Tolerance { abs, rel }, DType::F32) => {
                    let bits = |e: &[u8]| {
                        let mut le = [0u8; 4];
                        le.copy_from_slice(e);
                        u32::from_le_bytes(le)
                    };
                    within(classify_f32(bits(ea)), classify_f32(bits(eb)), *abs, *rel)
                }
                (ExecutionPolicy::Tolerance { abs, rel }, DType::F64) => {
                    let bits = |e: &[u8]| {
                        let mut le = [0u8; 8];
                        le.copy_from_slice(e);
                        u64::from_le_bytes(le)
                    };
                    within(classify_f64(bits(ea)), classify_f64(bits(eb)), *abs, *rel)
                }
                _ => ea == eb,
            };
            if !ok {
                return Err(Mismatch::Element {
                    name: name(),
                    index: index as u64,
                });
            }
        }
    }
    Ok(())
}

/// The element rule: `1e9·|a − b| ≤ abs + rel·|b|`, scaled by `2^BIAS` to integers.
fn within(a: Class, b: Class, abs: u64, rel: u64) -> bool {
    match (a, b) {
        (Class::Nan, Class::Nan) => true,
        (Class::Inf(x), Class::Inf(y)) => x == y,
        (Class::Finite(fa), Class::Finite(fb)) => {
            if fa.mantissa == fb.mantissa && fa.exponent == fb.exponent {
                // Equal magnitudes: equal values, or ±0, or opposite signs.
                if fa.negative == fb.negative || fa.mantissa == 0 {
                    return true;
                }
            }
            let lhs = scaled_abs_diff(&fa, &fb).mul_small(TOLERANCE_UNIT);
            let rhs = Big::shifted(abs, BIAS as u32).add(&Big::from_finite(&fb).mul_small(rel));
            lhs <= rhs
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::{NamedTensor, Tensor};
    use alloc::vec;

    fn map(values: &[f32]) -> TensorMap {
        TensorMap::new(vec![NamedTensor {
            name: b"y".to_vec(),
            tensor: Tensor::from_f32(vec![values.len() as u64], values).unwrap(),
        }])
        .unwrap()
    }

    const TOL: ExecutionPolicy = ExecutionPolicy::Tolerance {
        abs: 1_000,
        rel: 1_000_000,
    };

    #[test]
    fn exact_is_bytewise() {
        assert_eq!(
            compare(&ExecutionPolicy::Exact, &map(&[1.0]), &map(&[1.0])),
            Ok(())
        );
        assert_eq!(
            compare(
                &ExecutionPolicy::Exact,
                &map(&[1.0, 0.0]),
                &map(&[1.0, -0.0])
            ),
            Err(Mismatch::Element {
                name: b"y".to_vec(),
                index: 1
            })
        );
        assert_eq!(
            compare(
                &ExecutionPolicy::Exact,
                &map(&[f32::NAN]),
                &map(&[f32::NAN])
            ),
            Ok(())
        );
    }

    #[test]
    fn tolerance_rule() {
        // abs 1e-6, rel 1e-3
        assert_eq!(compare(&TOL, &map(&[1.0009]), &map(&[1.0])), Ok(()));
        assert!(compare(&TOL, &map(&[1.0012]), &map(&[1.0])).is_err());
        assert_eq!(compare(&TOL, &map(&[0.0]), &map(&[-0.0])), Ok(()));
        assert_eq!(compare(&TOL, &map(&[5e-7]), &map(&[0.0])), Ok(()));
        assert!(compare(&TOL, &map(&[2e-6]), &map(&[0.0])).is_err());
        assert_eq!(compare(&TOL, &map(&[f32::NAN]), &map(&[-f32::NAN])), Ok(()));
        assert!(compare(&TOL, &map(&[f32::NAN]), &map(&[1.0])).is_err());
        assert!(compare(&TOL, &map(&[f32::INFINITY]), &map(&[f32::NEG_INFINITY])).is_err());
        assert!(compare(&TOL, &map(&[f32::MAX]), &map(&[f32::INFINITY])).is_err());
        assert_eq!(
            compare(&TOL, &map(&[f32::INFINITY]), &map(&[f32::INFINITY])),
            Ok(())
        );
    }

    #[test]
    fn structure_must_match() {
        let ints = TensorMap::new(vec![NamedTensor {
            name: b"y".to_vec(),
            tensor: Tensor::from_i64(vec![1], &[1]).unwrap(),
        }])
        .unwrap();
        let ints2 = TensorMap::new(vec![NamedTensor {
            name: b"y".to_vec(),
            tensor: Tensor::from_i64(vec![1], &[2]).unwrap(),
        }])
        .unwrap();
        assert_eq!(
            compare(&TOL, &ints, &map(&[1.0])),
            Err(Mismatch::DType {
                name: b"y".to_vec()
            })
        );
        assert!(matches!(
            compare(&TOL, &ints, &ints2),
            Err(Mismatch::Element { .. })
        ));
        assert_eq!(
            compare(&TOL, &map(&[1.0, 2.0]), &map(&[1.0])),
            Err(Mismatch::Shape {
                name: b"y".to_vec()
            })
        );
        assert!(matches!(
            compare(&TOL, &TensorMap::default(), &map(&[1.0])),
            Err(Mismatch::TensorCount { a: 0, b: 1 })
        ));
    }

    #[test]
    fn huge_and_tiny_values_are_exact() {
        let big = ExecutionPolicy::Tolerance {
            abs: 0,
            rel: TOLERANCE_UNIT,
        };
        let m = |v: f64| {
            TensorMap::new(vec![NamedTensor {
                name: b"y".to_vec(),
                tensor: Tensor::new(DType::F64, vec![], v.to_le_bytes().to_vec()).unwrap(),
            }])
            .unwrap()
        };
        // rel = 1: |a − b| ≤ |b|  ⇔  a in [0, 2b] for b > 0.
        assert_eq!(compare(&big, &m(2.0 * 1e300), &m(1e300)), Ok(()));
        assert!(compare(&big, &m(f64::MAX), &m(1e300)).is_err());
        assert_eq!(compare(&big, &m(-0.0), &m(f64::MAX)), Ok(()));
        assert!(compare(&big, &m(-5e-324), &m(5e-324)).is_err());
        let exact = ExecutionPolicy::Tolerance { abs: 0, rel: 0 };
        assert!(compare(&exact, &m(5e-324), &m(1e-323)).is_err());
        assert_eq!(compare(&exact, &m(5e-324), &m(5e-324)), Ok(()));
    }

    proptest::proptest! {
        #[test]
        fn tolerance_bounds_accept_exactly_the_limits(abs in 0u64..=u64::MAX, rel in 0u64..=u64::MAX) {
            let policy = ExecutionPolicy::Tolerance { abs, rel };
            proptest::prop_assert_eq!(
                policy.within_bounds(),
                abs <= MAX_ABS_TOLERANCE && rel <= MAX_REL_TOLERANCE
            );
        }

        #[test]
        fn the_widest_accepted_policy_compares_any_floats(
            a in proptest::collection::vec(proptest::num::f32::ANY, 1..8),
            b in proptest::collection::vec(proptest::num::f32::ANY, 1..8),
        ) {
            let widest = ExecutionPolicy::Tolerance { abs: MAX_ABS_TOLERANCE, rel: MAX_REL_TOLERANCE };
            proptest::prop_assert!(widest.within_bounds());
            let n = a.len().min(b.len());
            // Never panics; a value always matches itself.
            let _ = compare(&widest, &map(&a[..n]), &map(&b[..n]));
            proptest::prop_assert_eq!(compare(&widest, &map(&a[..n]), &map(&a[..n])), Ok(()));
        }
    }

    #[test]
    fn exact_is_within_bounds() {
        assert!(ExecutionPolicy::Exact.within_bounds());
        assert!(!ExecutionPolicy::Tolerance {
            abs: MAX_ABS_TOLERANCE + 1,
            rel: 0
        }
        .within_bounds());
        assert!(!ExecutionPolicy::Tolerance {
            abs: 0,
            rel: MAX_REL_TOLERANCE + 1
        }
        .within_bounds());
    }
}
