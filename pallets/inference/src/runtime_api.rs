//! The `InferenceApi` runtime API: models, jobs, fee quotes and workers' pending work.
//!
//! The runtime implements it by forwarding to [`crate::Pallet::model_view`],
//! [`crate::Pallet::job_view`], [`crate::Pallet::quote`] and
//! [`crate::Pallet::pending_work`].

use crate::{FeeQuote, JobId, JobView, ModelView, PendingWork};
use alloc::vec::Vec;
use codec::Codec;
use inferchain_primitives::ModelId;

sp_api::decl_runtime_apis! {
    /// Read access to the inference pallet for clients and nodes.
    ///
    /// Version 2 renamed `request` to `job` (inference requests and model validations are
    /// both jobs); a node or client built for version 1 sees the version change instead of a
    /// missing function. Version 3 added the dispute fields to `JobView` (challenge deadline,
    /// challenger, validators and their agreement) and the `Provisional` and `Escalated`
    /// statuses.
    #[api_version(3)]
    pub trait InferenceApi<AccountId, Balance, BlockNumber>
    where
        AccountId: Codec,
        Balance: Codec,
        BlockNumber: Codec,
    {
        /// A registered model, with its status, schema (once active), policy and price.
        fn model(model_id: ModelId) -> Option<ModelView<AccountId, Balance>>;
        /// A job (inference request or model validation) until it is pruned, with its result
        /// while retained.
        fn job(job_id: JobId) -> Option<JobView<AccountId, Balance, BlockNumber>>;
        /// Fee quote for a request with `input_len` bytes of canonical inputs on an active model.
        fn quote(model_id: ModelId, input_len: u32) -> Option<FeeQuote<Balance>>;
        /// Jobs assigned to `worker` that are not final, with the next step and its deadline.
        fn pending_work(worker: AccountId) -> Vec<PendingWork<BlockNumber>>;
    }
}
