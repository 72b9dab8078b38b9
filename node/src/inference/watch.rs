//! `--inference-watch`: the models whose provisional results this node re-executes and
//! challenges when wrong (the runtime's watcher, `pallet_inference::offchain::watch`).
//!
//! The runtime cannot read the node's options, so the node records the watch list in offchain
//! persistent local storage under [`NODE_WATCH_KEY`] when it starts, and removes it when it
//! starts without the option (the storage outlives the process).

use codec::Encode;
use inferchain_primitives::{
    offchain_keys::{Watched, NODE_WATCH_KEY},
    ModelId,
};
use sp_core::offchain::{OffchainStorage, STORAGE_PREFIX};
use std::str::FromStr;

/// Parses the option's value: `all`, or model ids (64 hex digits, `0x` optional) separated by
/// commas.
pub fn parse(value: &str) -> Result<Watched, String> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("all") {
        return Ok(Watched::Every);
    }
    let mut models = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let hex = part.strip_prefix("0x").unwrap_or(part);
        if hex.len() != 64 {
            return Err(format!(
                "`{part}` is not a model id: expected 64 hex digits (or `all`)"
            ));
        }
        let id = ModelId::from_str(hex)
            .map_err(|_| format!("`{part}` is not a model id: it is not hexadecimal"))?;
        if !models.contains(&id) {
            models.push(id);
        }
    }
    if models.is_empty() {
        return Err("give model ids separated by commas, or `all`".into());
    }
    Ok(Watched::Models(models))
}

/// Records `watch` where the offchain workers read it, or removes an earlier list.
pub fn record<S: OffchainStorage>(storage: &mut S, watch: Option<&Watched>) {
    match watch {
        Some(w) => storage.set(STORAGE_PREFIX, NODE_WATCH_KEY, &w.encode()),
        None => storage.remove(STORAGE_PREFIX, NODE_WATCH_KEY),
    }
}

/// A line for the node's log saying what is watched.
pub fn describe(watch: &Watched) -> String {
    match watch {
        Watched::Every => "every model".into(),
        Watched::Models(models) => models
            .iter()
            .map(|m| format!("{m:?}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::Decode;
    use sp_core::offchain::storage::InMemOffchainStorage;

    #[test]
    fn parses_all_or_model_ids() {
        assert_eq!(parse("all"), Ok(Watched::Every));
        assert_eq!(parse(" ALL "), Ok(Watched::Every));
        let a = format!("0x{}", "ab".repeat(32));
        let b = "cd".repeat(32);
        let parsed = parse(&format!("{a},{b},{a}")).expect("two ids");
        assert_eq!(
            parsed,
            Watched::Models(vec![ModelId::repeat_byte(0xab), ModelId::repeat_byte(0xcd)])
        );
        assert!(parse("0x1234").unwrap_err().contains("64 hex digits"));
        assert!(parse(&"zz".repeat(32))
            .unwrap_err()
            .contains("not hexadecimal"));
        assert!(parse(" , ").unwrap_err().contains("or `all`"));
    }

    #[test]
    fn records_and_removes_the_watch_list() {
        let mut s = InMemOffchainStorage::default();
        record(&mut s, Some(&Watched::Every));
        let stored = s.get(STORAGE_PREFIX, NODE_WATCH_KEY).expect("recorded");
        assert_eq!(Watched::decode(&mut &stored[..]), Ok(Watched::Every));
        record(&mut s, None);
        assert_eq!(s.get(STORAGE_PREFIX, NODE_WATCH_KEY), None);
    }
}
