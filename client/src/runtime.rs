//! The runtime's interface, generated at compile time by subxt from the committed metadata
//! `client/metadata/inferchain.scale` (rewritten by `scripts/update-metadata.sh`; the runtime
//! test `committed_client_metadata_is_the_runtimes` fails while it differs from the runtime's).
//!
//! Storage addresses, constants, runtime API calls and transactions carry a hash of the types
//! they were generated from: subxt refuses them against a node whose runtime differs there
//! (`chain::chain_error` says so in words). Events are matched by pallet and name and decoded
//! by field name against the node's metadata.
//!
//! The primitives' `ModelInfo` (with its `TensorSpec`s and `DType`s) and `ExecutionPolicy`
//! replace their generated mirrors, wrapped in `subxt::utils::Static`, which encodes and decodes
//! them with their own SCALE codec and derefs to them: model schemas and policies read from the
//! chain are the primitives' types, with no conversion.

use subxt::utils::AccountId32;

#[subxt::subxt(
    runtime_metadata_path = "metadata/inferchain.scale",
    derive_for_all_types = "Clone, PartialEq, Eq",
    substitute_type(
        path = "inferchain_primitives::model::ModelInfo",
        with = "::subxt::utils::Static<::inferchain_primitives::model::ModelInfo>"
    ),
    substitute_type(
        path = "inferchain_primitives::policy::ExecutionPolicy",
        with = "::subxt::utils::Static<::inferchain_primitives::policy::ExecutionPolicy>"
    )
)]
mod api {}

pub use api::*;

/// The macro reads the metadata file itself, which cargo does not track: including it here
/// makes a rewritten file rebuild the client (the constant is unused, so nothing is embedded).
const _METADATA: &[u8] = include_bytes!("../metadata/inferchain.scale");

pub use api::runtime_types::pallet_inference::types::{
    FailureReason, JobStatus, Model, ModelPolicy, ModelStatus, RejectReason, WorkerStatus,
};

/// Balance type of the runtime.
pub type Balance = u128;
/// Block number type of the runtime.
pub type BlockNumber = u32;
/// Job id (an inference request or a model validation).
pub type JobId = u64;
/// Model id (blake2-256 of the ONNX bytes).
pub type ModelIdBytes = [u8; 32];
/// Result of the runtime API `InferenceApi::job`.
pub type JobView =
    api::runtime_types::pallet_inference::views::JobView<AccountId32, Balance, BlockNumber>;
/// Result of the runtime API `InferenceApi::quote`.
pub type FeeQuote = api::runtime_types::pallet_inference::types::FeeQuote<Balance>;
/// Item of the runtime API `InferenceApi::pending_work`.
pub type PendingWork = api::runtime_types::pallet_inference::views::PendingWork<BlockNumber>;
/// The `System::Account` record.
pub type AccountInfo = api::system::storage::account::Output;

#[cfg(test)]
mod tests {
    use super::runtime_types::bounded_collections::bounded_vec::BoundedVec;
    use super::*;
    use codec::{Decode, Encode};
    use inferchain_primitives::model::{ModelInfo, TensorSpec};
    use inferchain_primitives::policy::ExecutionPolicy;
    use inferchain_primitives::tensor::DType;
    use subxt::ext::scale_decode::DecodeAsType;
    use subxt::ext::scale_encode::EncodeAsType;
    use subxt::ext::scale_value;
    use subxt::utils::{Static, H256};

    fn metadata() -> subxt::Metadata {
        subxt::Metadata::decode(&mut &include_bytes!("../metadata/inferchain.scale")[..])
            .expect("the committed metadata decodes")
    }

    fn sample_info() -> ModelInfo {
        let spec = |name: &[u8], dtype, shape: &[u64]| TensorSpec {
            name: name.to_vec().try_into().unwrap(),
            dtype,
            shape: shape.to_vec().try_into().unwrap(),
        };
        ModelInfo {
            inputs: vec![
                spec(b"x", DType::F32, &[1, 4]),
                spec(b"m", DType::Bool, &[4]),
            ]
            .try_into()
            .unwrap(),
            outputs: vec![spec(b"y", DType::I64, &[1, 3])].try_into().unwrap(),
            ops: vec![b"Gemm".to_vec().try_into().unwrap()]
                .try_into()
                .unwrap(),
            parameters: 67,
            cost: 56,
        }
    }

    /// `value`'s own encoding read and written back with the metadata's type at `path`: the
    /// primitives' codec, used through `Static`, must lay bytes out as the metadata says.
    fn check_layout<T: Encode>(md: &subxt::Metadata, path: &[&str], value: &T) {
        let id = md
            .types()
            .types
            .iter()
            .find(|t| {
                t.ty.path
                    .segments
                    .iter()
                    .map(String::as_str)
                    .eq(path.iter().copied())
            })
            .unwrap_or_else(|| panic!("the metadata has no type {}", path.join("::")))
            .id;
        let bytes = value.encode();
        let input = &mut &bytes[..];
        let decoded = scale_value::scale::decode_as_type(input, id, md.types())
            .unwrap_or_else(|e| panic!("{}: {e}", path.join("::")));
        assert!(input.is_empty(), "{} left bytes over", path.join("::"));
        let mut again = Vec::new();
        scale_value::scale::encode_as_type(&decoded, id, md.types(), &mut again).unwrap();
        assert_eq!(again, bytes, "{}", path.join("::"));
    }

    #[test]
    fn substituted_primitives_match_the_metadata() {
        let md = metadata();
        let info = sample_info();
        check_layout(&md, &["inferchain_primitives", "model", "ModelInfo"], &info);
        check_layout(
            &md,
            &["inferchain_primitives", "model", "TensorSpec"],
            &info.inputs[1],
        );
        for dtype in [
            DType::F32,
            DType::F64,
            DType::I64,
            DType::I32,
            DType::I8,
            DType::U8,
            DType::Bool,
        ] {
            check_layout(&md, &["inferchain_primitives", "tensor", "DType"], &dtype);
        }
        for policy in [
            ExecutionPolicy::Exact,
            ExecutionPolicy::Tolerance { abs: 7, rel: 9 },
        ] {
            check_layout(
                &md,
                &["inferchain_primitives", "policy", "ExecutionPolicy"],
                &policy,
            );
        }
    }

    #[test]
    fn model_records_round_trip_through_the_metadata() {
        let md = metadata();
        let entry = md
            .pallet_by_name("Inference")
            .and_then(|p| p.storage())
            .and_then(|s| s.entry_by_name("Models"))
            .expect("Inference.Models");
        let id = entry.value_ty();
        let record = Model {
            owner: AccountId32([5; 32]),
            name: BoundedVec(b"mlp".to_vec()),
            description: BoundedVec(b"a sample".to_vec()),
            size: 300,
            chunk_hashes: BoundedVec(vec![H256([1; 32]), H256([2; 32])]),
            received: BoundedVec(vec![0b10]),
            received_count: 1,
            policy: ModelPolicy {
                execution: Static(ExecutionPolicy::Tolerance { abs: 1_000, rel: 3 }),
                replicas: 3,
            },
            price: 10,
            deposit: 20,
            status: ModelStatus::Rejected(RejectReason::Unusable),
            info: Some(Static(sample_info())),
            pending: 2,
        };
        let bytes = record.encode_as_type(id, md.types()).unwrap();
        let back = Model::decode_as_type(&mut &bytes[..], id, md.types()).unwrap();
        assert_eq!(back, record);
        // The schema sits in the record as the primitives encode it (the record's tail is
        // `info` then `pending`).
        let tail = [Some(sample_info()).encode(), 2u32.encode()].concat();
        assert!(bytes.ends_with(&tail));
    }
}
