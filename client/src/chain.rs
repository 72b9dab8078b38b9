//! Connection to a node, the signing account, reads at the best block and transaction
//! submission with readable errors.

use crate::runtime::{self, AccountInfo, FeeQuote, JobId, JobView, Model, ModelIdBytes};
use anyhow::{anyhow, bail, Context, Result};
use std::str::FromStr;
use std::time::Duration;
use subxt::client::{OnlineClientAtBlock, OnlineClientAtBlockImpl};
use subxt::config::DefaultExtrinsicParamsBuilder;
use subxt::error::{
    ConstantError, DispatchError, ExtrinsicError, RuntimeApiError, StorageError,
    TransactionEventsError,
};
use subxt::extrinsics::ExtrinsicEvents;
use subxt::rpcs::{rpc_params, RpcClient};
use subxt::transactions::{Payload, TransactionStatus};
use subxt::utils::{AccountId32, H256};
use subxt::{constants, runtime_apis, storage, OnlineClient, PolkadotConfig};
use subxt_signer::sr25519::Keypair;
use subxt_signer::SecretUri;

/// The subxt configuration of Inferchain (`MultiAddress<AccountId32, ()>`, u32 block
/// numbers, blake2-256 / H256: the same shapes as Polkadot).
pub type Config = PolkadotConfig;
/// A client at one block.
pub type AtBlock = OnlineClientAtBlock<Config>;
/// Events of one submitted transaction.
pub type TxEvents = ExtrinsicEvents<Config>;

/// Name of the inference pallet in the runtime.
pub const PALLET: &str = "Inference";
/// How long to wait for the node's RPC server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// A connection to a node.
pub struct Chain {
    /// The subxt client.
    pub api: OnlineClient<Config>,
    rpc: RpcClient,
    url: String,
}

/// Parses a secret URI (`//Alice`, a secret phrase with optional `//derivation`, or a
/// `0x` seed) into an sr25519 key pair.
pub fn keypair_from_suri(suri: &str) -> Result<Keypair> {
    let uri = SecretUri::from_str(suri).map_err(|_| anyhow!("bad secret URI"))?;
    Keypair::from_uri(&uri).map_err(|e| anyhow!("bad secret URI: {e}"))
}

/// Parses an account given on the command line (SS58 or 0x-hex public key).
pub fn parse_account(s: &str) -> Result<AccountId32> {
    let t = s.trim();
    if let Some(h) = t.strip_prefix("0x") {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(h, &mut bytes)
            .map_err(|_| anyhow!("bad account {t:?}: expected SS58 or 0x + 64 hex digits"))?;
        return Ok(AccountId32(bytes));
    }
    AccountId32::from_str(t)
        .map_err(|_| anyhow!("bad account {t:?}: expected SS58 or 0x + 64 hex digits"))
}

/// The account of a key pair.
pub fn account_of(pair: &Keypair) -> AccountId32 {
    AccountId32(pair.public_key().0)
}

impl Chain {
    /// Connects to the node at `url` (a `ws://` or `wss://` URL).
    pub async fn connect(url: &str) -> Result<Chain> {
        let fail = |e: String| anyhow!("cannot connect to the node at {url}: {e}");
        let rpc = tokio::time::timeout(CONNECT_TIMEOUT, RpcClient::from_insecure_url(url))
            .await
            .map_err(|_| fail("timed out".into()))?
            .map_err(|e| fail(e.to_string()))?;
        let config = PolkadotConfig::builder().use_historic_types(false).build();
        let api = tokio::time::timeout(
            CONNECT_TIMEOUT,
            OnlineClient::from_rpc_client_with_config(config, rpc.clone()),
        )
        .await
        .map_err(|_| fail("timed out".into()))?
        .map_err(|e| fail(e.to_string()))?;
        Ok(Chain {
            api,
            rpc,
            url: url.to_string(),
        })
    }

    /// The URL this chain was reached at.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Number of the node's best block.
    pub async fn best_number(&self) -> Result<u64> {
        let header: serde_json::Value = self
            .rpc
            .request("chain_getHeader", rpc_params![])
            .await
            .with_context(|| format!("chain_getHeader from {}", self.url))?;
        let hex_number = header["number"]
            .as_str()
            .ok_or_else(|| anyhow!("the node returned a header without a number"))?;
        u64::from_str_radix(hex_number.trim_start_matches("0x"), 16)
            .context("the node returned a bad block number")
    }

    /// A client at block `number` of the node's best chain (resolved by the node, so that
    /// unfinalized forks at the same height do not make it ambiguous).
    pub async fn at(&self, number: u64) -> Result<AtBlock> {
        let hash: Option<String> = self
            .rpc
            .request("chain_getBlockHash", rpc_params![number])
            .await
            .with_context(|| format!("chain_getBlockHash({number})"))?;
        let hash = hash.ok_or_else(|| anyhow!("the node has no block {number}"))?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(hash.trim_start_matches("0x"), &mut bytes)
            .with_context(|| format!("the node returned a bad block hash {hash:?}"))?;
        self.api
            .at_block_hash_and_number(subxt::config::substrate::H256(bytes), number)
            .await
            .with_context(|| format!("reading block {number}"))
    }

    /// A client at the best block (state including the latest included transactions).
    pub async fn at_best(&self) -> Result<AtBlock> {
        let n = self.best_number().await?;
        let at = self.at(n).await?;
        if at.metadata_ref().pallet_by_name(PALLET).is_none() {
            bail!(
                "the runtime of the node at {} has no {PALLET} pallet (is it an Inferchain node?)",
                self.url
            );
        }
        Ok(at)
    }

    /// The next nonce of `who`, counting transactions in the node's pool.
    pub async fn next_nonce(&self, who: &AccountId32) -> Result<u64> {
        let n: u64 = self
            .rpc
            .request("system_accountNextIndex", rpc_params![who.to_string()])
            .await
            .context("system_accountNextIndex")?;
        Ok(n)
    }

    /// Reads a storage entry at `at` (its default value when absent).
    pub async fn read<A: storage::Address>(
        &self,
        at: &AtBlock,
        addr: A,
        keys: A::KeyParts,
    ) -> Result<A::Value> {
        let what = format!("reading {}.{}", addr.pallet_name(), addr.entry_name());
        let v = at
            .storage()
            .fetch(addr, keys)
            .await
            .map_err(|e| chain_error(&what, e))?;
        v.decode().map_err(|e| chain_error(&what, e))
    }

    /// Reads a storage entry at `at`, `None` when absent.
    pub async fn try_read<A: storage::Address>(
        &self,
        at: &AtBlock,
        addr: A,
        keys: A::KeyParts,
    ) -> Result<Option<A::Value>> {
        let what = format!("reading {}.{}", addr.pallet_name(), addr.entry_name());
        let v = at
            .storage()
            .try_fetch(addr, keys)
            .await
            .map_err(|e| chain_error(&what, e))?;
        v.map(|v| v.decode().map_err(|e| chain_error(&what, e)))
            .transpose()
    }

    /// Balances of `who`.
    pub async fn account(&self, at: &AtBlock, who: &AccountId32) -> Result<AccountInfo> {
        self.read(at, runtime::storage().system().account(), (*who,))
            .await
    }

    /// The `Inference::Models` record of a model, if registered.
    pub async fn model(&self, at: &AtBlock, id: &ModelIdBytes) -> Result<Option<Model>> {
        self.try_read(at, runtime::storage().inference().models(), (H256(*id),))
            .await
    }

    /// Every registered model, sorted by name.
    pub async fn models(&self, at: &AtBlock) -> Result<Vec<(ModelIdBytes, Model)>> {
        let what = "listing Inference.Models";
        let mut iter = at
            .storage()
            .iter(runtime::storage().inference().models(), ())
            .await
            .map_err(|e| chain_error(what, e))?;
        let mut out = Vec::new();
        while let Some(kv) = iter.next().await {
            let kv = kv.map_err(|e| chain_error(what, e))?;
            let (id,) = kv
                .key()
                .and_then(|k| k.decode())
                .context("decoding a Models key")?;
            let record = kv.value().decode().map_err(|e| chain_error(what, e))?;
            out.push((id.0, record));
        }
        out.sort_by(|a, b| a.1.name.0.cmp(&b.1.name.0).then(a.0.cmp(&b.0)));
        Ok(out)
    }

    /// Calls a runtime API at `at`.
    pub async fn call<P: runtime_apis::Payload>(
        &self,
        at: &AtBlock,
        payload: P,
    ) -> Result<P::ReturnType> {
        let what = format!(
            "runtime API {}_{}",
            payload.trait_name(),
            payload.method_name()
        );
        at.runtime_apis()
            .call(payload)
            .await
            .map_err(|e| chain_error(&what, e))
    }

    /// `InferenceApi::quote`.
    pub async fn quote(
        &self,
        at: &AtBlock,
        id: &ModelIdBytes,
        input_len: u32,
    ) -> Result<Option<FeeQuote>> {
        let api = runtime::runtime_apis().inference_api();
        self.call(at, api.quote(H256(*id), input_len)).await
    }

    /// `InferenceApi::job`.
    pub async fn job(&self, at: &AtBlock, id: JobId) -> Result<Option<JobView>> {
        self.call(at, runtime::runtime_apis().inference_api().job(id))
            .await
    }

    /// The job (request) `id` at `at`, or an error a user can read if there is none.
    pub async fn existing_job(&self, at: &AtBlock, id: JobId) -> Result<JobView> {
        self.job(at, id).await?.ok_or_else(|| {
            anyhow!("unknown request {id}: never created, or pruned after its retention period")
        })
    }

    /// A constant of the runtime at `at`.
    pub fn constant<A: constants::Address>(&self, at: &AtBlock, addr: A) -> Result<A::Target> {
        let what = format!(
            "reading constant {}.{}",
            addr.pallet_name(),
            addr.constant_name()
        );
        at.constants()
            .entry(addr)
            .map_err(|e| chain_error(&what, e))
    }

    /// Signs and submits `payload` with `nonce`, waits until it is in a best block, and returns
    /// its events, or an error naming the pallet error and its documentation.
    pub async fn submit<P: Payload>(
        &self,
        payload: &P,
        signer: &Keypair,
        nonce: u64,
    ) -> Result<TxEvents> {
        let what = format!("{}.{}", payload.pallet_name(), payload.call_name());
        let tx = self.signed(payload, signer, nonce).await?;
        self.watch(tx, &what).await
    }

    /// Builds a signed transaction (without submitting it).
    pub async fn signed<P: Payload>(
        &self,
        payload: &P,
        signer: &Keypair,
        nonce: u64,
    ) -> Result<subxt::transactions::SubmittableTransaction<Config, OnlineClientAtBlockImpl<Config>>>
    {
        let params = DefaultExtrinsicParamsBuilder::<Config>::new()
            .nonce(nonce)
            .build();
        let mut txs = self.api.tx().await.context("preparing a transaction")?;
        txs.create_signed(payload, signer, params)
            .await
            .map_err(|e| chain_error("cannot build the transaction", e))
    }

    /// Submits a signed transaction and waits for it to be in a best block with success.
    pub async fn watch(
        &self,
        tx: subxt::transactions::SubmittableTransaction<Config, OnlineClientAtBlockImpl<Config>>,
        what: &str,
    ) -> Result<TxEvents> {
        let mut progress = tx.submit_and_watch().await.map_err(|e| {
            anyhow!(
                "{what} rejected by the node: {}",
                pool_error(&e.to_string())
            )
        })?;
        while let Some(status) = progress.next().await {
            let status =
                status.map_err(|e| anyhow!("{what}: lost track of the transaction: {e}"))?;
            match status {
                TransactionStatus::InBestBlock(in_block)
                | TransactionStatus::InFinalizedBlock(in_block) => {
                    return in_block.wait_for_success().await.map_err(|e| match e {
                        TransactionEventsError::ExtrinsicFailed(d) => {
                            anyhow!("{what} failed: {}", describe_dispatch_error(&d))
                        }
                        other => anyhow!("{what}: {other}"),
                    });
                }
                TransactionStatus::Invalid { message } => {
                    bail!("{what} is invalid: {}", pool_error(&message))
                }
                TransactionStatus::Dropped { message } => bail!("{what} was dropped: {message}"),
                TransactionStatus::Error { message } => bail!("{what} failed: {message}"),
                _ => continue,
            }
        }
        bail!("{what}: the node stopped reporting the transaction's status")
    }
}

/// An error of subxt in doing `what`. When subxt refused a generated address or payload because
/// the node's runtime differs there from the metadata the client was generated from, the error
/// says so instead of subxt's generic words.
pub fn chain_error<E>(what: &str, e: E) -> anyhow::Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    if is_incompatible(&e) {
        anyhow!(
            "{what}: the node's runtime differs from the one this client was built for \
             (client/metadata/inferchain.scale); use a client built from the node's metadata"
        )
    } else {
        anyhow::Error::new(e).context(what.to_string())
    }
}

/// Whether `e` (or an error it wraps) is subxt refusing generated code for another runtime.
fn is_incompatible(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if matches!(
            err.downcast_ref::<StorageError>(),
            Some(StorageError::IncompatibleCodegen)
        ) || matches!(
            err.downcast_ref::<RuntimeApiError>(),
            Some(RuntimeApiError::IncompatibleCodegen)
        ) || matches!(
            err.downcast_ref::<ConstantError>(),
            Some(ConstantError::IncompatibleCodegen)
        ) || matches!(
            err.downcast_ref::<ExtrinsicError>(),
            Some(ExtrinsicError::IncompatibleCodegen)
        ) {
            return true;
        }
        cur = err.source();
    }
    false
}

/// A readable pool rejection (adds a hint for the common fee problem).
fn pool_error(message: &str) -> String {
    if message.contains("Inability to pay") || message.contains("Payment") {
        format!("{message} (insufficient balance to pay the transaction fee)")
    } else {
        message.to_string()
    }
}

/// `Pallet.Error: documentation` for pallet errors, the runtime's description otherwise.
pub fn describe_dispatch_error(e: &DispatchError) -> String {
    if let DispatchError::Module(m) = e {
        if let Ok(d) = m.details() {
            let doc = d.variant.docs.join(" ");
            let doc = doc.trim();
            return if doc.is_empty() {
                format!("{}.{}", d.pallet.name(), d.variant.name)
            } else {
                format!("{}.{}: {}", d.pallet.name(), d.variant.name, doc)
            };
        }
    }
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_for_another_runtime_are_named() {
        let e = chain_error(
            "reading Inference.Models",
            StorageError::IncompatibleCodegen,
        );
        assert_eq!(
            format!("{e:#}"),
            "reading Inference.Models: the node's runtime differs from the one this client was \
             built for (client/metadata/inferchain.scale); use a client built from the node's \
             metadata"
        );
        let e = chain_error(
            "runtime API InferenceApi_job",
            RuntimeApiError::IncompatibleCodegen,
        );
        assert!(format!("{e:#}").contains("runtime differs"), "{e:#}");
        let e = chain_error("reading System.Account", StorageError::NoValueFound);
        assert!(!format!("{e:#}").contains("runtime differs"), "{e:#}");
        assert!(
            format!("{e:#}").starts_with("reading System.Account: "),
            "{e:#}"
        );
    }
}
