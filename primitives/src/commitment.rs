//! Digests and commitments of canonical output encodings.

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
}
