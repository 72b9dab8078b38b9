//! Digests and commitments of canonical output encodings, and what a worker reveals.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

/// Blake2-256 of a canonical output encoding ([`crate::tensor::TensorMap::canonical_bytes`]).
///
/// This is the digest printed by `inferchain-engine hash`.
pub fn output_digest(canonical_outputs: &[u8]) -> H256 {
    H256(sp_crypto_hashing::blake2_256(canonical_outputs))
}

/// The commitment a worker submits before revealing its outputs:
/// `blake2_256(canonical_outputs ‖ worker)`, where `worker` is the encoded account id of the
/// worker, so that a worker cannot copy another worker's commitment.
pub fn output_commitment(canonical_outputs: &[u8], worker: &[u8]) -> H256 {
    let mut buf =
        alloc::vec::Vec::with_capacity(canonical_outputs.len().saturating_add(worker.len()));
    buf.extend_from_slice(canonical_outputs);
    buf.extend_from_slice(worker);
    H256(sp_crypto_hashing::blake2_256(&buf))
}

/// What a worker reveals for a job: the outputs it computed, or that the model could not be
/// executed on the job's inputs for a reason that depends on the model and the inputs (the
/// engine rejected the inputs, or the execution failed), not on the worker's node.
///
/// A committee agreeing on `ExecutionFailed` fails an inference request without punishing the
/// workers, so a requester cannot make honest workers lose their bond with inputs the model
/// cannot process.
#[derive(
    Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub enum Reveal<Outputs> {
    /// The canonical outputs (a tensor map of an inference, the SCALE `ValidationOutcome` of a
    /// model validation).
    #[codec(index = 0)]
    Outputs(Outputs),
    /// The model could not be executed on these inputs.
    #[codec(index = 1)]
    ExecutionFailed,
}

impl<Outputs: AsRef<[u8]>> Reveal<Outputs> {
    /// The commitment `worker` submits before revealing this: [`output_commitment`] of the
    /// outputs, or of the empty encoding (never valid outputs) for an execution failure.
    pub fn commitment(&self, worker: &[u8]) -> H256 {
        output_commitment(self.output_bytes(), worker)
    }

    /// The revealed outputs, if any.
    pub fn outputs(&self) -> Option<&[u8]> {
        match self {
            Reveal::Outputs(o) => Some(o.as_ref()),
            Reveal::ExecutionFailed => None,
        }
    }

    /// The output bytes revealed (none for an execution failure).
    pub fn output_bytes(&self) -> &[u8] {
        self.outputs().unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitment_binds_worker() {
        let out = [1u8, 2, 3];
        assert_ne!(
            output_commitment(&out, &[1; 32]),
            output_commitment(&out, &[2; 32])
        );
        assert_eq!(output_commitment(&out, &[]), output_digest(&out));
    }

    #[test]
    fn an_execution_failure_commits_to_no_outputs() {
        let worker = [7u8; 32];
        let failed: Reveal<alloc::vec::Vec<u8>> = Reveal::ExecutionFailed;
        assert_eq!(failed.commitment(&worker), output_commitment(&[], &worker));
        let outputs = Reveal::Outputs(alloc::vec![1u8, 2]);
        assert_eq!(
            outputs.commitment(&worker),
            output_commitment(&[1, 2], &worker)
        );
        assert_ne!(failed.commitment(&worker), outputs.commitment(&worker));
        assert_eq!(failed.outputs(), None);
        assert_eq!(outputs.output_bytes(), &[1, 2]);
    }
}
