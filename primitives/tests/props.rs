//! Property tests of the tensor encoding and of the comparison rule.

use inferchain_primitives::policy::{compare, ExecutionPolicy, Mismatch, TOLERANCE_UNIT};
use inferchain_primitives::tensor::{DType, NamedTensor, Tensor, TensorMap};
use proptest::prelude::*;

fn dtype() -> impl Strategy<Value = DType> {
    prop_oneof![
        Just(DType::F32),
        Just(DType::F64),
        Just(DType::I64),
        Just(DType::I32),
        Just(DType::I8),
        Just(DType::U8),
        Just(DType::Bool),
    ]
}

fn tensor() -> impl Strategy<Value = Tensor> {
    (dtype(), prop::collection::vec(0u64..4, 0..4)).prop_flat_map(|(dtype, shape)| {
        let n = shape.iter().product::<u64>() * dtype.size_in_bytes();
        let byte = if dtype == DType::Bool {
            (0u8..2).boxed()
        } else {
            any::<u8>().boxed()
        };
        prop::collection::vec(byte, n as usize).prop_map(move |data| Tensor {
            dtype,
            shape: shape.clone(),
            data,
        })
    })
}

fn tensor_map() -> impl Strategy<Value = TensorMap> {
    prop::collection::btree_map(prop::collection::vec(any::<u8>(), 1..6), tensor(), 0..5).prop_map(
        |m| {
            TensorMap(
                m.into_iter()
                    .map(|(name, tensor)| NamedTensor { name, tensor })
                    .collect(),
            )
        },
    )
}

fn scalar_f64(v: f64) -> TensorMap {
    TensorMap(vec![NamedTensor {
        name: b"y".to_vec(),
        tensor: Tensor {
            dtype: DType::F64,
            shape: vec![],
            data: v.to_le_bytes().to_vec(),
        },
    }])
}

fn scalar_f32(v: f32) -> TensorMap {
    TensorMap(vec![NamedTensor {
        name: b"y".to_vec(),
        tensor: Tensor {
            dtype: DType::F32,
            shape: vec![],
            data: v.to_le_bytes().to_vec(),
        },
    }])
}

fn tol(abs: u64, rel: u64) -> ExecutionPolicy {
    ExecutionPolicy::Tolerance { abs, rel }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encoding_round_trips(m in tensor_map()) {
        prop_assert_eq!(m.validate(), Ok(()));
        let bytes = m.canonical_bytes();
        prop_assert_eq!(TensorMap::decode_checked(&bytes), Ok(m.clone()));
        let rebuilt = TensorMap::new(m.0.iter().rev().cloned().collect()).unwrap();
        prop_assert_eq!(rebuilt.canonical_bytes(), bytes);
    }

    #[test]
    fn decode_checked_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(m) = TensorMap::decode_checked(&bytes) {
            // Whatever decodes is canonical: it re-encodes to the same bytes.
            prop_assert_eq!(m.canonical_bytes(), bytes);
        }
    }

    #[test]
    fn decode_checked_never_panics_on_mutations(
        m in tensor_map(),
        pos in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = m.canonical_bytes();
        if !bytes.is_empty() {
            let i = pos.index(bytes.len());
            bytes[i] = byte;
            let c = cut.index(bytes.len() + 1);
            let _ = TensorMap::decode_checked(&bytes[..c]);
        }
        if let Ok(d) = TensorMap::decode_checked(&bytes) {
            prop_assert_eq!(d.canonical_bytes(), bytes);
        }
    }

    #[test]
    fn compare_is_reflexive(m in tensor_map(), abs in any::<u64>(), rel in any::<u64>()) {
        prop_assert_eq!(compare(&ExecutionPolicy::Exact, &m, &m), Ok(()));
        // Tolerance: reflexive for everything, since NaN matches NaN and Inf the same Inf.
        prop_assert_eq!(compare(&tol(abs, rel), &m, &m), Ok(()));
    }

    #[test]
    fn nan_and_inf_rules(x in any::<f64>(), abs in any::<u64>(), rel in any::<u64>()) {
        let p = tol(abs, rel);
        let nan = scalar_f64(f64::NAN);
        prop_assert_eq!(compare(&p, &nan, &scalar_f64(x)).is_ok(), x.is_nan());
        prop_assert_eq!(compare(&p, &scalar_f64(x), &nan).is_ok(), x.is_nan());
        let inf = scalar_f64(f64::INFINITY);
        prop_assert_eq!(compare(&p, &inf, &scalar_f64(x)).is_ok(), x == f64::INFINITY);
        prop_assert_eq!(compare(&p, &scalar_f64(x), &inf).is_ok(), x == f64::INFINITY);
    }

    #[test]
    fn tolerance_is_monotonic(
        a in any::<f32>(), b in any::<f32>(),
        abs in 0u64..1u64 << 40, rel in 0u64..1u64 << 40,
        dabs in 0u64..1u64 << 40, drel in 0u64..1u64 << 40,
    ) {
        let (ma, mb) = (scalar_f32(a), scalar_f32(b));
        if compare(&tol(abs, rel), &ma, &mb).is_ok() {
            prop_assert!(compare(&tol(abs + dabs, rel + drel), &ma, &mb).is_ok());
        }
    }

    #[test]
    fn matches_f64_reference(
        a in -1.0e6f64..1.0e6, b in -1.0e6f64..1.0e6,
        abs in 0u64..10 * TOLERANCE_UNIT, rel in 0u64..TOLERANCE_UNIT,
    ) {
        // Reference in f64; only decided where its rounding error cannot matter.
        let lhs = (a - b).abs();
        let rhs = abs as f64 * 1e-9 + rel as f64 * 1e-9 * b.abs();
        prop_assume!((lhs - rhs).abs() > 1e-9 * (lhs + rhs) + 1e-300);
        prop_assert_eq!(compare(&tol(abs, rel), &scalar_f64(a), &scalar_f64(b)).is_ok(), lhs <= rhs);
    }

    #[test]
    fn matches_f64_reference_near_each_other(
        b in -1.0e3f64..1.0e3, ulps in -100_000i64..100_000,
        abs in 0u64..1000, rel in 0u64..100_000,
    ) {
        let a = f64::from_bits((b.to_bits() as i64 + ulps) as u64);
        let lhs = (a - b).abs();
        let rhs = abs as f64 * 1e-9 + rel as f64 * 1e-9 * b.abs();
        prop_assume!((lhs - rhs).abs() > 1e-9 * (lhs + rhs) + 1e-300);
        prop_assert_eq!(compare(&tol(abs, rel), &scalar_f64(a), &scalar_f64(b)).is_ok(), lhs <= rhs);
    }

    #[test]
    fn integers_must_match_exactly(x in any::<i64>(), y in any::<i64>()) {
        let m = |v: i64| TensorMap(vec![NamedTensor {
            name: b"y".to_vec(),
            tensor: Tensor::from_i64(vec![1], &[v]).unwrap(),
        }]);
        let r = compare(&tol(u64::MAX, u64::MAX), &m(x), &m(y));
        if x == y {
            prop_assert_eq!(r, Ok(()));
        } else {
            prop_assert_eq!(r, Err(Mismatch::Element { name: b"y".to_vec(), index: 0 }));
        }
    }
}
