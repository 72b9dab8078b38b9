//! Configuration of each pallet in the runtime.

use alloc::vec::Vec;
use frame_support::{
    derive_impl,
    dispatch::DispatchClass,
    parameter_types,
    traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
    weights::{
        constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
        IdentityFee, Weight,
    },
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::One, transaction_validity::TransactionPriority, Perbill};
use sp_version::RuntimeVersion;

use super::{
    block_time, AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, OriginCaller,
    PalletInfo, Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason,
    RuntimeOrigin, RuntimeTask, System, TxExtension, UncheckedExtrinsic, BLOCK_HASH_COUNT, DAYS,
    EXISTENTIAL_DEPOSIT, MICRO_UNIT, SS58_PREFIX, UNIT, VERSION,
};

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

parameter_types! {
    /// Block hashes kept for mortal transactions.
    pub const BlockHashCount: BlockNumber = BLOCK_HASH_COUNT;
    /// The runtime version.
    pub const Version: RuntimeVersion = VERSION;
    /// Two seconds of compute per block: a third of a 6-second slot.
    pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
        Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
        NORMAL_DISPATCH_RATIO,
    );
    /// Five MiB per block, of which normal transactions may fill `NORMAL_DISPATCH_RATIO`.
    pub RuntimeBlockLength: BlockLength = BlockLength::builder()
        .max_length(MAX_BLOCK_LENGTH)
        .modify_max_length_for_class(DispatchClass::Normal, |max| {
            *max = NORMAL_DISPATCH_RATIO * MAX_BLOCK_LENGTH
        })
        .build();
    /// SS58 prefix of addresses.
    pub const SS58Prefix: u16 = SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
    type Block = Block;
    type BlockWeights = RuntimeBlockWeights;
    type BlockLength = RuntimeBlockLength;
    type AccountId = AccountId;
    type Nonce = Nonce;
    type Hash = Hash;
    type BlockHashCount = BlockHashCount;
    type DbWeight = ParityDbWeight;
    type Version = Version;
    type AccountData = pallet_balances::AccountData<Balance>;
    type SS58Prefix = SS58Prefix;
    type MaxConsumers = ConstU32<16>;
}

impl block_time::Config for Runtime {}

impl pallet_aura::Config for Runtime {
    type AuthorityId = AuraId;
    type DisabledValidators = ();
    type MaxAuthorities = ConstU32<32>;
    type AllowMultipleBlocksPerSlot = ConstBool<false>;
    type SlotDuration = block_time::SlotDuration<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type WeightInfo = ();
    type MaxAuthorities = ConstU32<32>;
    type MaxNominators = ConstU32<0>;
    type MaxSetIdSessionEntries = ConstU64<0>;
    type KeyOwnerProof = sp_core::Void;
    type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
    type Moment = u64;
    type OnTimestampSet = Aura;
    type MinimumPeriod = block_time::MinimumPeriod<Runtime>;
    type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
    type MaxLocks = ConstU32<50>;
    type MaxReserves = ();
    type ReserveIdentifier = [u8; 8];
    type Balance = Balance;
    type RuntimeEvent = RuntimeEvent;
    type DustRemoval = ();
    type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
    type AccountStore = System;
    type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
    type FreezeIdentifier = RuntimeFreezeReason;
    type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
    type RuntimeHoldReason = RuntimeHoldReason;
    type RuntimeFreezeReason = RuntimeFreezeReason;
    type DoneSlashHandler = ();
}

parameter_types! {
    /// Fees do not float with congestion.
    pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type OnChargeTransaction = FungibleAdapter<Balances, ()>;
    type OperationalFeeMultiplier = ConstU8<5>;
    type WeightToFee = IdentityFee<Balance>;
    type LengthToFee = IdentityFee<Balance>;
    type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
    type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

impl pallet_utility::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type PalletsOrigin = OriginCaller;
    type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
    /// Share of a rejected model's deposit paid to the validation committee.
    pub const InferenceRejectionFee: Perbill = Perbill::from_percent(10);
    /// Share of its bond a worker loses for a result that differs from the final one.
    pub const InferenceWrongResultSlash: Perbill = Perbill::from_percent(20);
    /// Share of its bond a worker loses for committing and not revealing: as much as for a
    /// wrong result, so withholding a losing output never pays.
    pub const InferenceNoRevealSlash: Perbill = Perbill::from_percent(20);
    /// Share of its bond a worker loses for not committing at all: an absence escalates the
    /// job to the validators like a wrong result, so it costs as much.
    pub const InferenceNoCommitSlash: Perbill = Perbill::from_percent(20);
    /// Share of the stake slashed in an escalation paid to a challenger that overturned the
    /// result.
    pub const InferenceChallengerReward: Perbill = Perbill::from_percent(50);
    /// Share of the stake slashed in an escalation paid to the requester whose provisional
    /// result was overturned.
    pub const InferenceRequesterCompensation: Perbill = Perbill::from_percent(25);
}

/// The validators' worker accounts: the account of each Aura authority's sr25519 key. A
/// validator runs its worker under its Aura key, inserted as its `infr` key too (`--dev` and
/// `--alice`-style nodes do this), and registers it as a worker (the chain specs' authorities
/// are genesis workers).
pub struct AuraWorkerAccounts;

/// The benchmarks' validators become Aura's authorities (their accounts are sr25519 keys).
#[cfg(feature = "runtime-benchmarks")]
impl pallet_inference::BenchmarkHelper<AccountId> for AuraWorkerAccounts {
    fn set_validators(accounts: &[AccountId]) {
        let keys: Vec<AuraId> = accounts
            .iter()
            .map(|a| {
                let raw: &[u8; 32] = a.as_ref();
                AuraId::from(sp_core::sr25519::Public::from_raw(*raw))
            })
            .collect();
        pallet_aura::Authorities::<Runtime>::put(frame_support::BoundedVec::truncate_from(keys));
    }
}

impl frame_support::traits::Get<Vec<AccountId>> for AuraWorkerAccounts {
    fn get() -> Vec<AccountId> {
        use sp_runtime::traits::IdentifyAccount;
        pallet_aura::Authorities::<Runtime>::get()
            .into_iter()
            .map(|a| {
                sp_runtime::MultiSigner::from(sp_core::sr25519::Public::from(a)).into_account()
            })
            .collect()
    }
}

#[docify::export(inference_config)]
impl pallet_inference::Config for Runtime {
    type RuntimeHoldReason = RuntimeHoldReason;
    type Currency = Balances;
    // Slashed bonds are burnt.
    type OnSlash = ();
    type WeightInfo = pallet_inference::weights::SubstrateWeight<Runtime>;
    type MinWorkerBond = ConstU128<{ 100 * UNIT }>;
    type UnbondingPeriod = ConstU32<{ 7 * DAYS }>;
    type MaxWorkers = ConstU32<256>;
    type MaxReplicas = ConstU32<5>;
    type ValidationReplicas = ConstU32<3>;
    type ModelDepositBase = ConstU128<{ 10 * UNIT }>;
    type ModelDepositPerByte = ConstU128<{ UNIT / 100_000 }>;
    type RejectionFee = InferenceRejectionFee;
    type MaxNameLen = ConstU32<64>;
    type MaxDescriptionLen = ConstU32<1024>;
    type MaxInputBytes = ConstU32<{ 64 * 1024 }>;
    type MaxOutputBytes = ConstU32<{ 32 * 1024 }>;
    // Items per commit or reveal transaction; a worker sends as many as its work needs. A reveal
    // is charged, until it is applied, as if every item made the heaviest settlement, so a
    // block author can add one only while that much weight is left: small batches keep the
    // unusable tail of a block small (runtime/src/tests.rs).
    type MaxBatch = ConstU32<64>;
    type MaxRevealBatchBytes = ConstU32<{ 1024 * 1024 }>;
    type MaxJobsPerBlock = ConstU32<512>;
    type CommitPeriod = ConstU32<10>;
    type RevealPeriod = ConstU32<10>;
    type ResultRetention = ConstU32<DAYS>;
    type BaseWorkerFee = ConstU128<{ UNIT / 100 }>;
    type FeePerCostUnit = ConstU128<{ MICRO_UNIT }>;
    type FeePerInputByte = ConstU128<{ MICRO_UNIT }>;
    type WrongResultSlash = InferenceWrongResultSlash;
    type NoRevealSlash = InferenceNoRevealSlash;
    type NoCommitSlash = InferenceNoCommitSlash;
    type WorkerTxPriority = ConstU64<{ TransactionPriority::MAX / 2 }>;
    // A provisional result is final 5 blocks after its reveal deadline (10 s on the dev chain,
    // 30 s at 6-second blocks): long enough for a watcher's challenge to be included.
    type ChallengePeriod = ConstU32<5>;
    type ChallengeBond = ConstU128<{ 10 * UNIT }>;
    type ChallengerReward = InferenceChallengerReward;
    type RequesterCompensation = InferenceRequesterCompensation;
    type Validators = AuraWorkerAccounts;
    // As many as Aura's authorities.
    type MaxValidators = ConstU32<32>;
    type MaxEscalationsPerBlock = ConstU32<4>;
    type MaxEscalationBacklog = ConstU32<64>;
    #[cfg(feature = "runtime-benchmarks")]
    type BenchmarkHelper = AuraWorkerAccounts;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
    RuntimeCall: From<C>,
{
    type Extrinsic = UncheckedExtrinsic;
    type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Runtime
where
    RuntimeCall: From<C>,
{
    type Extension = TxExtension;

    fn create_transaction(call: RuntimeCall, extension: TxExtension) -> UncheckedExtrinsic {
        UncheckedExtrinsic::new_transaction(call, extension)
    }
}

impl frame_system::offchain::SigningTypes for Runtime {
    type Public = <super::Signature as sp_runtime::traits::Verify>::Signer;
    type Signature = super::Signature;
}

impl<C> frame_system::offchain::CreateSignedTransaction<C> for Runtime
where
    RuntimeCall: From<C>,
{
    /// An ordinary signed transaction from an offchain worker (a watcher's `challenge`, signed
    /// by its `infr` key): the standard extensions, no tip, mortal for half the block hashes
    /// kept, with the account's next nonce.
    fn create_signed_transaction<
        A: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
    >(
        call: RuntimeCall,
        public: Self::Public,
        account: AccountId,
        nonce: Nonce,
    ) -> Option<UncheckedExtrinsic> {
        use codec::Encode;
        use sp_runtime::SaturatedConversion;
        let period = BlockHashCount::get()
            .checked_next_power_of_two()
            .map(|c| c / 2)
            .unwrap_or(2) as u64;
        let current = System::block_number()
            .saturated_into::<u64>()
            // The transaction is built after this block was imported: its era starts here.
            .saturating_sub(1);
        let extension: TxExtension = (
            frame_system::AuthorizeCall::<Runtime>::new(),
            frame_system::CheckNonZeroSender::<Runtime>::new(),
            frame_system::CheckSpecVersion::<Runtime>::new(),
            frame_system::CheckTxVersion::<Runtime>::new(),
            frame_system::CheckGenesis::<Runtime>::new(),
            frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::mortal(
                period, current,
            )),
            frame_system::CheckNonce::<Runtime>::from(nonce),
            frame_system::CheckWeight::<Runtime>::new(),
            pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
            frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
            frame_system::WeightReclaim::<Runtime>::new(),
        );
        let payload = super::SignedPayload::new(call, extension).ok()?;
        let signature = payload.using_encoded(|bytes| A::sign(bytes, public))?;
        let (call, extension, _) = payload.deconstruct();
        Some(UncheckedExtrinsic::new_signed(
            call,
            sp_runtime::MultiAddress::Id(account),
            signature,
            extension,
        ))
    }
}

impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Runtime
where
    RuntimeCall: From<C>,
{
    /// Workers' `commit` and `reveal` are authorized by the pallet (a signature by the worker's
    /// `infr` key over the batch): no nonce, no fee, an immortal era.
    fn create_extension() -> TxExtension {
        (
            frame_system::AuthorizeCall::<Runtime>::new(),
            frame_system::CheckNonZeroSender::<Runtime>::new(),
            frame_system::CheckSpecVersion::<Runtime>::new(),
            frame_system::CheckTxVersion::<Runtime>::new(),
            frame_system::CheckGenesis::<Runtime>::new(),
            frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::Immortal),
            frame_system::CheckNonce::<Runtime>::from(0),
            frame_system::CheckWeight::<Runtime>::new(),
            pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
            frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
            frame_system::WeightReclaim::<Runtime>::new(),
        )
    }
}
