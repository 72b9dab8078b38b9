//! The Inferchain runtime.
//!
//! FRAME system, Aura + GRANDPA consensus, balances, transaction payment, sudo, utility and
//! the inference pallet. The block time is chain-spec data: see [`block_time`].
#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` generates large enums and deep type recursion.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod block_time;
pub mod configs;
pub mod genesis_config_presets;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;
use sp_runtime::{
    generic, impl_opaque_keys,
    traits::{BlakeTwo256, IdentifyAccount, Verify},
    MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Types the node uses without knowing the runtime's extrinsic format.
pub mod opaque {
    use super::*;
    use sp_runtime::traits::Hash as HashT;

    pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

    /// Opaque block header type.
    pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
    /// Opaque block type.
    pub type Block = generic::Block<Header, UncheckedExtrinsic>;
    /// Opaque block hash type.
    pub type Hash = <BlakeTwo256 as HashT>::Output;
}

impl_opaque_keys! {
    /// The consensus keys a validator holds.
    pub struct SessionKeys {
        /// Block authoring.
        pub aura: Aura,
        /// Finality voting.
        pub grandpa: Grandpa,
    }
}

/// The runtime's version: bump `spec_version` on every change of behaviour.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: alloc::borrow::Cow::Borrowed("inferchain"),
    impl_name: alloc::borrow::Cow::Borrowed("inferchain-node"),
    authoring_version: 1,
    spec_version: 103,
    impl_version: 1,
    apis: apis::RUNTIME_API_VERSIONS,
    transaction_version: 1,
    system_version: 1,
};

/// Blocks in a day at the production block time (6 s); deadlines are counted in blocks.
pub const DAYS: BlockNumber = 24 * 60 * 60 / 6;

/// Blocks kept in the block-hash map (mortal transactions can refer to this many blocks).
pub const BLOCK_HASH_COUNT: BlockNumber = 2400;

/// One INFR: the base number of indivisible units.
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of an INFR.
pub const MILLI_UNIT: Balance = 1_000_000_000;
/// A millionth of an INFR.
pub const MICRO_UNIT: Balance = 1_000_000;
/// Existential deposit.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;
/// Token symbol shown by wallets.
pub const TOKEN_SYMBOL: &str = "INFR";
/// Token decimals shown by wallets.
pub const TOKEN_DECIMALS: u8 = 12;
/// The generic Substrate SS58 prefix.
pub const SS58_PREFIX: u16 = 42;

/// Signature type of transactions.
pub type Signature = MultiSignature;
/// Account identifier: the public key of the signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account.
pub type Balance = u128;
/// Index of a transaction of an account.
pub type Nonce = u32;
/// Hash type.
pub type Hash = sp_core::H256;
/// Block number.
pub type BlockNumber = u32;
/// Address format of transaction senders.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block with its justifications.
pub type SignedBlock = generic::SignedBlock<Block>;

/// The standard transaction extensions, in the order wallets expect them.
pub type TxExtension = (
    frame_system::AuthorizeCall<Runtime>,
    frame_system::CheckNonZeroSender<Runtime>,
    frame_system::CheckSpecVersion<Runtime>,
    frame_system::CheckTxVersion<Runtime>,
    frame_system::CheckGenesis<Runtime>,
    frame_system::CheckEra<Runtime>,
    frame_system::CheckNonce<Runtime>,
    frame_system::CheckWeight<Runtime>,
    pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
    frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
    frame_system::WeightReclaim<Runtime>,
);

/// Extrinsic as the runtime sees it.
pub type UncheckedExtrinsic =
    generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// The payload signed by a transaction's sender.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Migrations beyond the pallets' own.
type Migrations = (
    pallet_inference::migrations::v1::MigrateV0ToV1<Runtime>,
    pallet_inference::migrations::v2::MigrateV1ToV2<Runtime>,
    pallet_inference::migrations::v3::MigrateV2ToV3<Runtime>,
);

/// Dispatches blocks and transactions to the pallets.
pub type Executive = frame_executive::Executive<
    Runtime,
    Block,
    frame_system::ChainContext<Runtime>,
    Runtime,
    AllPalletsWithSystem,
    Migrations,
>;

#[frame_support::runtime]
mod runtime {
    /// The Inferchain runtime.
    #[runtime::runtime]
    #[runtime::derive(
        RuntimeCall,
        RuntimeEvent,
        RuntimeError,
        RuntimeOrigin,
        RuntimeFreezeReason,
        RuntimeHoldReason,
        RuntimeSlashReason,
        RuntimeLockId,
        RuntimeTask,
        RuntimeViewFunction
    )]
    pub struct Runtime;

    /// Accounts, blocks, events.
    #[runtime::pallet_index(0)]
    pub type System = frame_system;

    /// Block time from the chain spec.
    #[runtime::pallet_index(1)]
    pub type BlockTime = crate::block_time;

    /// Block timestamps.
    #[runtime::pallet_index(2)]
    pub type Timestamp = pallet_timestamp;

    /// Block authoring.
    #[runtime::pallet_index(3)]
    pub type Aura = pallet_aura;

    /// Finality.
    #[runtime::pallet_index(4)]
    pub type Grandpa = pallet_grandpa;

    /// Balances and holds.
    #[runtime::pallet_index(5)]
    pub type Balances = pallet_balances;

    /// Transaction fees.
    #[runtime::pallet_index(6)]
    pub type TransactionPayment = pallet_transaction_payment;

    /// Privileged calls during bootstrap.
    #[runtime::pallet_index(7)]
    pub type Sudo = pallet_sudo;

    /// Batches of calls.
    #[runtime::pallet_index(8)]
    pub type Utility = pallet_utility;

    /// Model registry, paid inference requests, commit–reveal verification and settlement.
    #[runtime::pallet_index(10)]
    pub type Inference = pallet_inference;
}
