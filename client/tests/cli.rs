//! The `inferchain` binary against a real `inferchain-node --dev` on loopback ports.
//!
//! The node binary is `$INFERCHAIN_NODE`, else `$CARGO_TARGET_DIR/debug/inferchain-node`, else
//! the workspace's `target/debug/inferchain-node`. Tests that need it FAIL (they do not skip)
//! when it is missing: build it with `cargo build -p inferchain-node`.

use inferchain_engine::{tensor_io, Engine};
use inferchain_primitives::policy::ExecutionPolicy;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Alice's account (`//Alice`).
const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

fn workspace() -> PathBuf {
    Path::new(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("..")
}

/// The node binary, or a panic explaining how to get one.
fn node_binary() -> PathBuf {
    let mut candidates = Vec::new();
    if let Ok(p) = std::env::var("INFERCHAIN_NODE") {
        candidates.push(PathBuf::from(p));
    }
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        candidates.push(Path::new(&dir).join("debug/inferchain-node"));
    }
    candidates.push(workspace().join("target/debug/inferchain-node"));
    for c in &candidates {
        if c.is_file() {
            return c.clone();
        }
    }
    panic!(
        "inferchain-node not found (looked at {candidates:?}): build it with \
         `cargo build -p inferchain-node` or set INFERCHAIN_NODE to its path"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind an ephemeral port")
        .local_addr()
        .expect("local address")
        .port()
}

/// A `--dev --tmp` node, killed on drop.
struct DevNode {
    child: Child,
    rpc_port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl DevNode {
    fn start() -> DevNode {
        let binary = node_binary();
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("node.log");
        let out = File::create(&log).expect("node log");
        let err = out.try_clone().expect("clone log");
        let rpc_port = free_port();
        let child = Command::new(binary)
            .args([
                "--dev",
                "--tmp",
                "--listen-addr",
                &format!("/ip4/127.0.0.1/tcp/{}", free_port()),
                "--rpc-port",
                &rpc_port.to_string(),
                "--prometheus-port",
                &free_port().to_string(),
                "--no-telemetry",
                "--no-mdns",
            ])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("start inferchain-node");
        let mut node = DevNode {
            child,
            rpc_port,
            log,
            _dir: dir,
        };
        node.wait_ready();
        node
    }

    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.rpc_port)
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Waits until the client can read a balance at a block above 0.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(240);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("node exited with {status}:\n{}", self.log_tail());
            }
            let out = cli(&self.url(), &["balance"]);
            if out.status.success() && !stdout(&out).contains("block:    0\n") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "node not ready after 240 s; last client error: {}\nnode log:\n{}",
                stderr(&out),
                self.log_tail()
            );
            std::thread::sleep(Duration::from_secs(2));
        }
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cli(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_inferchain"))
        .arg("--url")
        .arg(url)
        .args(args)
        .env_remove("INFERCHAIN_SURI")
        .stdin(Stdio::null())
        .output()
        .expect("run inferchain")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs the client and asserts success.
fn ok(url: &str, args: &[&str]) -> String {
    let o = cli(url, args);
    assert!(
        o.status.success(),
        "inferchain {args:?} failed: {}\n{}",
        stderr(&o),
        stdout(&o)
    );
    stdout(&o)
}

/// Runs the client, asserts failure with one `error:` line on stderr, and returns it.
fn fails(url: &str, args: &[&str]) -> String {
    let o = cli(url, args);
    assert_eq!(
        o.status.code(),
        Some(1),
        "inferchain {args:?} should fail: {}\n{}",
        stderr(&o),
        stdout(&o)
    );
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "one error line expected, got: {err}");
    lines[0].to_string()
}

/// The value after `key:` on the first line starting with it.
fn field(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no {key:?} line in:\n{text}"))
        .trim()
        .to_string()
}

/// Base units in an amount printed as `1.5 INFR (1500000000000)`.
fn units(printed: &str) -> u128 {
    let open = printed.rfind('(').expect("amount with units");
    printed[open + 1..printed.len() - 1]
        .parse()
        .expect("integer units")
}

#[test]
fn failures_without_a_node_are_one_line() {
    let closed = format!("ws://127.0.0.1:{}", free_port());
    let e = fails(&closed, &["balance"]);
    assert!(e.contains("cannot connect to the node"), "{e}");
    let e = fails(&closed, &["models"]);
    assert!(e.contains("cannot connect"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.onnx");
    std::fs::write(&junk, b"junk").unwrap();
    let e = fails(&closed, &["model", "inspect", junk.to_str().unwrap()]);
    assert!(e.contains("not an acceptable model"), "{e}");
    let e = fails(&closed, &["balance", "--suri", "not a valid phrase at all"]);
    assert!(e.contains("secret"), "{e}");
    let key = dir.path().join("key");
    std::fs::write(&key, "//Bob\n").unwrap();
    let e = fails(
        &closed,
        &[
            "balance",
            "--suri",
            "//Alice",
            "--suri-file",
            key.to_str().unwrap(),
        ],
    );
    assert!(e.contains("not both"), "{e}");
}

#[test]
fn model_inspect_prints_id_and_schema() {
    let model = workspace().join("models/sample/mlp.onnx");
    let out = ok(
        "ws://127.0.0.1:1",
        &["model", "inspect", model.to_str().unwrap()],
    );
    let bytes = std::fs::read(&model).unwrap();
    let id = format!(
        "0x{}",
        hex::encode(inferchain_primitives::model::model_id(&bytes).0)
    );
    assert_eq!(field(&out, "model id"), id);
    assert!(field(&out, "input").starts_with("x f32 [1, 4]"), "{out}");
}

/// The sample model with a different ONNX `doc_string` (field 6): the same graph under a new
/// model id, so that registering it exercises registration, upload and validation even when
/// the genesis preset already registers the sample.
fn sample_variant(dir: &Path, tag: &str) -> PathBuf {
    let mut bytes = std::fs::read(workspace().join("models/sample/mlp.onnx")).unwrap();
    let doc = format!("client test {tag} {}", std::process::id());
    bytes.push(0x32);
    bytes.push(doc.len() as u8);
    bytes.extend_from_slice(doc.as_bytes());
    let path = dir.join(format!("variant-{tag}.onnx"));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Minimal protobuf writer for hand-made ONNX models.
fn field_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    varint(out, u64::from(field << 3 | 2));
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn field_varint(out: &mut Vec<u8>, field: u32, v: u64) {
    varint(out, u64::from(field << 3));
    varint(out, v);
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// An ONNX model `y = Relu(x)` on f32 `[1, n]`.
fn relu_model(n: u64) -> Vec<u8> {
    let value_info = |name: &str| {
        let mut dim = Vec::new();
        field_varint(&mut dim, 1, n);
        let mut one = Vec::new();
        field_varint(&mut one, 1, 1);
        let mut shape = Vec::new();
        field_bytes(&mut shape, 1, &one);
        field_bytes(&mut shape, 1, &dim);
        let mut tensor = Vec::new();
        field_varint(&mut tensor, 1, 1); // FLOAT
        field_bytes(&mut tensor, 2, &shape);
        let mut ty = Vec::new();
        field_bytes(&mut ty, 1, &tensor);
        let mut vi = Vec::new();
        field_bytes(&mut vi, 1, name.as_bytes());
        field_bytes(&mut vi, 2, &ty);
        vi
    };
    let mut node = Vec::new();
    field_bytes(&mut node, 1, b"x");
    field_bytes(&mut node, 2, b"y");
    field_bytes(&mut node, 4, b"Relu");
    let mut graph = Vec::new();
    field_bytes(&mut graph, 1, &node);
    field_bytes(&mut graph, 2, b"relu");
    field_bytes(&mut graph, 11, &value_info("x"));
    field_bytes(&mut graph, 12, &value_info("y"));
    let mut opset = Vec::new();
    field_varint(&mut opset, 2, 13);
    let mut model = Vec::new();
    field_varint(&mut model, 1, 8);
    field_bytes(&mut model, 8, &opset);
    field_bytes(&mut model, 7, &graph);
    model
}

/// An ONNX model `y = MatMul(x, W)` with x f32 `[1, k]` and a constant W f32 `[k, n]`: about
/// `4·k·n` bytes, so several upload chunks.
fn matmul_model(k: u64, n: u64) -> Vec<u8> {
    let value_info = |name: &str, cols: u64| {
        let mut shape = Vec::new();
        for d in [1, cols] {
            let mut dim = Vec::new();
            field_varint(&mut dim, 1, d);
            field_bytes(&mut shape, 1, &dim);
        }
        let mut tensor = Vec::new();
        field_varint(&mut tensor, 1, 1); // FLOAT
        field_bytes(&mut tensor, 2, &shape);
        let mut ty = Vec::new();
        field_bytes(&mut ty, 1, &tensor);
        let mut vi = Vec::new();
        field_bytes(&mut vi, 1, name.as_bytes());
        field_bytes(&mut vi, 2, &ty);
        vi
    };
    let raw: Vec<u8> = (0..k * n)
        .flat_map(|i| (((i % 17) as f32 - 8.0) / 64.0).to_le_bytes())
        .collect();
    let mut w = Vec::new();
    field_varint(&mut w, 1, k);
    field_varint(&mut w, 1, n);
    field_varint(&mut w, 2, 1); // FLOAT
    field_bytes(&mut w, 8, b"W");
    field_bytes(&mut w, 9, &raw);
    let mut node = Vec::new();
    field_bytes(&mut node, 1, b"x");
    field_bytes(&mut node, 1, b"W");
    field_bytes(&mut node, 2, b"y");
    field_bytes(&mut node, 4, b"MatMul");
    let mut graph = Vec::new();
    field_bytes(&mut graph, 1, &node);
    field_bytes(&mut graph, 2, b"matmul");
    field_bytes(&mut graph, 5, &w);
    field_bytes(&mut graph, 11, &value_info("x", k));
    field_bytes(&mut graph, 12, &value_info("y", n));
    let mut opset = Vec::new();
    field_varint(&mut opset, 2, 13);
    let mut model = Vec::new();
    field_varint(&mut model, 1, 8);
    field_bytes(&mut model, 8, &opset);
    field_bytes(&mut model, 7, &graph);
    model
}

#[test]
fn dev_chain_end_to_end() {
    let node = DevNode::start();
    let url = node.url();

    // balance
    let out = ok(&url, &["balance"]);
    assert_eq!(field(&out, "account"), ALICE);
    let alice_free = units(&field(&out, "free"));
    assert!(alice_free > 0, "{out}");
    let out = ok(&url, &["balance", "--suri", "//Bob"]);
    let bob = field(&out, "account");
    assert_ne!(bob, ALICE);
    // The same account from the environment and from a secret phrase in a file.
    let by_env = Command::new(env!("CARGO_BIN_EXE_inferchain"))
        .args(["--url", &url, "balance"])
        .env("INFERCHAIN_SURI", "//Bob")
        .output()
        .expect("run inferchain");
    assert!(by_env.status.success(), "{}", stderr(&by_env));
    assert_eq!(field(&stdout(&by_env), "account"), bob);
    let keys = tempfile::tempdir().unwrap();
    let phrase = keys.path().join("bob.suri");
    std::fs::write(
        &phrase,
        "bottom drive obey lake curtain smoke basket hold race lonely fit walk//Bob\n",
    )
    .unwrap();
    let out = ok(&url, &["balance", "--suri-file", phrase.to_str().unwrap()]);
    assert_eq!(field(&out, "account"), bob);
    let out = ok(&url, &["balance", ALICE]);
    assert_eq!(field(&out, "account"), ALICE);

    // models and worker status
    let models = ok(&url, &["models"]);
    assert!(!models.trim().is_empty());
    let status = ok(&url, &["worker", "status"]);
    assert_eq!(field(&status, "worker"), ALICE);
    assert!(!field(&status, "status").is_empty());
    let e = fails(&url, &["request", "4000000000"]);
    assert!(e.contains("unknown request"), "{e}");
    let input = workspace().join("models/sample/input.json");
    let e = fails(
        &url,
        &[
            "infer",
            "--model",
            "no-such-model",
            "--input",
            input.to_str().unwrap(),
        ],
    );
    assert!(e.contains("unknown model"), "{e}");

    // Alice works (the dev preset may already have her as a worker; her node holds her
    // `infr` key under --dev).
    if field(&status, "status") == "not registered" {
        let out = ok(&url, &["worker", "register", "--bond", "10000INFR"]);
        assert_eq!(field(&out, "worker"), ALICE);
        let status = ok(&url, &["worker", "status"]);
        assert_eq!(field(&status, "status"), "active", "{status}");
    }

    // register a model (the sample's graph under a new id) and wait until active; one
    // replica, as the dev chain has one worker
    let dir = tempfile::tempdir().unwrap();
    let model = sample_variant(dir.path(), "one");
    let name = format!("client-test-{}", std::process::id());
    let out = ok(
        &url,
        &[
            "model",
            "register",
            model.to_str().unwrap(),
            "--name",
            &name,
            "--price",
            "1000",
            "--replicas",
            "1",
        ],
    );
    let model_bytes = std::fs::read(&model).unwrap();
    let id = format!(
        "0x{}",
        hex::encode(inferchain_primitives::model::model_id(&model_bytes).0)
    );
    assert_eq!(field(&out, "model id"), id, "{out}");
    assert_eq!(field(&out, "status"), "active", "{out}");
    let models = ok(&url, &["models"]);
    assert!(
        models
            .lines()
            .any(|l| l.contains(&id) && l.contains(&name) && l.contains("active")),
        "{models}"
    );
    // Registering again is idempotent.
    let again = ok(
        &url,
        &[
            "model",
            "register",
            model.to_str().unwrap(),
            "--name",
            &name,
        ],
    );
    assert_eq!(field(&again, "model id"), id);

    // Failures before paying: schema mismatch, fee above --max-fee.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"x": {"dtype": "f32", "shape": [4], "data": [0.1, 0.2, 0.3, 0.4]}}"#,
    )
    .unwrap();
    let e = fails(
        &url,
        &["infer", "--model", &name, "--input", bad.to_str().unwrap()],
    );
    assert!(e.contains("does not match the model"), "{e}");
    let e = fails(
        &url,
        &[
            "infer",
            "--model",
            &name,
            "--input",
            input.to_str().unwrap(),
            "--max-fee",
            "1",
        ],
    );
    assert!(e.contains("above --max-fee"), "{e}");

    // Bob infers by name; the outputs equal the engine's, run locally under the model's
    // policy (exact).
    let before = units(&field(&ok(&url, &["balance", "--suri", "//Bob"]), "free"));
    let out_file = dir.path().join("out.json");
    let out = ok(
        &url,
        &[
            "infer",
            "--suri",
            "//Bob",
            "--model",
            &name,
            "--input",
            input.to_str().unwrap(),
            "--output",
            out_file.to_str().unwrap(),
        ],
    );
    assert_eq!(field(&out, "status"), "completed", "{out}");
    let agreeing = field(&out, "agreeing");
    assert!(agreeing.contains("workers"), "{out}");
    let fee_paid = units(field(&out, "fee paid").split(" (royalty").next().unwrap());
    assert!(fee_paid >= 1000, "the royalty at least: {out}");
    let chain_out = tensor_io::read_file(&out_file, None).expect("outputs file");
    let mut engine = Engine::default();
    let inputs = tensor_io::read_file(&input, Some("x")).unwrap();
    let local = engine
        .run_bytes(&model_bytes, &inputs, ExecutionPolicy::Exact)
        .expect("engine run");
    assert_eq!(
        chain_out.canonical_bytes(),
        local.canonical_bytes(),
        "verified outputs equal the local engine's"
    );
    let after = units(&field(&ok(&url, &["balance", "--suri", "//Bob"]), "free"));
    let spent = before - after;
    assert!(
        spent >= fee_paid && spent < fee_paid + 10_000_000_000_000,
        "Bob paid the fee and a transaction fee: before {before}, after {after}, fee {fee_paid}"
    );

    let rid = field(&out, "request");

    // The development preset's sample model, by its short name.
    let sample_file = dir.path().join("sample.json");
    let out = ok(
        &url,
        &[
            "infer",
            "--model",
            "sample",
            "--input",
            input.to_str().unwrap(),
            "--output",
            sample_file.to_str().unwrap(),
        ],
    );
    assert_eq!(field(&out, "status"), "completed", "{out}");
    let sample_bytes = std::fs::read(workspace().join("models/sample/mlp.onnx")).unwrap();
    let local = engine
        .run_bytes(&sample_bytes, &inputs, ExecutionPolicy::Exact)
        .expect("engine run");
    assert_eq!(
        tensor_io::read_file(&sample_file, None)
            .expect("outputs file")
            .canonical_bytes(),
        local.canonical_bytes()
    );

    // --provisional returns the committee's result as soon as it is provisional, marked as
    // such and with its challenge deadline; by default `infer` waits for the final result.
    let out = ok(
        &url,
        &[
            "infer",
            "--model",
            "sample",
            "--input",
            input.to_str().unwrap(),
            "--provisional",
        ],
    );
    assert!(
        field(&out, "status").starts_with("provisional (final after block"),
        "{out}"
    );
    assert!(out.contains("inferchain challenge"), "{out}");
    assert!(out.contains("outputs:"), "{out}");

    // Bob's request is visible afterwards, by id
    let shown = ok(&url, &["request", &rid]);
    assert_eq!(field(&shown, "status"), "completed", "{shown}");
    assert_eq!(field(&shown, "model"), id);
    assert!(shown.contains("agreed=yes"), "{shown}");

    // --no-wait prints the request id
    let out = ok(
        &url,
        &[
            "infer",
            "--model",
            &id,
            "--input",
            input.to_str().unwrap(),
            "--no-wait",
        ],
    );
    let next: u64 = field(&out, "request id").parse().unwrap();
    assert!(next > rid.parse::<u64>().unwrap());

    // A completed result cannot be challenged; a provisional one can, by anyone: Dave
    // challenges Alice's honest result, the dev chain's one validator (Alice) re-executes it
    // and upholds it, and Dave's bond goes to the worker he accused.
    let e = fails(&url, &["challenge", &rid, "--suri", "//Dave", "--yes"]);
    assert!(
        e.contains("cannot be challenged") && e.contains("completed"),
        "{e}"
    );
    let next_id = next.to_string();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let shown = ok(&url, &["request", &next_id]);
        if field(&shown, "status").starts_with("provisional") {
            assert!(shown.contains("inferchain challenge"), "{shown}");
            break;
        }
        assert!(field(&shown, "status").starts_with("pending"), "{shown}");
        assert!(Instant::now() < deadline, "never provisional:\n{shown}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let dave_before = units(&field(&ok(&url, &["balance", "--suri", "//Dave"]), "free"));
    // Without a terminal to ask, the bond is held only with --yes.
    let e = fails(&url, &["challenge", &next_id, "--suri", "//Dave"]);
    assert!(
        e.contains("holds a bond of 10 INFR") && e.contains("--yes"),
        "{e}"
    );
    let out = ok(&url, &["challenge", &next_id, "--suri", "//Dave", "--yes"]);
    let bond = units(&field(&out, "bond held"));
    assert_eq!(bond, 10_000_000_000_000, "{out}");
    let deadline = Instant::now() + Duration::from_secs(180);
    let shown = loop {
        let shown = ok(&url, &["request", &next_id]);
        if field(&shown, "status") == "completed" {
            break shown;
        }
        assert!(Instant::now() < deadline, "no verdict:\n{shown}");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(
        shown.contains("validator: ") && shown.contains("agreed=yes"),
        "{shown}"
    );
    // `request` says who paid and lost what: the fees, and Dave's forfeited bond.
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("forfeited:") && l.contains("10 INFR")),
        "{shown}"
    );
    assert!(shown.lines().any(|l| l.starts_with("paid:")), "{shown}");
    let dave_after = units(&field(&ok(&url, &["balance", "--suri", "//Dave"]), "free"));
    assert!(
        dave_before - dave_after >= bond && dave_before - dave_after < bond + 1_000_000_000_000,
        "Dave lost his bond (and paid a transaction fee): {dave_before} -> {dave_after}"
    );

    // The load generator: 12 requests from 3 derived accounts all settle, with latency and
    // throughput reported.
    let out = ok(
        &url,
        &[
            "bench",
            "--model",
            "sample",
            "--input",
            input.to_str().unwrap(),
            "--requests",
            "12",
            "--accounts",
            "3",
        ],
    );
    assert_eq!(field(&out, "settled"), "12 (0 failed or expired)", "{out}");
    assert!(field(&out, "latency (blocks)").starts_with("min "), "{out}");
    assert!(field(&out, "peak settled/block").parse::<u32>().unwrap() >= 1);

    // A model of several chunks (uploaded with several transactions in flight); its result
    // equals the engine's.
    let big = dir.path().join("matmul.onnx");
    let big_bytes = matmul_model(256, 1024);
    std::fs::write(&big, &big_bytes).unwrap();
    assert!(big_bytes.len() > 4 * 256 * 1024, "at least five chunks");
    let out = ok(
        &url,
        &[
            "model",
            "register",
            big.to_str().unwrap(),
            "--name",
            "matmul",
            "--replicas",
            "1",
        ],
    );
    assert_eq!(field(&out, "status"), "active", "{out}");
    let x: Vec<f32> = (0..256).map(|i| (i as f32 - 128.0) / 100.0).collect();
    let big_input = dir.path().join("matmul-input.json");
    std::fs::write(
        &big_input,
        serde_json::json!({"x": {"dtype": "f32", "shape": [1, 256], "data": x}}).to_string(),
    )
    .unwrap();
    let big_out = dir.path().join("matmul-out.npz");
    ok(
        &url,
        &[
            "infer",
            "--model",
            "matmul",
            "--input",
            big_input.to_str().unwrap(),
            "--output",
            big_out.to_str().unwrap(),
        ],
    );
    let local = engine
        .run_bytes(
            &big_bytes,
            &tensor_io::read_file(&big_input, None).unwrap(),
            ExecutionPolicy::Exact,
        )
        .expect("engine run");
    assert_eq!(
        tensor_io::read_file(&big_out, None)
            .expect("outputs file")
            .canonical_bytes(),
        local.canonical_bytes()
    );

    // A model that validates but whose outputs (40 kB) cannot fit a reveal is rejected by the
    // validators, and the client says why.
    let relu = dir.path().join("relu.onnx");
    std::fs::write(&relu, relu_model(10_000)).unwrap();
    let inspected = ok(&url, &["model", "inspect", relu.to_str().unwrap()]);
    assert!(
        field(&inspected, "output").starts_with("y f32 [1, 10000]"),
        "{inspected}"
    );
    let e = fails(
        &url,
        &[
            "model",
            "register",
            relu.to_str().unwrap(),
            "--name",
            "too-wide",
            "--replicas",
            "1",
        ],
    );
    assert!(
        e.contains("was rejected") && e.contains("do not fit"),
        "{e}"
    );
    let models = ok(&url, &["models"]);
    assert!(
        models
            .lines()
            .any(|l| l.contains("too-wide") && l.contains("rejected (Unusable)")),
        "{models}"
    );

    // A two-replica model, validated while Alice is the only worker.
    let pair = sample_variant(dir.path(), "two");
    let out = ok(
        &url,
        &[
            "model",
            "register",
            pair.to_str().unwrap(),
            "--name",
            "pair",
            "--replicas",
            "2",
        ],
    );
    assert_eq!(field(&out, "status"), "active", "{out}");

    // Last (a worker whose node lacks its key would be drawn for jobs): Charlie registers as a
    // worker; his bond is held.
    let e = fails(
        &url,
        &[
            "worker",
            "register",
            "--bond",
            "1INFR",
            "--suri",
            "//Charlie",
        ],
    );
    assert!(e.contains("BondTooLow"), "{e}");
    let out = ok(
        &url,
        &[
            "worker",
            "register",
            "--bond",
            "150INFR",
            "--suri",
            "//Charlie",
        ],
    );
    let charlie = field(&out, "worker");
    assert_eq!(units(&field(&out, "bond")), 150_000_000_000_000);
    let status = ok(&url, &["worker", "status", &charlie]);
    assert_eq!(field(&status, "status"), "active", "{status}");
    assert!(
        field(&status, "in active set").starts_with("yes"),
        "{status}"
    );
    let balance = ok(&url, &["balance", &charlie]);
    assert!(
        units(&field(&balance, "reserved")) >= 150_000_000_000_000,
        "{balance}"
    );

    // Charlie's node does not run: a request on the two-replica model draws Alice and Charlie.
    // Charlie's absence escalates the job to the validators (Alice), whose verdict is Alice's
    // output; Charlie is slashed for not committing, and Bob pays the quote, Charlie's fee
    // going to the validator that re-executed the job.
    let before = units(&field(&ok(&url, &["balance", "--suri", "//Bob"]), "free"));
    let out = ok(
        &url,
        &[
            "infer",
            "--suri",
            "//Bob",
            "--model",
            "pair",
            "--input",
            input.to_str().unwrap(),
        ],
    );
    assert_eq!(field(&out, "status"), "completed", "{out}");
    assert!(field(&out, "agreeing").starts_with("1 of 2"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("slashed:") && l.contains(&charlie) && l.contains("NoCommit")),
        "{out}"
    );
    let refunded = units(field(&out, "fee paid").rsplit("refunded ").next().unwrap());
    assert_eq!(refunded, 0, "Charlie's fee is paid to the validator: {out}");
    let after = units(&field(&ok(&url, &["balance", "--suri", "//Bob"]), "free"));
    assert!(before > after, "Bob paid: before {before}, after {after}");
}
