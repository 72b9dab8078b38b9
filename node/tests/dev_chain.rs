//! A real `--dev` node: blocks are authored and finalized, and a balance transfer signed by a
//! dev account through subxt is included with the expected balance change.

mod common;

use common::{best_number, finalized_number, free_balance, wait_for, Ports, TestNode};
use std::time::Duration;
use subxt::{dynamic, OnlineClient, PolkadotConfig};
use subxt_signer::sr25519::dev;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_node_authors_finalizes_and_includes_a_signed_transfer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut node = TestNode::start(
        &["--dev", "--tmp"],
        Ports::free(),
        &dir.path().join("dev.log"),
    );
    let rpc = node.rpc(Duration::from_secs(180)).await;

    // Blocks are authored and finalized.
    let finalized = wait_for(Duration::from_secs(120), "block 3 to be finalized", || {
        let rpc = rpc.clone();
        async move {
            let finalized = finalized_number(&rpc).await;
            (finalized >= 3).then_some(finalized)
        }
    })
    .await;
    assert!(best_number(&rpc).await >= finalized);

    // A transfer signed by Alice, submitted through subxt, lands with the right effect.
    let api = OnlineClient::<PolkadotConfig>::from_insecure_url(node.ws_url())
        .await
        .expect("subxt client");
    let alice = dev::alice();
    let bob = dev::bob();
    let bob_id: [u8; 32] = bob.public_key().0;
    let before = free_balance(&api, bob_id).await;

    let amount: u128 = 1_234_567_890_000;
    let transfer = dynamic::transaction(
        "Balances",
        "transfer_keep_alive",
        (bob.public_key().to_address::<()>(), amount),
    );
    let events = api
        .tx()
        .await
        .expect("transactions client")
        .sign_and_submit_then_watch_default(&transfer, &alice)
        .await
        .expect("submit transfer")
        .wait_for_finalized_success()
        .await
        .expect("transfer finalized successfully");
    assert!(
        events
            .iter()
            .filter_map(Result::ok)
            .any(|e| e.pallet_name() == "Balances" && e.event_name() == "Transfer"),
        "a Balances.Transfer event was emitted"
    );

    let after = free_balance(&api, bob_id).await;
    assert_eq!(
        after,
        before + amount,
        "Bob received exactly the amount sent"
    );
    assert!(
        node.is_running(),
        "node still running:\n{}",
        node.log_tail(30)
    );
}
