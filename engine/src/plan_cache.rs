//! Bounded LRU cache of compiled plans keyed by [`ModelId`].
//!
//! Parsing and optimising a model costs about a hundred inferences (see BENCHMARKS.md), so
//! workers keep plans warm. The cache is bounded both in entries and in the summed size of
//! the cached models' bytes (a proxy for plan memory: weights dominate it).

use crate::validate::Compiled;
use inferchain_primitives::model::ModelId;
use lru::LruCache;
use std::sync::Arc;

/// Default maximum number of cached plans.
pub const DEFAULT_MAX_ENTRIES: usize = 16;
/// Default maximum summed model size of cached plans (512 MiB).
pub const DEFAULT_MAX_BYTES: usize = 512 * 1024 * 1024;

/// LRU cache of compiled models.
pub struct PlanCache {
    entries: LruCache<ModelId, Arc<Compiled>>,
    max_entries: usize,
    max_bytes: usize,
    bytes: usize,
    hits: u64,
    misses: u64,
}

impl PlanCache {
    /// A cache holding at most `max_entries` plans (at least 1) and `max_bytes` of models.
    pub fn new(max_entries: usize, max_bytes: usize) -> PlanCache {
        PlanCache {
            entries: LruCache::unbounded(),
            max_entries: max_entries.max(1),
            max_bytes,
            bytes: 0,
            hits: 0,
            misses: 0,
        }
    }

    /// The plan for `id`, marking it most recently used.
    pub fn get(&mut self, id: &ModelId) -> Option<Arc<Compiled>> {
        let found = self.entries.get(id).cloned();
        if found.is_some() {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        found
    }

    /// Whether `id` is cached (does not touch recency or statistics).
    pub fn contains(&self, id: &ModelId) -> bool {
        self.entries.contains(id)
    }

    /// Inserts a plan, evicting least recently used plans to stay within bounds. A model
    /// larger than `max_bytes` on its own is returned but not cached.
    pub fn insert(&mut self, id: ModelId, compiled: Compiled) -> Arc<Compiled> {
        let compiled = Arc::new(compiled);
        if compiled.model_bytes > self.max_bytes {
            return compiled;
        }
        if let Some(old) = self.entries.pop(&id) {
            self.bytes -= old.model_bytes;
        }
        while self.entries.len() >= self.max_entries
            || self.bytes + compiled.model_bytes > self.max_bytes
        {
            match self.entries.pop_lru() {
                Some((_, old)) => self.bytes -= old.model_bytes,
                None => break,
            }
        }
        self.bytes += compiled.model_bytes;
        self.entries.put(id, compiled.clone());
        compiled
    }

    /// Number of cached plans.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Summed model bytes of cached plans.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// `(hits, misses)` of [`PlanCache::get`] so far.
    pub fn stats(&self) -> (u64, u64) {
        (self.hits, self.misses)
    }
}
