//! Typed views of the `Inference` pallet's storage, runtime API results and events.
//!
//! They decode with `scale_decode::DecodeAsType` against the type information in the node's
//! runtime metadata, matching fields and variants by name: a runtime whose types changed
//! shape fails to decode with an error naming the field, instead of producing garbage.

use inferchain_primitives::model::{ModelInfo, TensorSpec};
use inferchain_primitives::policy::ExecutionPolicy;
use inferchain_primitives::tensor::DType;
use subxt::ext::scale_decode::DecodeAsType;
use subxt::ext::scale_encode::EncodeAsType;
use subxt::utils::AccountId32;

/// Balance type of the runtime.
pub type Balance = u128;
/// Block number type of the runtime.
pub type BlockNumber = u32;
/// Job (request) id.
pub type JobId = u64;
/// Model id (blake2-256 of the ONNX bytes).
pub type ModelIdBytes = [u8; 32];

/// `inferchain_primitives::tensor::DType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
#[allow(missing_docs)]
pub enum DTypeView {
    F32,
    F64,
    I64,
    I32,
    I8,
    U8,
    Bool,
}

impl From<DTypeView> for DType {
    fn from(d: DTypeView) -> DType {
        match d {
            DTypeView::F32 => DType::F32,
            DTypeView::F64 => DType::F64,
            DTypeView::I64 => DType::I64,
            DTypeView::I32 => DType::I32,
            DTypeView::I8 => DType::I8,
            DTypeView::U8 => DType::U8,
            DTypeView::Bool => DType::Bool,
        }
    }
}

/// `inferchain_primitives::model::TensorSpec`.
#[derive(Clone, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct TensorSpecView {
    /// Input or output name.
    pub name: Vec<u8>,
    /// Element type.
    pub dtype: DTypeView,
    /// Concrete shape.
    pub shape: Vec<u64>,
}

/// `inferchain_primitives::model::ModelInfo`.
#[derive(Clone, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ModelInfoView {
    /// Graph inputs.
    pub inputs: Vec<TensorSpecView>,
    /// Graph outputs.
    pub outputs: Vec<TensorSpecView>,
    /// Distinct operators.
    pub ops: Vec<Vec<u8>>,
    /// Number of parameters.
    pub parameters: u64,
    /// Estimated cost per inference.
    pub cost: u64,
}

impl ModelInfoView {
    /// Converts to the primitives' [`ModelInfo`] (used to check inputs locally).
    pub fn to_info(&self) -> Result<ModelInfo, String> {
        let spec = |s: &TensorSpecView| -> Result<TensorSpec, String> {
            Ok(TensorSpec {
                name: s
                    .name
                    .clone()
                    .try_into()
                    .map_err(|_| "tensor name too long")?,
                dtype: s.dtype.into(),
                shape: s.shape.clone().try_into().map_err(|_| "rank too high")?,
            })
        };
        let specs = |v: &[TensorSpecView]| -> Result<Vec<TensorSpec>, String> {
            v.iter().map(spec).collect()
        };
        let ops: Result<Vec<_>, String> = self
            .ops
            .iter()
            .map(|o| {
                o.clone()
                    .try_into()
                    .map_err(|_| "operator name too long".to_string())
            })
            .collect();
        Ok(ModelInfo {
            inputs: specs(&self.inputs)?
                .try_into()
                .map_err(|_| "too many inputs")?,
            outputs: specs(&self.outputs)?
                .try_into()
                .map_err(|_| "too many outputs")?,
            ops: ops?.try_into().map_err(|_| "too many operators")?,
            parameters: self.parameters,
            cost: self.cost,
        })
    }
}

/// `inferchain_primitives::policy::ExecutionPolicy` (decoding and encoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType, EncodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
#[encode_as_type(crate_path = "subxt::ext::scale_encode")]
pub enum ExecutionPolicyView {
    /// Bit-identical outputs.
    Exact,
    /// Outputs compared within tolerances (units of 1e-9).
    Tolerance {
        /// Absolute tolerance.
        abs: u64,
        /// Relative tolerance.
        rel: u64,
    },
}

impl From<ExecutionPolicyView> for ExecutionPolicy {
    fn from(p: ExecutionPolicyView) -> ExecutionPolicy {
        match p {
            ExecutionPolicyView::Exact => ExecutionPolicy::Exact,
            ExecutionPolicyView::Tolerance { abs, rel } => ExecutionPolicy::Tolerance { abs, rel },
        }
    }
}

/// `pallet_inference::ModelPolicy` (decoding and encoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType, EncodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
#[encode_as_type(crate_path = "subxt::ext::scale_encode")]
pub struct ModelPolicyView {
    /// How outputs are compared.
    pub execution: ExecutionPolicyView,
    /// Workers per request.
    pub replicas: u8,
}

/// `pallet_inference::RejectReason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
#[allow(missing_docs)]
pub enum RejectReasonView {
    IdMismatch,
    Invalid,
    Unusable,
    Inconclusive,
    NoResponse,
}

/// `pallet_inference::ModelStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum ModelStatusView {
    /// Chunks are being uploaded.
    Uploading,
    /// The validation job with this id is running.
    Validating(JobId),
    /// Requests are accepted.
    Active,
    /// Validation failed.
    Rejected(RejectReasonView),
    /// Retired by the owner.
    Retired,
}

/// The `Inference::Models` storage record (`pallet_inference::Model`).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ModelRecord {
    /// Owner.
    pub owner: AccountId32,
    /// Name.
    pub name: Vec<u8>,
    /// Description.
    pub description: Vec<u8>,
    /// Size in bytes.
    pub size: u32,
    /// Declared chunk hashes.
    pub chunk_hashes: Vec<[u8; 32]>,
    /// Bitmap of uploaded chunks.
    pub received: Vec<u8>,
    /// Number of uploaded chunks.
    pub received_count: u32,
    /// Policy and replicas.
    pub policy: ModelPolicyView,
    /// Royalty per request.
    pub price: Balance,
    /// Deposit held.
    pub deposit: Balance,
    /// Life-cycle state.
    pub status: ModelStatusView,
    /// Schema once active.
    pub info: Option<ModelInfoView>,
    /// Requests not final yet.
    pub pending: u32,
}

impl ModelRecord {
    /// Whether chunk `index` has been uploaded.
    pub fn has_chunk(&self, index: u32) -> bool {
        bit_set(&self.received, index)
    }
}

/// Bit `index` of a chunk bitmap (bit `i % 8` of byte `i / 8`, as the pallet stores it).
pub fn bit_set(bitmap: &[u8], index: u32) -> bool {
    bitmap
        .get((index / 8) as usize)
        .is_some_and(|b| b & (1u8 << (index % 8)) != 0)
}

/// `pallet_inference::FailureReason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
#[allow(missing_docs)]
pub enum FailureReasonView {
    Inconclusive,
    ExecutionFailed,
}

/// `pallet_inference::JobStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum RequestStatusView {
    /// Waiting for commitments and reveals.
    Pending,
    /// A majority agreed.
    Completed,
    /// Failed; the requester was refunded.
    Failed(FailureReasonView),
    /// Nobody committed; the requester was refunded.
    Expired,
}

/// Result of the runtime API `InferenceApi::request` (`pallet_inference::JobView`).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct JobView {
    /// The model.
    pub model_id: ModelIdBytes,
    /// The requester (`None` for a model validation).
    pub requester: Option<AccountId32>,
    /// Total fee held.
    pub fee: Balance,
    /// Assigned workers.
    pub workers: Vec<AccountId32>,
    /// Which workers committed.
    pub committed: Vec<bool>,
    /// Which workers revealed.
    pub revealed: Vec<bool>,
    /// Which workers were in the agreeing majority.
    pub agreed: Vec<bool>,
    /// Creation block.
    pub created: BlockNumber,
    /// Last block for commitments.
    pub commit_deadline: BlockNumber,
    /// Last block for reveals.
    pub reveal_deadline: BlockNumber,
    /// State.
    pub status: RequestStatusView,
    /// Agreed outputs while retained.
    pub result: Option<Vec<u8>>,
}

/// Result of the runtime API `InferenceApi::quote` (`pallet_inference::FeeQuote`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct FeeQuoteView {
    /// Royalty for the model owner.
    pub royalty: Balance,
    /// Fee per worker.
    pub worker_fee: Balance,
    /// Number of workers.
    pub replicas: u8,
    /// Total fee.
    pub total: Balance,
}

/// `pallet_inference::WorkerStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum WorkerStatusView {
    /// In the active set.
    Active,
    /// Unbonding; the bond can be withdrawn from this block.
    Unbonding(BlockNumber),
}

/// The `Inference::Workers` storage record (`pallet_inference::Worker`).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct WorkerRecord {
    /// Bond held.
    pub bond: Balance,
    /// Active or unbonding.
    pub status: WorkerStatusView,
}

/// `pallet_inference::WorkKind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
#[allow(missing_docs)]
pub enum WorkKindView {
    Commit,
    Reveal,
    Wait,
}

/// Item of the runtime API `InferenceApi::pending_work` (`pallet_inference::PendingWork`).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct PendingWorkView {
    /// The job.
    pub job_id: JobId,
    /// The model.
    pub model_id: ModelIdBytes,
    /// A validation (`true`) or an inference.
    pub validation: bool,
    /// Next step.
    pub next: WorkKindView,
    /// Deadline of the next step.
    pub deadline: BlockNumber,
}

/// `frame_system::AccountInfo` (the parts the client reads).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct AccountInfo {
    /// Transactions sent.
    pub nonce: u32,
    /// Balances.
    pub data: AccountData,
}

/// `pallet_balances::AccountData`.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct AccountData {
    /// Free balance.
    pub free: Balance,
    /// Reserved and held balance.
    pub reserved: Balance,
    /// Frozen balance.
    pub frozen: Balance,
}

/// `pallet_inference::Offence`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
#[allow(missing_docs)]
pub enum OffenceView {
    WrongResult,
    NoReveal,
    NoCommit,
}

/// Events of the `Inference` pallet the client follows.
pub mod events {
    // The derives below also generate visitors that decoding event fields does not use.
    #![allow(dead_code, unused_imports)]
    use super::*;
    use subxt::events::DecodeAsEvent;

    macro_rules! inference_event {
        ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }) => {
            $(#[$doc])*
            #[derive(Clone, Debug, DecodeAsType)]
            #[decode_as_type(crate_path = "subxt::ext::scale_decode")]
            pub struct $name {
                $($(#[$fdoc])* pub $field: $ty),*
            }
            impl DecodeAsEvent for $name {
                fn is_event(pallet: &str, event: &str) -> bool {
                    pallet == "Inference" && event == stringify!($name)
                }
            }
        };
    }

    inference_event!(
        /// `Inference::WorkerRegistered`.
        WorkerRegistered {
            /// Worker.
            worker: AccountId32,
            /// Bond.
            bond: Balance,
        }
    );
    inference_event!(
        /// `Inference::ModelRegistered`.
        ModelRegistered {
            /// Model.
            model_id: ModelIdBytes,
            /// Chunks.
            chunks: u32,
            /// Deposit held.
            deposit: Balance,
        }
    );
    inference_event!(
        /// `Inference::InferenceRequested`.
        InferenceRequested {
            /// Job.
            job_id: JobId,
            /// Model.
            model_id: ModelIdBytes,
            /// Fee held.
            fee: Balance,
            /// Assigned workers.
            workers: Vec<AccountId32>,
        }
    );
    inference_event!(
        /// `Inference::Committed`.
        Committed {
            /// Job.
            job_id: JobId,
            /// Worker.
            worker: AccountId32,
        }
    );
    inference_event!(
        /// `Inference::Revealed`.
        Revealed {
            /// Job.
            job_id: JobId,
            /// Worker.
            worker: AccountId32,
        }
    );
    inference_event!(
        /// `Inference::InferenceCompleted`.
        InferenceCompleted {
            /// Job.
            job_id: JobId,
            /// Agreed outputs (canonical tensor map).
            outputs: Vec<u8>,
            /// Agreeing workers.
            agreeing: Vec<AccountId32>,
        }
    );
    inference_event!(
        /// `Inference::FeesPaid`.
        FeesPaid {
            /// Job.
            job_id: JobId,
            /// Royalty paid.
            royalty: Balance,
            /// Paid to workers in total.
            worker_fee: Balance,
            /// Refunded to the requester.
            refunded: Balance,
        }
    );
    inference_event!(
        /// `Inference::InferenceFailed`.
        InferenceFailed {
            /// Job.
            job_id: JobId,
            /// Why.
            reason: FailureReasonView,
        }
    );
    inference_event!(
        /// `Inference::InferenceExpired`.
        InferenceExpired {
            /// Job.
            job_id: JobId,
        }
    );
    inference_event!(
        /// `Inference::WorkerSlashed`.
        WorkerSlashed {
            /// Worker.
            worker: AccountId32,
            /// Job.
            job_id: JobId,
            /// Offence.
            offence: OffenceView,
            /// Amount slashed.
            amount: Balance,
        }
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use inferchain_primitives::tensor::{NamedTensor, Tensor, TensorMap};

    #[test]
    fn info_view_converts_and_checks_inputs() {
        let view = ModelInfoView {
            inputs: vec![TensorSpecView {
                name: b"x".to_vec(),
                dtype: DTypeView::F32,
                shape: vec![1, 4],
            }],
            outputs: vec![TensorSpecView {
                name: b"y".to_vec(),
                dtype: DTypeView::F32,
                shape: vec![1, 2],
            }],
            ops: vec![b"Gemm".to_vec()],
            parameters: 10,
            cost: 8,
        };
        let info = view.to_info().unwrap();
        let ok = TensorMap::new(vec![NamedTensor {
            name: b"x".to_vec(),
            tensor: Tensor::from_f32(vec![1, 4], &[0.0; 4]).unwrap(),
        }])
        .unwrap();
        assert!(info.check_inputs(&ok).is_ok());
        let bad = TensorMap::new(vec![NamedTensor {
            name: b"x".to_vec(),
            tensor: Tensor::from_f32(vec![4], &[0.0; 4]).unwrap(),
        }])
        .unwrap();
        assert!(info.check_inputs(&bad).is_err());
        let mut too_deep = view.clone();
        too_deep.inputs[0].shape = vec![1; 9];
        assert!(too_deep.to_info().is_err());
    }

    /// Encodes `value` (of runtime type `T`) and decodes it as `V` with `T`'s type information,
    /// as the client decodes chain data with the runtime's metadata.
    fn through_type_info<T, V>(value: &T) -> V
    where
        T: codec::Encode + scale_info::TypeInfo + 'static,
        V: DecodeAsType,
    {
        let mut registry = scale_info::Registry::new();
        let id = registry.register_type(&scale_info::meta_type::<T>()).id;
        let portable: scale_info::PortableRegistry = registry.into();
        V::decode_as_type(&mut &value.encode()[..], id, &portable).expect("decodes as the view")
    }

    /// Encodes `value` as runtime type `T` with `T`'s type information and decodes it with
    /// `T`'s own codec, as the chain decodes the client's call arguments.
    fn into_runtime_type<T, V>(value: &V) -> T
    where
        T: codec::Decode + scale_info::TypeInfo + 'static,
        V: EncodeAsType,
    {
        let mut registry = scale_info::Registry::new();
        let id = registry.register_type(&scale_info::meta_type::<T>()).id;
        let portable: scale_info::PortableRegistry = registry.into();
        let bytes = value
            .encode_as_type(id, &portable)
            .expect("encodes as the type");
        T::decode(&mut &bytes[..]).expect("the runtime type decodes")
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

    #[test]
    fn views_decode_the_primitives_types() {
        use sp_core::{bounded::BoundedVec, ConstU32, H256};
        let info = sample_info();
        let view: ModelInfoView = through_type_info(&info);
        assert_eq!(view.to_info().unwrap(), info);
        let policy = ExecutionPolicy::Tolerance { abs: 7, rel: 9 };
        let pv: ExecutionPolicyView = through_type_info(&policy);
        assert_eq!(ExecutionPolicy::from(pv), policy);
        // H256, bounded vectors and options as the pallet's records hold them.
        let hashes: BoundedVec<H256, ConstU32<4>> =
            vec![H256([1; 32]), H256([2; 32])].try_into().unwrap();
        let name: BoundedVec<u8, ConstU32<8>> = b"sample".to_vec().try_into().unwrap();
        let record = (H256([9; 32]), hashes, name, Some(info.clone()), 5u128);
        /// The client's view of `record`.
        type RecordView = (
            [u8; 32],
            Vec<[u8; 32]>,
            Vec<u8>,
            Option<ModelInfoView>,
            u128,
        );
        let (id, hs, n, i, price): RecordView = through_type_info(&record);
        assert_eq!(id, [9; 32]);
        assert_eq!(hs, vec![[1; 32], [2; 32]]);
        assert_eq!(n, b"sample".to_vec());
        assert_eq!(i.unwrap().to_info().unwrap(), info);
        assert_eq!(price, 5);
    }

    #[test]
    fn call_arguments_encode_as_the_runtime_types() {
        use sp_core::{bounded::BoundedVec, ConstU32, H256};
        let policy: ExecutionPolicy =
            into_runtime_type(&ExecutionPolicyView::Tolerance { abs: 1_000, rel: 3 });
        assert_eq!(policy, ExecutionPolicy::Tolerance { abs: 1_000, rel: 3 });
        let exact: ExecutionPolicy = into_runtime_type(&ExecutionPolicyView::Exact);
        assert_eq!(exact, ExecutionPolicy::Exact);
        let args = ([3u8; 32], vec![[4u8; 32]], b"mlp".to_vec());
        let (id, hashes, name): (
            H256,
            BoundedVec<H256, ConstU32<4>>,
            BoundedVec<u8, ConstU32<8>>,
        ) = into_runtime_type(&args);
        assert_eq!(id, H256([3; 32]));
        assert_eq!(hashes.into_inner(), vec![H256([4; 32])]);
        assert_eq!(name.into_inner(), b"mlp".to_vec());
    }

    #[test]
    fn chunk_bitmap() {
        let bits = [0b0000_0101u8, 0b1000_0000];
        let has = |i: u32| bit_set(&bits, i);
        assert!(has(0) && !has(1) && has(2) && !has(7) && !has(8) && has(15) && !has(16));
    }
}
