//! Mock runtime for the inference pallet's tests and benchmarks.

use crate as pallet_inference;
use crate::{crypto, testing_utils, ModelPolicy};
use frame_support::{
    derive_impl, parameter_types,
    traits::{ConstU128, ConstU32, ConstU64, Hooks},
    BoundedVec,
};
use inferchain_primitives::{
    host::{HostError, InferenceHost},
    limits::MAX_CHUNK_BYTES,
    DType, ExecutionPolicy, ModelId, ModelInfo, TensorMap, TensorSpec,
};
use sp_core::{sr25519, Pair, H256};
use sp_runtime::{generic, traits::IdentityLookup, AccountId32, BuildStorage, Perbill};

/// Balance type of the mock.
pub type Balance = u128;
/// Account type of the mock (as in the real runtime).
pub type AccountId = AccountId32;
/// Transaction extensions of the mock: authorization only.
pub type TxExtension = (frame_system::AuthorizeCall<Test>,);
/// Extrinsic type of the mock.
pub type Extrinsic =
    generic::UncheckedExtrinsic<AccountId, RuntimeCall, sp_runtime::MultiSignature, TxExtension>;
/// Block type of the mock.
pub type Block = generic::Block<generic::Header<u64, sp_runtime::traits::BlakeTwo256>, Extrinsic>;

frame_support::construct_runtime!(
    pub enum Test {
        System: frame_system,
        Balances: pallet_balances,
        Inference: pallet_inference,
    }
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
    type Block = Block;
    type AccountId = AccountId;
    type Lookup = IdentityLookup<AccountId>;
    type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
    type Balance = Balance;
    type AccountStore = System;
    type ExistentialDeposit = ConstU128<1>;
    type RuntimeHoldReason = RuntimeHoldReason;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
    RuntimeCall: From<C>,
{
    type Extrinsic = Extrinsic;
    type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Test
where
    RuntimeCall: From<C>,
{
    type Extension = TxExtension;
    fn create_transaction(call: RuntimeCall, extension: TxExtension) -> Extrinsic {
        Extrinsic::new_transaction(call, extension)
    }
}

impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Test
where
    RuntimeCall: From<C>,
{
    fn create_extension() -> TxExtension {
        (frame_system::AuthorizeCall::<Test>::new(),)
    }
}

impl frame_system::offchain::SigningTypes for Test {
    type Public = sp_runtime::MultiSigner;
    type Signature = sp_runtime::MultiSignature;
}

impl<C> frame_system::offchain::CreateSignedTransaction<C> for Test
where
    RuntimeCall: From<C>,
{
    /// Signs the mock's extension (it has no nonce: the pool double does not order by it).
    fn create_signed_transaction<
        A: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
    >(
        call: RuntimeCall,
        public: sp_runtime::MultiSigner,
        account: AccountId,
        _nonce: <Test as frame_system::Config>::Nonce,
    ) -> Option<Extrinsic> {
        use codec::Encode;
        let extension: TxExtension = (frame_system::AuthorizeCall::<Test>::new(),);
        let payload = generic::SignedPayload::new(call, extension).ok()?;
        let signature = payload.using_encoded(|p| A::sign(p, public))?;
        let (call, extension, _) = payload.deconstruct();
        Some(Extrinsic::new_signed(call, account, signature, extension))
    }
}

parameter_types! {
    pub const RejectionFee: Perbill = Perbill::from_percent(10);
    pub const WrongResultSlash: Perbill = Perbill::from_percent(20);
    pub const NoRevealSlash: Perbill = Perbill::from_percent(20);
    pub const ChallengerReward: Perbill = Perbill::from_percent(50);
    pub const RequesterCompensation: Perbill = Perbill::from_percent(25);
    pub const NoCommitSlash: Perbill = Perbill::from_percent(20);
    /// Changed by the test of split reveal batches.
    pub static RevealBatchBytes: u32 = 1024 * 1024;
}

/// Smallest worker bond in the mock.
pub const MIN_BOND: Balance = 1_000;
/// Commit period in the mock.
pub const COMMIT_PERIOD: u64 = 5;
/// Reveal period in the mock.
pub const REVEAL_PERIOD: u64 = 5;
/// Result retention in the mock.
pub const RETENTION: u64 = 10;
/// Unbonding period in the mock.
pub const UNBONDING: u64 = 100;
/// Fixed part of a model deposit in the mock.
pub const DEPOSIT_BASE: Balance = 500;
/// Per-byte part of a model deposit in the mock.
pub const DEPOSIT_PER_BYTE: Balance = 1;
/// Fixed part of a worker's fee in the mock.
pub const BASE_WORKER_FEE: Balance = 10;
/// Worker fee per cost unit in the mock.
pub const FEE_PER_COST_UNIT: Balance = 1;
/// Estimated cost of the test model ([`test_info`]).
pub const TEST_COST: u64 = 100;
/// One worker's fee for a request on the test model (inputs are free in the mock).
pub const WORKER_FEE: Balance = BASE_WORKER_FEE + FEE_PER_COST_UNIT * TEST_COST as Balance;

/// The deposit of a model of `size` bytes.
pub const fn deposit_of(size: u32) -> Balance {
    DEPOSIT_BASE + DEPOSIT_PER_BYTE * size as Balance
}

impl pallet_inference::Config for Test {
    type RuntimeHoldReason = RuntimeHoldReason;
    type Currency = Balances;
    type OnSlash = CountBurned;
    type WeightInfo = ();
    type MinWorkerBond = ConstU128<MIN_BOND>;
    type UnbondingPeriod = ConstU64<UNBONDING>;
    type MaxWorkers = ConstU32<16>;
    type MaxReplicas = ConstU32<5>;
    type ValidationReplicas = ConstU32<3>;
    type ModelDepositBase = ConstU128<DEPOSIT_BASE>;
    type ModelDepositPerByte = ConstU128<DEPOSIT_PER_BYTE>;
    type RejectionFee = RejectionFee;
    type MaxNameLen = ConstU32<32>;
    type MaxDescriptionLen = ConstU32<128>;
    type MaxInputBytes = ConstU32<4096>;
    type MaxOutputBytes = ConstU32<16384>;
    type MaxBatch = ConstU32<8>;
    type MaxRevealBatchBytes = RevealBatchBytes;
    type MaxJobsPerBlock = ConstU32<4>;
    type CommitPeriod = ConstU64<COMMIT_PERIOD>;
    type RevealPeriod = ConstU64<REVEAL_PERIOD>;
    type ResultRetention = ConstU64<RETENTION>;
    type BaseWorkerFee = ConstU128<BASE_WORKER_FEE>;
    type FeePerCostUnit = ConstU128<FEE_PER_COST_UNIT>;
    type FeePerInputByte = ConstU128<0>;
    type WrongResultSlash = WrongResultSlash;
    type NoRevealSlash = NoRevealSlash;
    type NoCommitSlash = NoCommitSlash;
    type WorkerTxPriority = ConstU64<1_000_000>;
    type ChallengePeriod = ConstU64<CHALLENGE_PERIOD>;
    type ChallengeBond = ConstU128<CHALLENGE_BOND>;
    type ChallengerReward = ChallengerReward;
    type RequesterCompensation = RequesterCompensation;
    type Validators = MockValidators;
    type MaxValidators = ConstU32<8>;
    type MaxEscalationsPerBlock = ConstU32<2>;
    type MaxEscalationBacklog = ConstU32<3>;
    #[cfg(feature = "runtime-benchmarks")]
    type BenchmarkHelper = MockValidators;
}

/// Blocks after a job's reveal deadline during which its result can be challenged.
pub const CHALLENGE_PERIOD: u64 = 3;

/// Bond held from a challenger.
pub const CHALLENGE_BOND: Balance = 400;

thread_local! {
    static VALIDATORS: core::cell::RefCell<Vec<AccountId>> = const { core::cell::RefCell::new(Vec::new()) };
    static BURNED: core::cell::Cell<Balance> = const { core::cell::Cell::new(0) };
}

/// The mock's slash sink: burns what it receives, like `()`, and counts it ([`burned`]) so
/// tests can check that issuance falls by exactly what was burned.
pub struct CountBurned;

impl
    frame_support::traits::OnUnbalanced<
        frame_support::traits::fungible::Credit<AccountId, Balances>,
    > for CountBurned
{
    fn on_nonzero_unbalanced(credit: frame_support::traits::fungible::Credit<AccountId, Balances>) {
        use frame_support::traits::Imbalance;
        BURNED.with(|b| b.set(b.get() + credit.peek()));
        drop(credit);
    }
}

/// What the slash sink burned in this test thread since [`ExtBuilder::build`].
pub fn burned() -> Balance {
    BURNED.with(|b| b.get())
}

/// The validator set of the mock: empty unless a test sets it ([`set_validators`]).
pub struct MockValidators;

impl frame_support::traits::Get<Vec<AccountId>> for MockValidators {
    fn get() -> Vec<AccountId> {
        VALIDATORS.with(|v| v.borrow().clone())
    }
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockValidators {
    fn set_validators(accounts: &[AccountId]) {
        set_validators(accounts.to_vec());
    }
}

/// Sets the mock's validator set (worker accounts).
pub fn set_validators(accounts: Vec<AccountId>) {
    VALIDATORS.with(|v| *v.borrow_mut() = accounts);
}

/// Initial free balance of every test account.
pub const INITIAL: Balance = 1_000_000;

/// The sr25519 pair of test worker `i`.
pub fn pair(i: u8) -> sr25519::Pair {
    sr25519::Pair::from_seed(&[i; 32])
}

/// The account of test key `i` (workers are 1..=10, others are plain accounts).
pub fn acc(i: u8) -> AccountId {
    AccountId::from(pair(i).public())
}

/// The `infr` public key of test key `i`.
pub fn key(i: u8) -> crypto::Public {
    crypto::Public::from(pair(i).public())
}

/// Signs `payload` with test key `i`.
pub fn sign(i: u8, payload: &[u8]) -> crypto::Signature {
    crypto::Signature::from(pair(i).sign(payload))
}

/// Model owner account.
pub fn owner() -> AccountId {
    acc(100)
}

/// Requester account.
pub fn requester() -> AccountId {
    acc(101)
}

/// Requester with almost no balance.
pub fn pauper() -> AccountId {
    acc(102)
}

/// A tensor spec.
pub fn spec(name: &[u8], dtype: DType, shape: &[u64]) -> TensorSpec {
    TensorSpec {
        dtype,
        ..testing_utils::f32_spec(name, shape).expect("short")
    }
}

/// The schema of the test model: `x: f32[1,2] -> y: f32[1,2]`, cost [`TEST_COST`].
pub fn test_info() -> ModelInfo {
    testing_utils::xy_info(&[1, 2], &[1, 2], &[b"Mul"], TEST_COST).expect("short")
}

/// A canonical `x` input map.
pub fn inputs(a: f32, b: f32) -> Vec<u8> {
    testing_utils::f32_map(b"x", &[1, 2], &[a, b]).expect("valid")
}

/// A canonical `y` output map.
pub fn outputs(a: f32, b: f32) -> Vec<u8> {
    testing_utils::f32_map(b"y", &[1, 2], &[a, b]).expect("valid")
}

/// Id of the genesis model (exact policy, 3 replicas).
pub fn genesis_model() -> ModelId {
    H256::repeat_byte(0xAA)
}

/// Id of the genesis model with a tolerance policy (3 replicas).
pub fn tolerance_model() -> ModelId {
    H256::repeat_byte(0xBB)
}

/// Id of the genesis model with one replica.
pub fn single_model() -> ModelId {
    H256::repeat_byte(0xCC)
}

/// Genesis model with exact policy and 2 replicas.
pub fn pair_model() -> ModelId {
    H256::repeat_byte(0xDD)
}

/// Royalty of the genesis models.
pub const PRICE: Balance = 50;

/// A test double of the node's inference backend: validation returns [`test_info`] (or the
/// configured failure), execution doubles the inputs and renames them `y`.
#[derive(Clone, Default)]
pub struct FakeHost {
    /// Fail validation with this error.
    pub validation_error: Option<HostError>,
    /// Added to every output element (to simulate a wrong or changed backend); shared with
    /// the test.
    pub skew: std::sync::Arc<std::sync::Mutex<f32>>,
    /// Fail execution with this error.
    pub run_error: Option<HostError>,
    /// Count of calls, shared with the test.
    pub calls: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

impl InferenceHost for FakeHost {
    fn validate_model(&mut self, _model_id: ModelId, _chunks: u32) -> Result<ModelInfo, HostError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        match &self.validation_error {
            Some(e) => Err(e.clone()),
            None => Ok(test_info()),
        }
    }

    fn run(
        &mut self,
        _model_id: ModelId,
        _chunks: u32,
        inputs_bytes: &[u8],
        _policy: ExecutionPolicy,
    ) -> Result<Vec<u8>, HostError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Some(e) = &self.run_error {
            return Err(e.clone());
        }
        let map = TensorMap::decode_checked(inputs_bytes)
            .map_err(|_| HostError::BadInputs(b"decode".to_vec()))?;
        let x = map.get(b"x").ok_or(HostError::BadInputs(b"x".to_vec()))?;
        let vals: Vec<f32> = x
            .data
            .chunks_exact(4)
            .map(|c| {
                f32::from_le_bytes([c[0], c[1], c[2], c[3]]) * 2.0
                    + *self.skew.lock().expect("not poisoned")
            })
            .collect();
        Ok(outputs(vals[0], vals[1]))
    }
}

/// Builds the test externalities: accounts `1..=workers` (6 unless set) are workers with
/// `MIN_BOND * 2`, the others of 1..=10 are funded but not workers; three genesis models are
/// active.
pub struct ExtBuilder {
    workers: u8,
}

impl Default for ExtBuilder {
    fn default() -> Self {
        ExtBuilder { workers: 6 }
    }
}

impl ExtBuilder {
    /// Sets the number of genesis workers.
    pub fn workers(mut self, n: u8) -> Self {
        self.workers = n;
        self
    }

    /// The externalities, at block 1.
    pub fn build(self) -> sp_io::TestExternalities {
        // Thread-local mock state starts afresh (proptest runs its cases on one thread).
        BURNED.with(|b| b.set(0));
        set_validators(Vec::new());
        let mut t = frame_system::GenesisConfig::<Test>::default()
            .build_storage()
            .expect("builds");
        let mut balances: Vec<(AccountId, Balance)> = (1..=10).map(|i| (acc(i), INITIAL)).collect();
        balances.push((owner(), INITIAL));
        balances.push((requester(), INITIAL));
        balances.push((pauper(), 20));
        pallet_balances::GenesisConfig::<Test> {
            balances,
            ..Default::default()
        }
        .assimilate_storage(&mut t)
        .expect("builds");
        let policy = |execution, replicas| ModelPolicy {
            execution,
            replicas,
        };
        let model = |id, p| {
            crate::GenesisModel::new(
                id,
                owner(),
                b"double".to_vec(),
                10,
                vec![H256::repeat_byte(1)],
                &test_info(),
                p,
                PRICE,
            )
        };
        pallet_inference::GenesisConfig::<Test> {
            workers: (1..=self.workers).map(|i| (acc(i), MIN_BOND * 2)).collect(),
            models: vec![
                model(genesis_model(), policy(ExecutionPolicy::Exact, 3)),
                model(
                    tolerance_model(),
                    policy(
                        ExecutionPolicy::Tolerance {
                            abs: 10_000_000,
                            rel: 0,
                        },
                        3,
                    ),
                ),
                model(single_model(), policy(ExecutionPolicy::Exact, 1)),
                model(pair_model(), policy(ExecutionPolicy::Exact, 2)),
            ],
        }
        .assimilate_storage(&mut t)
        .expect("builds");
        let mut ext = sp_io::TestExternalities::new(t);
        ext.execute_with(|| System::set_block_number(1));
        ext
    }

    /// Runs `test` in the externalities, then checks the storage invariants.
    pub fn build_and_execute(self, test: impl FnOnce()) {
        self.build().execute_with(|| {
            test();
            Inference::do_try_state().expect("invariants hold after the test");
        });
    }
}

/// Externalities for the benchmark tests: no genesis workers or models, a keystore.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
    let mut t = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .expect("builds");
    // One genesis worker, as on the dev chain: benchmarks must not depend on an empty set.
    pallet_balances::GenesisConfig::<Test> {
        balances: vec![(acc(1), INITIAL)],
        ..Default::default()
    }
    .assimilate_storage(&mut t)
    .expect("builds");
    pallet_inference::GenesisConfig::<Test> {
        workers: vec![(acc(1), MIN_BOND)],
        models: vec![],
    }
    .assimilate_storage(&mut t)
    .expect("builds");
    let mut ext = sp_io::TestExternalities::new(t);
    ext.register_extension(sp_keystore::KeystoreExt::new(
        sp_keystore::testing::MemoryKeystore::new(),
    ));
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// Runs blocks up to `n`: `on_idle` and `on_finalize` of the current block, then
/// `on_initialize` of each next block, whose parent hash is derived from its number; checks the
/// storage invariants after each block's `on_initialize`.
pub fn run_to_block(n: u64) {
    System::run_to_block_with::<AllPalletsWithSystem>(
        n,
        frame_system::RunToBlockHooks::default()
            .before_finalize(|b| {
                Inference::on_idle(b, frame_support::weights::Weight::MAX);
            })
            .before_initialize(|b| System::set_parent_hash(H256::from_low_u64_be(b - 1)))
            .after_initialize(|b| {
                if let Err(e) = Inference::do_try_state() {
                    panic!("invariants broken at block {b}: {e:?}");
                }
            }),
    );
}

/// A bounded chunk.
pub fn chunk(bytes: Vec<u8>) -> BoundedVec<u8, ConstU32<MAX_CHUNK_BYTES>> {
    bytes.try_into().expect("chunk within limit")
}

/// Genesis model policy helper for tests.
pub fn exact(replicas: u8) -> ModelPolicy {
    ModelPolicy {
        execution: ExecutionPolicy::Exact,
        replicas,
    }
}
