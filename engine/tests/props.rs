//! Property tests of the engine's tensor files and of run determinism.

mod common;

use inferchain_engine::{tensor_io, Engine};
use inferchain_primitives::policy::ExecutionPolicy;
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
    (dtype(), prop::collection::vec(1u64..4, 0..4)).prop_flat_map(|(dtype, shape)| {
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
    prop::collection::btree_map("[a-z][a-z0-9_]{0,6}", tensor(), 0..4).prop_map(|m| {
        TensorMap(
            m.into_iter()
                .map(|(n, tensor)| NamedTensor {
                    name: n.into_bytes(),
                    tensor,
                })
                .collect(),
        )
    })
}

/// Canonical bytes with every NaN replaced by one quiet NaN (JSON cannot carry payloads).
fn canonical_nan(m: &TensorMap) -> Vec<u8> {
    let mut m = m.clone();
    for nt in &mut m.0 {
        match nt.tensor.dtype {
            DType::F32 => {
                for c in nt.tensor.data.chunks_exact_mut(4) {
                    if f32::from_le_bytes([c[0], c[1], c[2], c[3]]).is_nan() {
                        c.copy_from_slice(&f32::NAN.to_le_bytes());
                    }
                }
            }
            DType::F64 => {
                for c in nt.tensor.data.chunks_exact_mut(8) {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(c);
                    if f64::from_le_bytes(b).is_nan() {
                        c.copy_from_slice(&f64::NAN.to_le_bytes());
                    }
                }
            }
            _ => {}
        }
    }
    m.canonical_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn json_round_trip(m in tensor_map()) {
        let back = tensor_io::from_json(&tensor_io::to_json(&m).unwrap()).unwrap();
        prop_assert_eq!(canonical_nan(&back), canonical_nan(&m));
    }

    #[test]
    fn npz_round_trip(m in tensor_map()) {
        let back = tensor_io::from_npz(&tensor_io::to_npz(&m).unwrap()).unwrap();
        prop_assert_eq!(back, m);
    }

    #[test]
    fn npy_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&bytes);
        let _ = tensor_io::from_npy(&b);
        let _ = tensor_io::from_npy(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Same model, same inputs: same output bits, run after run.
    #[test]
    fn runs_are_deterministic(values in prop::collection::vec(-10.0f32..10.0, 16 * 16)) {
        let mut engine = Engine::default();
        let bytes = std::fs::read(common::model("cnn").0).unwrap();
        let x = TensorMap::new(vec![NamedTensor {
            name: b"x".to_vec(),
            tensor: Tensor::from_f32(vec![1, 1, 16, 16], &values).unwrap(),
        }]).unwrap();
        let p = ExecutionPolicy::Tolerance { abs: 0, rel: 0 };
        let a = engine.run_bytes(&bytes, &x, p).unwrap();
        let b = engine.run_bytes(&bytes, &x, p).unwrap();
        prop_assert_eq!(a.canonical_bytes(), b.canonical_bytes());
    }
}
