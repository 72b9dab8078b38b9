//! Chain reads and transactions the multi-node tests share: subxt over the node's WebSocket.
#![allow(dead_code)]

use super::{finalized_number, wait_for, Network, TestNode};
use std::time::Duration;
use subxt::{
    dynamic,
    ext::{scale_decode, scale_encode},
    rpcs::RpcClient,
    utils::AccountId32,
    OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

/// A subxt client of one node.
pub type Api = OnlineClient<PolkadotConfig>;

/// `pallet_inference::Worker`, the part the tests read.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct Worker {
    /// Bond held.
    pub bond: u128,
}

/// Event `Inference.InferenceRequested`.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct InferenceRequested {
    /// The job.
    pub job_id: u64,
    /// Assigned workers in slot order.
    pub workers: Vec<AccountId32>,
}

/// Event `Inference.FeesPaid`.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct FeesPaid {
    /// The job.
    pub job_id: u64,
    /// Royalty paid to the owner.
    pub royalty: u128,
    /// Total paid to the agreeing workers.
    pub worker_fee: u128,
    /// Returned to the requester.
    pub refunded: u128,
}

/// Event `Inference.WorkerSlashed`.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct WorkerSlashed {
    /// The worker.
    pub worker: AccountId32,
    /// The job.
    pub job_id: u64,
    /// Amount taken from the bond.
    pub amount: u128,
}

/// Event `Inference.Committed` / `Inference.Revealed`.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct WorkerStep {
    /// The job.
    pub job_id: u64,
    /// The worker.
    pub worker: AccountId32,
}

/// Event `TransactionPayment.TransactionFeePaid`.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct TransactionFeePaid {
    /// Fee charged.
    pub actual_fee: u128,
    /// Tip.
    pub tip: u128,
}

/// One entry of `Balances.Holds`.
#[derive(Debug, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct HoldAmount {
    /// Amount held under this reason.
    pub amount: u128,
}

/// `pallet_inference::ExecutionPolicy` as the transaction encodes it.
#[derive(Debug, Clone, scale_encode::EncodeAsType)]
#[encode_as_type(crate_path = "subxt::ext::scale_encode")]
pub enum ExecutionPolicy {
    /// Bit-exact agreement.
    Exact,
}

/// `pallet_inference::ModelPolicy` as the transaction encodes it.
#[derive(Debug, Clone, scale_encode::EncodeAsType)]
#[encode_as_type(crate_path = "subxt::ext::scale_encode")]
pub struct ModelPolicy {
    /// How outputs are compared.
    pub execution: ExecutionPolicy,
    /// Workers per request.
    pub replicas: u8,
}

/// Starts every validator of `network`, connects to each one's RPC, waits until the network
/// finalizes, and returns the nodes, their RPC clients and a subxt client of Alice's node.
pub async fn start_network(network: &Network) -> (Vec<TestNode>, Vec<RpcClient>, Api) {
    let mut nodes = network.start_all();
    let mut rpcs = Vec::new();
    for node in nodes.iter_mut() {
        rpcs.push(node.rpc(Duration::from_secs(300)).await);
    }
    let rpc = rpcs[0].clone();
    wait_for(Duration::from_secs(240), "finality on the network", || {
        let rpc = rpc.clone();
        async move { (finalized_number(&rpc).await >= 2).then_some(()) }
    })
    .await;
    let api = Api::from_insecure_url(nodes[0].ws_url())
        .await
        .expect("subxt");
    (nodes, rpcs, api)
}

/// The event `name` among a transaction's events, decoded as `E` (panics if absent).
pub fn event_of<E: scale_decode::DecodeAsFields>(
    events: &subxt::extrinsics::ExtrinsicEvents<PolkadotConfig>,
    name: &str,
) -> E {
    events
        .iter()
        .filter_map(Result::ok)
        .find(|e| e.event_name() == name)
        .unwrap_or_else(|| panic!("no {name} event"))
        .decode_fields_unchecked_as::<E>()
        .unwrap_or_else(|e| panic!("decode {name}: {e}"))
}

/// The account of a dev keypair.
pub fn account(pair: &Keypair) -> AccountId32 {
    AccountId32(pair.public_key().0)
}

/// Free balance at the client's current (finalized) block.
pub async fn free(api: &Api, who: &AccountId32) -> u128 {
    super::free_balance(api, who.0).await
}

/// Sum of everything `who` has on hold, at the current (finalized) block.
pub async fn held(api: &Api, who: &AccountId32) -> u128 {
    let at = api.at_current_block().await.expect("block");
    let address = dynamic::storage::<([u8; 32],), Vec<HoldAmount>>("Balances", "Holds");
    match at
        .storage()
        .try_fetch(address, (who.0,))
        .await
        .expect("Balances.Holds")
    {
        Some(value) => value
            .decode()
            .expect("holds")
            .iter()
            .map(|h| h.amount)
            .sum(),
        None => 0,
    }
}

/// Worker bond of `who` at the current (finalized) block.
pub async fn bond(api: &Api, who: &AccountId32) -> u128 {
    let at = api.at_current_block().await.expect("block");
    let address = dynamic::storage::<([u8; 32],), Worker>("Inference", "Workers");
    at.storage()
        .fetch(address, (who.0,))
        .await
        .expect("Inference.Workers")
        .decode()
        .expect("Worker")
        .bond
}

/// Events named `pallet.name` in finalized blocks `from..=to`, decoded as `E`.
pub async fn events_in<E: scale_decode::DecodeAsFields>(
    api: &Api,
    from: u32,
    to: u32,
    pallet: &str,
    name: &str,
) -> Vec<E> {
    let mut found = Vec::new();
    for n in from..=to {
        let at = api.at_block(n).await.expect("block");
        let events = at.events().fetch().await.expect("events");
        for event in events.iter().filter_map(Result::ok) {
            if event.pallet_name() == pallet && event.event_name() == name {
                found.push(
                    event
                        .decode_fields_unchecked_as::<E>()
                        .expect("decode event"),
                );
            }
        }
    }
    found
}

/// Number of the client's current (finalized) block.
pub async fn current_number(api: &Api) -> u32 {
    api.at_current_block().await.expect("block").block_number() as u32
}

/// Waits until an event `pallet.name` matching `pick` is finalized at or after block `from`;
/// returns the block number and the event.
pub async fn wait_event<E, F>(
    api: &Api,
    from: u32,
    pallet: &str,
    name: &str,
    timeout: Duration,
    pick: F,
) -> (u32, E)
where
    E: scale_decode::DecodeAsFields,
    F: Fn(&E) -> bool,
{
    let deadline = std::time::Instant::now() + timeout;
    let mut next = from;
    loop {
        let best = current_number(api).await;
        while next <= best {
            let events: Vec<E> = events_in(api, next, next, pallet, name).await;
            if let Some(e) = events.into_iter().find(|e| pick(e)) {
                return (next, e);
            }
            next += 1;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for event {pallet}.{name} (finalized up to {best})"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Signs `call` as `signer`, waits until it is finalized and succeeded; returns its events and
/// the transaction fee paid.
pub async fn submit_finalized(
    api: &Api,
    signer: &Keypair,
    pallet: &str,
    call: &str,
    args: impl subxt::ext::scale_encode::EncodeAsFields,
) -> (
    u32,
    subxt::extrinsics::ExtrinsicEvents<PolkadotConfig>,
    u128,
) {
    let tx = dynamic::transaction(pallet, call, args);
    let in_block = api
        .tx()
        .await
        .expect("tx client")
        .sign_and_submit_then_watch_default(&tx, signer)
        .await
        .unwrap_or_else(|e| panic!("submit {pallet}.{call}: {e}"))
        .wait_for_finalized()
        .await
        .unwrap_or_else(|e| panic!("{pallet}.{call} finalized: {e}"));
    let number = api
        .at_block(in_block.block_hash())
        .await
        .expect("block")
        .block_number() as u32;
    let events = in_block
        .wait_for_success()
        .await
        .unwrap_or_else(|e| panic!("{pallet}.{call} failed: {e}"));
    let fee: TransactionFeePaid = event_of(&events, "TransactionFeePaid");
    (number, events, fee.actual_fee + fee.tip)
}
