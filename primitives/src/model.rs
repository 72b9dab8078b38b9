//! Model identifiers, model schemas and input checking.
//!
//! [`ModelInfo`] is stored in runtime state. Every collection in it is a `BoundedVec` with a
//! bound from [`crate::limits`], so it implements `MaxEncodedLen`
//! (`ModelInfo::max_encoded_len() == MAX_MODEL_INFO_BYTES`) and decoding an over-long value
//! fails.

use crate::limits::{MAX_NAME_LEN, MAX_OPS, MAX_OP_NAME_LEN, MAX_RANK, MAX_TENSORS};
use crate::tensor::{DType, TensorMap};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{bounded::BoundedVec, ConstU32, H256};

/// Identifier of a model: blake2-256 of the ONNX model bytes, so anyone can recompute it.
pub type ModelId = H256;

/// Computes the [`ModelId`] of model bytes (blake2-256).
pub fn model_id(bytes: &[u8]) -> ModelId {
    H256(sp_crypto_hashing::blake2_256(bytes))
}

/// A tensor name, at most [`MAX_NAME_LEN`] bytes.
pub type TensorName = BoundedVec<u8, ConstU32<MAX_NAME_LEN>>;
/// A concrete tensor shape, at most [`MAX_RANK`] dimensions.
pub type Shape = BoundedVec<u64, ConstU32<MAX_RANK>>;
/// An operator name (e.g. `b"MatMul"`), at most [`MAX_OP_NAME_LEN`] bytes.
pub type OpName = BoundedVec<u8, ConstU32<MAX_OP_NAME_LEN>>;
/// Input or output specs of a model, at most [`MAX_TENSORS`].
pub type TensorSpecs = BoundedVec<TensorSpec, ConstU32<MAX_TENSORS>>;
/// Distinct operator names of a model, sorted, at most [`MAX_OPS`].
pub type OpNames = BoundedVec<OpName, ConstU32<MAX_OPS>>;

/// Name, dtype and fully concrete shape of a model input or output.
#[derive(
    Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct TensorSpec {
    /// ONNX input or output name.
    pub name: TensorName,
    /// Element type.
    pub dtype: DType,
    /// Concrete shape (dynamic dimensions are rejected at validation).
    pub shape: Shape,
}

/// What validation learned about a model; stored on chain when the model is accepted.
#[derive(
    Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct ModelInfo {
    /// Graph inputs, in ONNX declaration order.
    pub inputs: TensorSpecs,
    /// Graph outputs, in ONNX declaration order.
    pub outputs: TensorSpecs,
    /// Distinct ONNX operator types used by the graph, sorted bytewise.
    pub ops: OpNames,
    /// Number of parameters (elements of initializers and constants).
    pub parameters: u64,
    /// Estimated cost of one inference from tract's cost model (multiply-accumulates plus
    /// other arithmetic operations), at most [`crate::limits::MAX_COST`].
    pub cost: u64,
}

/// Largest SCALE encoding of a [`ModelInfo`], in bytes (equal to its `MaxEncodedLen`).
pub const MAX_MODEL_INFO_BYTES: u32 = {
    const fn compact_len(n: u32) -> u32 {
        if n < 1 << 6 {
            1
        } else if n < 1 << 14 {
            2
        } else if n < 1 << 30 {
            4
        } else {
            5
        }
    }
    let spec = compact_len(MAX_NAME_LEN) + MAX_NAME_LEN + 1 + compact_len(MAX_RANK) + 8 * MAX_RANK;
    let specs = compact_len(MAX_TENSORS) + MAX_TENSORS * spec;
    let ops = compact_len(MAX_OPS) + MAX_OPS * (compact_len(MAX_OP_NAME_LEN) + MAX_OP_NAME_LEN);
    2 * specs + ops + 8 + 8
};

/// Why inputs do not match a model's input specs.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum SchemaError {
    /// The model has an input of this name that the map does not provide.
    MissingInput {
        /// Input name.
        name: Vec<u8>,
    },
    /// The map provides a tensor that is not an input of the model.
    UnexpectedInput {
        /// Tensor name.
        name: Vec<u8>,
    },
    /// An input has the wrong dtype.
    DType {
        /// Input name.
        name: Vec<u8>,
        /// Dtype the model declares.
        expected: DType,
        /// Dtype provided.
        actual: DType,
    },
    /// An input has the wrong shape.
    Shape {
        /// Input name.
        name: Vec<u8>,
        /// Shape the model declares.
        expected: Vec<u64>,
        /// Shape provided.
        actual: Vec<u64>,
    },
}

impl ModelInfo {
    /// Blake2-256 of the SCALE encoding.
    pub fn digest(&self) -> H256 {
        H256(sp_crypto_hashing::blake2_256(&self.encode()))
    }

    /// Checks that `inputs` provides exactly the model's inputs with the declared dtypes and
    /// shapes. The error names the first offending input (model order, then extra tensors).
    pub fn check_inputs(&self, inputs: &TensorMap) -> Result<(), SchemaError> {
        for spec in self.inputs.iter() {
            let name = spec.name.to_vec();
            let Some(t) = inputs.get(&spec.name) else {
                return Err(SchemaError::MissingInput { name });
            };
            if t.dtype != spec.dtype {
                return Err(SchemaError::DType {
                    name,
                    expected: spec.dtype,
                    actual: t.dtype,
                });
            }
            if t.shape.as_slice() != spec.shape.as_slice() {
                return Err(SchemaError::Shape {
                    name,
                    expected: spec.shape.to_vec(),
                    actual: t.shape.clone(),
                });
            }
        }
        for nt in &inputs.0 {
            if !self
                .inputs
                .iter()
                .any(|s| s.name.as_slice() == nt.name.as_slice())
            {
                return Err(SchemaError::UnexpectedInput {
                    name: nt.name.clone(),
                });
            }
        }
        Ok(())
    }

    /// The input spec named `name`, if any.
    pub fn input(&self, name: &[u8]) -> Option<&TensorSpec> {
        self.inputs.iter().find(|s| s.name.as_slice() == name)
    }
}

/// Largest canonical encoding, in bytes, of a tensor map that matches `specs` (one tensor of
/// each spec's dtype and shape), or `None` on overflow.
///
/// The encoding is the map's length prefix, then per tensor its name (length prefix and
/// bytes), dtype (one byte), shape (length prefix and 8 bytes per dimension) and data (length
/// prefix and bytes); every compact length prefix is counted at its largest, 5 bytes. The
/// chain refuses models whose inputs or outputs could not fit a request or a reveal.
pub fn max_canonical_len(specs: &[TensorSpec]) -> Option<u64> {
    const PREFIX: u64 = 5;
    specs.iter().try_fold(PREFIX, |total, spec| {
        let data = spec
            .shape
            .iter()
            .try_fold(1u64, |acc, d| acc.checked_mul(*d))?
            .checked_mul(spec.dtype.size_in_bytes())?;
        let header = PREFIX
            .checked_add(spec.name.len() as u64)?
            .checked_add(1)?
            .checked_add(PREFIX)?
            .checked_add(8u64.checked_mul(spec.shape.len() as u64)?)?
            .checked_add(PREFIX)?;
        total.checked_add(header)?.checked_add(data)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::{NamedTensor, Tensor};
    use alloc::vec;

    fn spec(name: &[u8], dtype: DType, shape: &[u64]) -> TensorSpec {
        TensorSpec {
            name: name.to_vec().try_into().unwrap(),
            dtype,
            shape: shape.to_vec().try_into().unwrap(),
        }
    }

    fn info() -> ModelInfo {
        ModelInfo {
            inputs: vec![spec(b"x", DType::F32, &[1, 2])].try_into().unwrap(),
            outputs: vec![spec(b"y", DType::F32, &[1, 3])].try_into().unwrap(),
            ops: vec![b"Gemm".to_vec().try_into().unwrap()]
                .try_into()
                .unwrap(),
            parameters: 9,
            cost: 6,
        }
    }

    #[test]
    fn max_encoded_len_matches_constant() {
        assert_eq!(ModelInfo::max_encoded_len(), MAX_MODEL_INFO_BYTES as usize);
    }

    #[test]
    fn model_id_is_blake2() {
        assert_eq!(
            model_id(b"abc"),
            H256(sp_crypto_hashing::blake2_256(b"abc"))
        );
        assert_ne!(info().digest(), ModelInfo { cost: 7, ..info() }.digest());
    }

    #[test]
    fn check_inputs_names_the_problem() {
        let m = info();
        let ok = TensorMap::new(vec![NamedTensor {
            name: b"x".to_vec(),
            tensor: Tensor::from_f32(vec![1, 2], &[1.0, 2.0]).unwrap(),
        }])
        .unwrap();
        assert_eq!(m.check_inputs(&ok), Ok(()));
        let shape = TensorMap::new(vec![NamedTensor {
            name: b"x".to_vec(),
            tensor: Tensor::from_f32(vec![2], &[1.0, 2.0]).unwrap(),
        }])
        .unwrap();
        assert_eq!(
            m.check_inputs(&shape),
            Err(SchemaError::Shape {
                name: b"x".to_vec(),
                expected: vec![1, 2],
                actual: vec![2]
            })
        );
        let dtype = TensorMap::new(vec![NamedTensor {
            name: b"x".to_vec(),
            tensor: Tensor::from_i64(vec![1, 2], &[1, 2]).unwrap(),
        }])
        .unwrap();
        assert!(matches!(
            m.check_inputs(&dtype),
            Err(SchemaError::DType { .. })
        ));
        assert_eq!(
            m.check_inputs(&TensorMap::default()),
            Err(SchemaError::MissingInput {
                name: b"x".to_vec()
            })
        );
        let mut extra = ok.clone();
        extra.0.push(NamedTensor {
            name: b"z".to_vec(),
            tensor: Tensor::from_i64(vec![], &[1]).unwrap(),
        });
        assert_eq!(
            m.check_inputs(&extra),
            Err(SchemaError::UnexpectedInput {
                name: b"z".to_vec()
            })
        );
    }

    /// Random specs of up to four tensors with distinct names and small shapes.
    fn specs() -> impl proptest::strategy::Strategy<Value = Vec<TensorSpec>> {
        use proptest::prelude::*;
        let dtype = prop_oneof![
            Just(DType::F32),
            Just(DType::F64),
            Just(DType::I64),
            Just(DType::I32),
            Just(DType::I8),
            Just(DType::U8),
            Just(DType::Bool),
        ];
        let one = (
            proptest::collection::vec(b'a'..=b'z', 1..70),
            dtype,
            proptest::collection::vec(0u64..5, 0..5),
        );
        proptest::collection::vec(one, 0..5).prop_map(|v| {
            let mut names = alloc::collections::BTreeSet::new();
            v.into_iter()
                .filter(|(name, _, _)| names.insert(name.clone()))
                .map(|(name, dtype, shape)| spec(&name, dtype, &shape))
                .collect()
        })
    }

    proptest::proptest! {
        #[test]
        fn max_canonical_len_bounds_every_matching_map(specs in specs()) {
            let map = TensorMap::new(
                specs
                    .iter()
                    .map(|s| {
                        let len = s.shape.iter().product::<u64>() * s.dtype.size_in_bytes();
                        NamedTensor {
                            name: s.name.to_vec(),
                            tensor: Tensor::new(s.dtype, s.shape.to_vec(), vec![0; len as usize])
                                .unwrap(),
                        }
                    })
                    .collect(),
            )
            .unwrap();
            let len = map.canonical_bytes().len() as u64;
            let bound = max_canonical_len(&specs).unwrap();
            proptest::prop_assert!(len <= bound);
            // Tight up to the compact prefixes counted at 5 bytes (at most 4 too many each).
            proptest::prop_assert!(bound - len <= 4 * (1 + 3 * specs.len() as u64));
        }
    }

    #[test]
    fn max_canonical_len_overflows_to_none() {
        let huge = spec(b"x", DType::F64, &[u64::MAX, 2]);
        assert_eq!(max_canonical_len(&[huge]), None);
        assert_eq!(max_canonical_len(&[]), Some(5));
    }
}
