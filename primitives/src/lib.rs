//! Types shared by the Inferchain runtime and node.
//!
//! Everything in this crate is `no_std` compatible (the `std` feature, on by default, enables the
//! host side of the runtime interface and `std` implementations of the codecs). Code that can run
//! in consensus (tensor decoding, comparison of outputs, commitments) uses no platform floating
//! point arithmetic, never panics and allocates only within the limits in [`limits`].
//!
//! Modules:
//! - [`tensor`]: tensors, tensor maps and their canonical encoding.
//! - [`model`]: model ids, model schemas ([`model::ModelInfo`]), input checking and the
//!   largest canonical encoding of a schema.
//! - [`policy`]: execution policies, their tolerance bounds and the one output comparison rule.
//! - [`agreement`]: the agreement rule (the largest group, and when it decides).
//! - [`median`]: the reference `Tolerance` outputs are judged against (their element-wise
//!   median), which no order of the reveals can change.
//! - [`commitment`]: output digests and commitments, and the typed [`Reveal`].
//! - [`limits`]: every size and cost limit as a named constant.
//! - [`offchain_keys`]: the offchain-index key layout shared by runtime and node.
//! - [`host`]: the `inference_host` runtime interface used by offchain workers.
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod agreement;
pub mod commitment;
pub mod host;
pub mod limits;
pub mod median;
pub mod model;
pub mod offchain_keys;
pub mod policy;
pub mod tensor;

mod dyadic;

pub use commitment::{output_commitment, output_digest, Reveal};
pub use model::{model_id, ModelId, ModelInfo, SchemaError, TensorSpec};
pub use policy::{compare, ExecutionPolicy, Mismatch};
pub use tensor::{DType, NamedTensor, Tensor, TensorError, TensorMap};
