//! Types shared by the Inferchain runtime and node.
#![cfg_attr(not(feature = "std"), no_std)]
