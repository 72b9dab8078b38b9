//! The sections of the pallet macro, each imported into [`crate::pallet`] with
//! `#[import_section]`: the calls (thin: origin, domain function, event), the events, the
//! errors, the genesis configuration and the hooks.

pub mod calls;
pub mod errors;
pub mod events;
pub mod genesis;
pub mod hooks;
