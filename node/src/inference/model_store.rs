//! Model chunks: the offchain database first, then the models bundled with the node.

use inferchain_engine::host::ChunkStore;
use inferchain_primitives::{limits::MAX_CHUNK_BYTES, model::model_id, offchain_keys, ModelId};
use sp_core::offchain::{OffchainStorage, STORAGE_PREFIX};

/// The sample model every genesis preset registers as `Active` (`models/sample/mlp.onnx`).
pub const SAMPLE_MODEL: &[u8] = include_bytes!("../../../models/sample/mlp.onnx");

/// Models the node ships: genesis cannot write the offchain index, so the node serves them.
pub fn bundled_models() -> [&'static [u8]; 1] {
    [SAMPLE_MODEL]
}

/// Reads model chunks written by offchain indexing (`offchain_keys::chunk_key`), falling back to
/// the bundled models for genesis models.
#[derive(Clone)]
pub struct OffchainChunkStore<S> {
    storage: S,
    bundled: Vec<(ModelId, &'static [u8])>,
}

impl<S: OffchainStorage> OffchainChunkStore<S> {
    /// A store over the node's offchain database.
    pub fn new(storage: S) -> Self {
        let bundled = bundled_models()
            .into_iter()
            .map(|bytes| (model_id(bytes), bytes))
            .collect();
        OffchainChunkStore { storage, bundled }
    }

    /// Chunk `index` of a bundled model, cut the way uploads are cut (`MAX_CHUNK_BYTES`).
    fn bundled_chunk(&self, id: &ModelId, index: u32) -> Option<Vec<u8>> {
        let (_, bytes) = self.bundled.iter().find(|(bundled, _)| bundled == id)?;
        let chunk = MAX_CHUNK_BYTES as usize;
        let start = (index as usize).checked_mul(chunk)?;
        let end = start.saturating_add(chunk).min(bytes.len());
        bytes
            .get(start..end)
            .filter(|c| !c.is_empty())
            .map(<[u8]>::to_vec)
    }
}

impl<S: OffchainStorage> ChunkStore for OffchainChunkStore<S> {
    fn chunk(&self, model_id: &ModelId, index: u32) -> Option<Vec<u8>> {
        self.storage
            .get(STORAGE_PREFIX, &offchain_keys::chunk_key(model_id, index))
            .or_else(|| self.bundled_chunk(model_id, index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sp_core::offchain::storage::InMemOffchainStorage;

    #[test]
    fn indexed_chunks_are_read_from_the_offchain_database() {
        let mut db = InMemOffchainStorage::default();
        let id = model_id(b"abc");
        db.set(STORAGE_PREFIX, &offchain_keys::chunk_key(&id, 0), b"abc");
        let store = OffchainChunkStore::new(db);
        assert_eq!(store.chunk(&id, 0), Some(b"abc".to_vec()));
        assert_eq!(store.chunk(&id, 1), None);
        assert_eq!(store.chunk(&model_id(b"other"), 0), None);
    }

    #[test]
    fn the_bundled_sample_is_served_without_an_upload() {
        let store = OffchainChunkStore::new(InMemOffchainStorage::default());
        let id = model_id(SAMPLE_MODEL);
        let chunks = SAMPLE_MODEL.len().div_ceil(MAX_CHUNK_BYTES as usize) as u32;
        let mut assembled = Vec::new();
        for i in 0..chunks {
            assembled.extend(store.chunk(&id, i).expect("bundled chunk"));
        }
        assert_eq!(assembled, SAMPLE_MODEL);
        assert_eq!(store.chunk(&id, chunks), None);
    }
}
