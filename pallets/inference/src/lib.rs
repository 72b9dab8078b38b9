//! The inference pallet.
#![cfg_attr(not(feature = "std"), no_std)]
