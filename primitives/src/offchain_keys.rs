//! The offchain-index key layout shared by the runtime (which writes with
//! `sp_io::offchain_index::set`) and the node (which reads the offchain database).
//!
//! Every key starts with [`PREFIX`]. Integers are big-endian so keys sort numerically.

use crate::model::ModelId;
use alloc::vec::Vec;
use codec::{Decode, Encode};

/// Prefix of every Inferchain offchain-index key.
pub const PREFIX: &[u8] = b"inferchain/";

/// Sub-prefix of model chunk keys.
pub const CHUNK_PREFIX: &[u8] = b"inferchain/chunk/";

/// Sub-prefix of request input keys.
pub const REQUEST_INPUTS_PREFIX: &[u8] = b"inferchain/inputs/";

/// Key of chunk `index` (0-based) of model `model_id`:
/// `b"inferchain/chunk/" ‖ model_id (32 bytes) ‖ index (u32 big-endian)`.
pub fn chunk_key(model_id: &ModelId, index: u32) -> Vec<u8> {
    let mut key = Vec::with_capacity(CHUNK_PREFIX.len() + 32 + 4);
    key.extend_from_slice(CHUNK_PREFIX);
    key.extend_from_slice(model_id.as_bytes());
    key.extend_from_slice(&index.to_be_bytes());
    key
}

/// Key of the canonical input encoding of request `job_id`:
/// `b"inferchain/inputs/" ‖ job_id (u64 big-endian)`.
pub fn request_inputs_key(job_id: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(REQUEST_INPUTS_PREFIX.len() + 8);
    key.extend_from_slice(REQUEST_INPUTS_PREFIX);
    key.extend_from_slice(&job_id.to_be_bytes());
    key
}

/// Key, in the node's offchain **persistent local storage** (not the offchain index), of the
/// number of peers the node is connected to: a SCALE `u32` the node refreshes every second.
/// Offchain workers delay their transactions until peers have imported the block they depend
/// on only when there are peers (or when the node does not say).
pub const NODE_PEERS_KEY: &[u8] = b"inferchain/node/peers";

/// Key, in the node's offchain **persistent local storage**, of the models whose provisional
/// results the node watches (its `--inference-watch` option): a SCALE [`Watched`], written by
/// the node at start and removed when it starts without the option. Absent: the node watches
/// nothing.
pub const NODE_WATCH_KEY: &[u8] = b"inferchain/node/watch";

/// Which models' provisional results a watcher node re-executes (and challenges when wrong).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub enum Watched {
    /// Every model.
    Every,
    /// These models only.
    Models(Vec<ModelId>),
}

impl Watched {
    /// Whether results of `model` are watched.
    pub fn includes(&self, model: &ModelId) -> bool {
        match self {
            Watched::Every => true,
            Watched::Models(models) => models.contains(model),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_and_distinct() {
        let id = ModelId::repeat_byte(7);
        let k = chunk_key(&id, 1);
        assert!(k.starts_with(PREFIX));
        assert_eq!(k.len(), CHUNK_PREFIX.len() + 36);
        assert_ne!(chunk_key(&id, 1), chunk_key(&id, 2));
        assert!(chunk_key(&id, 1) < chunk_key(&id, 256));
        assert!(request_inputs_key(1).starts_with(PREFIX));
        assert!(request_inputs_key(1) < request_inputs_key(256));
    }

    #[test]
    fn a_watch_list_includes_what_it_names() {
        let a = ModelId::repeat_byte(1);
        let b = ModelId::repeat_byte(2);
        assert!(Watched::Every.includes(&a));
        let only_a = Watched::Models(alloc::vec![a]);
        assert!(only_a.includes(&a));
        assert!(!only_a.includes(&b));
        let decoded = Watched::decode(&mut &only_a.encode()[..]).expect("decodes");
        assert_eq!(decoded, only_a);
    }
}
