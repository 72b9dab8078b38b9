//! Size, shape and cost limits, as named constants.
//!
//! The runtime, the node and the engine all read these; changing one is a consensus change.

/// Largest accepted ONNX model, in bytes (64 MiB).
pub const MAX_MODEL_BYTES: u32 = 64 * 1024 * 1024;

/// Largest chunk of a model upload, in bytes (256 KiB). Models are uploaded in chunks of at
/// most this size; every chunk but the last must be exactly this size.
pub const MAX_CHUNK_BYTES: u32 = 256 * 1024;

/// Largest number of chunks a model can have (`MAX_MODEL_BYTES / MAX_CHUNK_BYTES`).
pub const MAX_CHUNKS: u32 = MAX_MODEL_BYTES / MAX_CHUNK_BYTES;

/// Largest raw data of one tensor (inputs or outputs), in bytes (4 MiB).
pub const MAX_TENSOR_BYTES: u64 = 4 * 1024 * 1024;

/// Largest total raw data of all tensors in one [`crate::tensor::TensorMap`], in bytes (8 MiB).
pub const MAX_TENSOR_MAP_BYTES: u64 = 8 * 1024 * 1024;

/// Largest number of tensors in a tensor map, and of inputs or outputs of a model.
pub const MAX_TENSORS: u32 = 16;

/// Largest rank (number of dimensions) of a tensor.
pub const MAX_RANK: u32 = 8;

/// Longest tensor name, in bytes.
pub const MAX_NAME_LEN: u32 = 128;

/// Largest estimated cost of one inference, in tract cost-model units (multiply-accumulates
/// plus other arithmetic ops, summed over the optimised plan): 4 G per inference.
pub const MAX_COST: u64 = 4_000_000_000;

/// Largest number of nodes in a model graph (checked on the raw ONNX graph, before any
/// optimisation, and again on the typed graph).
pub const MAX_GRAPH_NODES: u32 = 4096;

/// Largest number of distinct operator names listed in [`crate::model::ModelInfo::ops`].
pub const MAX_OPS: u32 = 128;

/// Longest operator name listed in [`crate::model::ModelInfo::ops`], in bytes.
pub const MAX_OP_NAME_LEN: u32 = 64;

/// Largest number of parameters (elements of constant tensors) in a model.
pub const MAX_PARAMETERS: u64 = MAX_MODEL_BYTES as u64;

/// Largest intermediate tensor the engine will materialise while running a model, in bytes
/// (256 MiB). Checked against the fully typed graph before the model is accepted.
pub const MAX_ACTIVATION_BYTES: u64 = 256 * 1024 * 1024;

/// Largest SCALE-encoded [`crate::model::ModelInfo`], in bytes (its `MaxEncodedLen`).
pub use crate::model::MAX_MODEL_INFO_BYTES;
