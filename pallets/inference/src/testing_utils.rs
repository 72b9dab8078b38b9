//! Builders shared by the benchmarks and the unit tests: tensor maps, schemas, models in the
//! chunked form the registry expects, and models inserted directly as `Active`.
//!
//! Every builder is generic over the runtime and returns `None` instead of panicking, so the
//! benchmarks (which run in the runtime) can map a failure to a benchmark error.

use crate::*;
use alloc::{vec, vec::Vec};
use inferchain_primitives::{DType, NamedTensor, Tensor, TensorSpec};

/// Canonical encoding of a one-tensor map `name: f32[shape]` holding `values`.
pub fn f32_map(name: &[u8], shape: &[u64], values: &[f32]) -> Option<Vec<u8>> {
    let tensor = Tensor::from_f32(shape.to_vec(), values).ok()?;
    let map = TensorMap::new(vec![NamedTensor {
        name: name.to_vec(),
        tensor,
    }])
    .ok()?;
    Some(map.canonical_bytes())
}

/// The spec of an f32 tensor `name` of `shape`.
pub fn f32_spec(name: &[u8], shape: &[u64]) -> Option<TensorSpec> {
    Some(TensorSpec {
        name: name.to_vec().try_into().ok()?,
        dtype: DType::F32,
        shape: shape.to_vec().try_into().ok()?,
    })
}

/// The schema of a model `x: f32[inputs] -> y: f32[outputs]` of `cost` per inference, made of
/// the operators `ops`.
pub fn xy_info(inputs: &[u64], outputs: &[u64], ops: &[&[u8]], cost: u64) -> Option<ModelInfo> {
    let ops: Vec<inferchain_primitives::model::OpName> = ops
        .iter()
        .map(|op| op.to_vec().try_into().ok())
        .collect::<Option<_>>()?;
    Some(ModelInfo {
        inputs: vec![f32_spec(b"x", inputs)?].try_into().ok()?,
        outputs: vec![f32_spec(b"y", outputs)?].try_into().ok()?,
        ops: ops.try_into().ok()?,
        parameters: 2,
        cost,
    })
}

/// Model bytes split as the registry expects them: chunks of `MAX_CHUNK_BYTES` (the last
/// shorter) and the blake2-256 hash of each.
pub fn chunked(bytes: &[u8]) -> Option<(Vec<Vec<u8>>, ChunkHashes)> {
    let chunks: Vec<Vec<u8>> = bytes
        .chunks(MAX_CHUNK_BYTES as usize)
        .map(|c| c.to_vec())
        .collect();
    let hashes = chunks
        .iter()
        .map(|c| H256(sp_io::hashing::blake2_256(c)))
        .collect::<Vec<_>>()
        .try_into()
        .ok()?;
    Some((chunks, hashes))
}

/// Inserts model `id` owned by `owner` as `Active` with schema `info`, as genesis does: one
/// chunk, received, and no deposit.
pub fn insert_active_model<T: Config>(
    id: ModelId,
    owner: T::AccountId,
    info: ModelInfo,
    policy: ModelPolicy,
    price: BalanceOf<T>,
) -> Option<()> {
    let mut received = ChunkBitmap::default();
    registry::set_bit(&mut received, 0);
    Models::<T>::insert(
        id,
        Model::<T> {
            owner,
            name: Default::default(),
            description: Default::default(),
            size: 1,
            chunk_hashes: vec![H256::zero()].try_into().ok()?,
            received,
            received_count: 1,
            policy,
            price,
            deposit: Zero::zero(),
            status: ModelStatus::Active,
            info: Some(info),
            pending: 0,
        },
    );
    Some(())
}
