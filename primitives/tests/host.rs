//! The `inference_host` runtime interface dispatches to the registered extension, reports a
//! missing extension as an error, and contains backend panics.

use inferchain_primitives::host::{inference_host, HostError, InferenceHost, InferenceHostExt};
use inferchain_primitives::model::{ModelId, ModelInfo};
use inferchain_primitives::policy::ExecutionPolicy;
use sp_io::TestExternalities;

/// Test double: answers from fixed data, panics on chunk count 99.
struct Double;

impl InferenceHost for Double {
    fn validate_model(&mut self, model_id: ModelId, chunks: u32) -> Result<ModelInfo, HostError> {
        if chunks == 99 {
            panic!("backend bug");
        }
        if model_id == ModelId::zero() {
            return Err(HostError::ModelUnavailable);
        }
        Ok(ModelInfo {
            inputs: Default::default(),
            outputs: Default::default(),
            ops: Default::default(),
            parameters: chunks as u64,
            cost: 1,
        })
    }

    fn run(
        &mut self,
        _model_id: ModelId,
        chunks: u32,
        inputs: &[u8],
        policy: ExecutionPolicy,
    ) -> Result<Vec<u8>, HostError> {
        let mut out = inputs.to_vec();
        out.push(chunks as u8);
        out.push(matches!(policy, ExecutionPolicy::Exact) as u8);
        Ok(out)
    }
}

#[test]
fn without_extension_returns_no_extension() {
    TestExternalities::default().execute_with(|| {
        assert_eq!(
            inference_host::validate_model(ModelId::repeat_byte(1), 1),
            Err(HostError::NoExtension)
        );
        assert_eq!(
            inference_host::run(ModelId::repeat_byte(1), 1, &[1, 2], ExecutionPolicy::Exact),
            Err(HostError::NoExtension)
        );
    });
}

#[test]
fn dispatches_to_extension_and_contains_panics() {
    let mut ext = TestExternalities::default();
    ext.register_extension(InferenceHostExt::new(Double));
    ext.execute_with(|| {
        let info = inference_host::validate_model(ModelId::repeat_byte(1), 3).unwrap();
        assert_eq!(info.parameters, 3);
        assert_eq!(
            inference_host::validate_model(ModelId::zero(), 3),
            Err(HostError::ModelUnavailable)
        );
        assert_eq!(
            inference_host::run(
                ModelId::repeat_byte(1),
                5,
                &[7],
                ExecutionPolicy::Tolerance { abs: 1, rel: 2 }
            ),
            Ok(vec![7, 5, 0])
        );
        assert_eq!(
            inference_host::validate_model(ModelId::repeat_byte(1), 99),
            Err(HostError::Panicked)
        );
    });
}
