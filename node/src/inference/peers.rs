//! Tells the node's offchain workers whether the node has peers.
//!
//! An offchain worker delays its transactions so that peers have imported the block they
//! depend on before the transactions reach them; with no peers there is nobody to race and the
//! delay only adds latency. The runtime cannot see the network, so the node records its peer
//! count in offchain persistent local storage under
//! [`inferchain_primitives::offchain_keys::NODE_PEERS_KEY`].

use codec::Encode;
use inferchain_primitives::offchain_keys::NODE_PEERS_KEY;
use sp_core::offchain::{OffchainStorage, STORAGE_PREFIX};
use std::time::Duration;

/// How often the peer count is refreshed.
pub const REFRESH: Duration = Duration::from_secs(1);

/// Writes `peers` under [`NODE_PEERS_KEY`] if it differs from `last`; returns what is stored.
pub fn record<S: OffchainStorage>(storage: &mut S, peers: u32, last: Option<u32>) -> Option<u32> {
    if last != Some(peers) {
        storage.set(STORAGE_PREFIX, NODE_PEERS_KEY, &peers.encode());
    }
    Some(peers)
}

/// Records `count()` every [`REFRESH`], forever (run it as a node task).
pub async fn run<S: OffchainStorage>(mut storage: S, count: impl Fn() -> usize) {
    let mut last = None;
    loop {
        let peers = u32::try_from(count()).unwrap_or(u32::MAX);
        last = record(&mut storage, peers, last);
        tokio::time::sleep(REFRESH).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::Decode;
    use sp_core::offchain::storage::InMemOffchainStorage;

    fn stored(s: &InMemOffchainStorage) -> Option<u32> {
        s.get(STORAGE_PREFIX, NODE_PEERS_KEY)
            .map(|v| u32::decode(&mut &v[..]).expect("a u32"))
    }

    #[test]
    fn records_the_peer_count_where_offchain_workers_read_it() {
        let mut s = InMemOffchainStorage::default();
        assert_eq!(stored(&s), None);
        let last = record(&mut s, 0, None);
        assert_eq!(stored(&s), Some(0));
        let last = record(&mut s, 3, last);
        assert_eq!(stored(&s), Some(3));
        assert_eq!(last, Some(3));
    }
}
