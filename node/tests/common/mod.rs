//! Starts real `inferchain-node` processes on loopback ports and talks to them over JSON-RPC.
#![allow(dead_code)]

pub mod chain;

use std::{
    fs::File,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};
use subxt::rpcs::{rpc_params, RpcClient};

/// Path of the node binary cargo built for these tests.
pub fn node_binary() -> &'static str {
    env!("CARGO_BIN_EXE_inferchain-node")
}

/// A TCP port on loopback that nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// Ports of one node.
#[derive(Clone, Copy, Debug)]
pub struct Ports {
    /// libp2p.
    pub p2p: u16,
    /// JSON-RPC (HTTP and WebSocket).
    pub rpc: u16,
    /// Prometheus metrics.
    pub prometheus: u16,
}

impl Ports {
    /// Three free loopback ports.
    pub fn free() -> Self {
        Ports {
            p2p: free_port(),
            rpc: free_port(),
            prometheus: free_port(),
        }
    }
}

/// A running node; killed when dropped. Its log is kept in `log_path`.
pub struct TestNode {
    /// The process.
    pub child: Child,
    /// Its ports.
    pub ports: Ports,
    /// Combined stdout and stderr.
    pub log_path: PathBuf,
}

impl TestNode {
    /// Starts the node with `args` plus loopback port options; its log goes to `log_path`.
    pub fn start(args: &[&str], ports: Ports, log_path: &Path) -> TestNode {
        let log = File::create(log_path).expect("create node log");
        let log_err = log.try_clone().expect("clone log handle");
        let p2p_addr = format!("/ip4/127.0.0.1/tcp/{}", ports.p2p);
        let child = Command::new(node_binary())
            .args(args)
            .args([
                "--listen-addr",
                &p2p_addr,
                "--rpc-port",
                &ports.rpc.to_string(),
                "--prometheus-port",
                &ports.prometheus.to_string(),
                "--no-telemetry",
                "--no-mdns",
                "--rpc-methods",
                "unsafe",
            ])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .expect("start inferchain-node");
        TestNode {
            child,
            ports,
            log_path: log_path.to_path_buf(),
        }
    }

    /// WebSocket URL of the node's RPC server.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.ports.rpc)
    }

    /// The node's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The last lines of the log.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = self.log();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Connects an RPC client, waiting up to `timeout` for the server to come up.
    pub async fn rpc(&mut self, timeout: Duration) -> RpcClient {
        let deadline = Instant::now() + timeout;
        loop {
            assert!(
                self.is_running(),
                "node exited before its RPC came up:\n{}",
                self.log_tail(40)
            );
            if let Ok(client) = RpcClient::from_insecure_url(self.ws_url()).await {
                return client;
            }
            assert!(
                Instant::now() < deadline,
                "RPC did not come up in {timeout:?}:\n{}",
                self.log_tail(40)
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Stops the node (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Number of the best block.
pub async fn best_number(rpc: &RpcClient) -> u64 {
    let header: serde_json::Value = rpc
        .request("chain_getHeader", rpc_params![])
        .await
        .expect("chain_getHeader");
    parse_number(&header)
}

/// Number of the last finalized block.
pub async fn finalized_number(rpc: &RpcClient) -> u64 {
    let hash: String = rpc
        .request("chain_getFinalizedHead", rpc_params![])
        .await
        .expect("chain_getFinalizedHead");
    let header: serde_json::Value = rpc
        .request("chain_getHeader", rpc_params![hash])
        .await
        .expect("chain_getHeader(finalized)");
    parse_number(&header)
}

/// Hex-encoded block number of a header.
fn parse_number(header: &serde_json::Value) -> u64 {
    let hex = header["number"].as_str().expect("header number");
    u64::from_str_radix(hex.trim_start_matches("0x"), 16).expect("hex block number")
}

/// Polls `probe` every 500 ms until it returns `Some`, failing with `what` after `timeout`.
pub async fn wait_for<T, F, Fut>(timeout: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Whether an `inference_request` status is final: not `Pending` (the committee's round),
/// `Provisional` (in the challenge window) or `Escalated` (the validators' round).
pub fn is_final_status(view: &serde_json::Value) -> bool {
    !matches!(
        view["status"].as_str(),
        Some("Pending" | "Provisional" | "Escalated") | None
    )
}

/// Writes a plain chain spec built from `chain` with its slot duration replaced, and returns its path.
pub fn chain_spec_with_slot(chain: &str, slot_ms: u64, dir: &Path) -> PathBuf {
    let output = Command::new(node_binary())
        .args(["build-spec", "--chain", chain, "--disable-default-bootnode"])
        .stderr(Stdio::null())
        .output()
        .expect("run build-spec");
    assert!(output.status.success(), "build-spec --chain {chain} failed");
    let mut spec: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("build-spec prints JSON");
    let patch = &mut spec["genesis"]["runtimeGenesis"]["patch"];
    assert!(patch.is_object(), "chain spec has a genesis patch");
    patch["blockTime"]["slotDurationMs"] = serde_json::json!(slot_ms);
    let path = dir.join(format!("{chain}-{slot_ms}ms.json"));
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&spec).expect("serialise spec"),
    )
    .expect("write chain spec");
    path
}

/// The libp2p peer id derived from a node-key file.
pub fn peer_id_of(node_key_file: &Path) -> String {
    let output = Command::new(node_binary())
        .args(["key", "inspect-node-key", "--file"])
        .arg(node_key_file)
        .output()
        .expect("run key inspect-node-key");
    assert!(output.status.success(), "inspect-node-key failed");
    String::from_utf8(output.stdout)
        .expect("utf-8 peer id")
        .trim()
        .to_string()
}

/// The validators of the `local` chain, in authority order.
pub const VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

/// A four-validator `local` network on loopback, possibly with more (non-authority) nodes.
pub struct Network {
    /// Dev names of the nodes (`--alice`, …): the four validators, then the other nodes.
    pub names: Vec<String>,
    /// The chain spec the nodes run.
    pub spec: PathBuf,
    /// Ports of each validator.
    pub ports: Vec<Ports>,
    /// Multiaddress of each validator.
    pub peers: Vec<String>,
    /// Extra arguments of each validator.
    pub extra_args: Vec<Vec<String>>,
    /// Working directory (databases, keys, logs).
    pub dir: PathBuf,
}

impl Network {
    /// Prepares a network with `slot_ms` blocks; `extra_args[i]` go to validator `i`.
    pub fn new(dir: &Path, slot_ms: u64, extra_args: Vec<Vec<String>>) -> Network {
        Self::with_nodes(dir, slot_ms, &[], extra_args)
    }

    /// Prepares the four validators and nodes named `others` (dev names such as `eve`: the
    /// node gets that account's dev keys, including its `infr` worker key, but is no
    /// authority); `extra_args[i]` go to node `i` (validators first).
    pub fn with_nodes(
        dir: &Path,
        slot_ms: u64,
        others: &[&str],
        extra_args: Vec<Vec<String>>,
    ) -> Network {
        let spec = chain_spec_with_slot("local", slot_ms, dir);
        let names: Vec<String> = VALIDATORS
            .iter()
            .chain(others.iter())
            .map(|n| n.to_string())
            .collect();
        let ports: Vec<Ports> = names.iter().map(|_| Ports::free()).collect();
        let mut peers = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let key_file = dir.join(format!("{name}.key"));
            std::fs::write(&key_file, format!("{:064x}", i + 1)).expect("write node key");
            peers.push(format!(
                "/ip4/127.0.0.1/tcp/{}/p2p/{}",
                ports[i].p2p,
                peer_id_of(&key_file)
            ));
        }
        Network {
            names,
            spec,
            ports,
            peers,
            extra_args,
            dir: dir.to_path_buf(),
        }
    }

    /// Starts validator `i` (again, on the same database if it ran before). The p2p port stays
    /// the same (peers know it); RPC and Prometheus get fresh ports on each start, because a
    /// port released by a stopped node can be taken by another process's outgoing connection
    /// before the restart binds it again.
    pub fn start(&self, i: usize, log_suffix: &str) -> TestNode {
        let name = self.names[i].as_str();
        let base = self.base_path(i);
        let key_file = self.dir.join(format!("{name}.key"));
        let mut args: Vec<String> = vec![
            "--chain".into(),
            self.spec.to_string_lossy().into_owned(),
            format!("--{name}"),
            "--base-path".into(),
            base.to_string_lossy().into_owned(),
            "--node-key-file".into(),
            key_file.to_string_lossy().into_owned(),
        ];
        for (j, peer) in self.peers.iter().enumerate() {
            if j != i {
                args.push("--bootnodes".into());
                args.push(peer.clone());
            }
        }
        if let Some(extra) = self.extra_args.get(i) {
            args.extend(extra.iter().cloned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ports = Ports {
            rpc: free_port(),
            prometheus: free_port(),
            ..self.ports[i]
        };
        TestNode::start(
            &args,
            ports,
            &self.dir.join(format!("{name}{log_suffix}.log")),
        )
    }

    /// Database directory of node `i`.
    pub fn base_path(&self, i: usize) -> PathBuf {
        self.dir.join(&self.names[i])
    }

    /// Starts every node.
    pub fn start_all(&self) -> Vec<TestNode> {
        (0..self.names.len()).map(|i| self.start(i, "")).collect()
    }

    /// Puts the `infr` worker key of `suri` in the keystore of the node with database `base`
    /// (before it starts): the node then works, or watches, for that account too.
    pub fn insert_infr_key(&self, base: &Path, suri: &str) {
        let output = Command::new(node_binary())
            .args(["key", "insert", "--key-type", "infr", "--scheme", "sr25519"])
            .args(["--suri", suri, "--chain"])
            .arg(&self.spec)
            .arg("--base-path")
            .arg(base)
            .output()
            .expect("run key insert");
        assert!(
            output.status.success(),
            "key insert failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// A file of the repository, by its path from the repository root.
pub fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("..")
    .join(path)
}

/// The parts of `frame_system::AccountInfo` the tests read.
#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct AccountInfo {
    /// Balances.
    pub data: AccountData,
}

/// The parts of `pallet_balances::AccountData` the tests read.
#[derive(Debug, subxt::ext::scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct AccountData {
    /// Free balance.
    pub free: u128,
}

/// Free balance of `who` at the client's current (finalized) block.
pub async fn free_balance(api: &subxt::OnlineClient<subxt::PolkadotConfig>, who: [u8; 32]) -> u128 {
    let at = api.at_current_block().await.expect("current block");
    let address = subxt::dynamic::storage::<([u8; 32],), AccountInfo>("System", "Account");
    at.storage()
        .fetch(address, (who,))
        .await
        .expect("fetch System.Account")
        .decode()
        .expect("decode AccountInfo")
        .data
        .free
}

/// The repository's sample model and input, with the outputs the local engine computes: what
/// every inference on the chain must settle to.
pub struct Sample {
    /// Model id.
    pub id: inferchain_primitives::ModelId,
    /// Input file as JSON (what `inference_dryRun` takes).
    pub inputs_json: serde_json::Value,
    /// Canonical input encoding (what `request_inference` takes).
    pub canonical_inputs: Vec<u8>,
    /// Digest of the canonical output encoding, as the RPC prints it.
    pub expected_digest: String,
}

/// Loads the sample model and computes its expected output locally.
pub fn sample() -> Sample {
    use inferchain_engine::{tensor_io, Engine};
    let bytes = std::fs::read(repo_file("models/sample/mlp.onnx")).expect("sample model");
    let input_path = repo_file("models/sample/input.json");
    let inputs = tensor_io::read_file(&input_path, None).expect("sample input");
    let outputs = Engine::default()
        .run_bytes(
            &bytes,
            &inputs,
            inferchain_primitives::ExecutionPolicy::Exact,
        )
        .expect("local run");
    Sample {
        id: inferchain_primitives::model_id(&bytes),
        inputs_json: serde_json::from_slice(&std::fs::read(&input_path).expect("input"))
            .expect("input JSON"),
        canonical_inputs: inputs.canonical_bytes(),
        expected_digest: format!(
            "{:?}",
            inferchain_primitives::output_digest(&outputs.canonical_bytes())
        ),
    }
}
