//! Parsing of command-line values: amounts, tolerances, model references, secret URIs.
//!
//! Everything here is pure (no chain access) so that it can be unit tested.

use inferchain_primitives::policy::TOLERANCE_UNIT;
use std::path::Path;

/// Number of decimals of the chain's token (`INFR`).
pub const TOKEN_DECIMALS: u32 = 12;
/// Symbol of the chain's token.
pub const TOKEN_SYMBOL: &str = "INFR";
/// The secret URI used when none is given: the `--dev` chain's Alice.
pub const DEFAULT_SURI: &str = "//Alice";
/// Environment variable holding a secret URI or phrase.
pub const SURI_ENV: &str = "INFERCHAIN_SURI";

/// Parses a non-negative decimal number (`12`, `0.5`, `1e-6`, `2.5E3`) into an integer number
/// of `10^-scale` units. Fails if the value has more precision than `scale` decimals, is
/// negative, or overflows `u128`.
pub fn parse_scaled(s: &str, scale: u32) -> Result<u128, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty number".into());
    }
    if s.starts_with('-') {
        return Err(format!("{s:?} is negative"));
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => {
            let exp: i32 = s[at + 1..]
                .parse()
                .map_err(|_| format!("{s:?} has a bad exponent"))?;
            (&s[..at], exp)
        }
        None => (s, 0),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(format!("{s:?} is not a number"));
    }
    if !int_part
        .chars()
        .chain(frac_part.chars())
        .all(|c| c.is_ascii_digit())
    {
        return Err(format!("{s:?} is not a number"));
    }
    // value = digits * 10^(exponent - frac_len); we want value * 10^scale.
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    let shift = exponent as i64 - frac_part.len() as i64 + scale as i64;
    let digits = if digits.is_empty() { "0" } else { digits };
    let (digits, shift) = if shift < 0 {
        // Drop trailing zeros that the negative shift removes; anything else is too precise.
        let drop = (-shift) as usize;
        if digits == "0" {
            ("0", 0)
        } else if digits.len() >= drop && digits[digits.len() - drop..].bytes().all(|b| b == b'0') {
            (&digits[..digits.len() - drop], 0)
        } else {
            return Err(format!(
                "{s:?} has more precision than {scale} decimal places"
            ));
        }
    } else {
        (digits, shift)
    };
    let digits = if digits.is_empty() { "0" } else { digits };
    let base: u128 = digits.parse().map_err(|_| format!("{s:?} is too large"))?;
    if base == 0 {
        return Ok(0);
    }
    let factor = 10u128
        .checked_pow(u32::try_from(shift).map_err(|_| format!("{s:?} is too large"))?)
        .ok_or_else(|| format!("{s:?} is too large"))?;
    base.checked_mul(factor)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// Parses an amount of the chain's currency: a plain integer is in base units (`1500`), a
/// number followed by `INFR` is in whole tokens (`1.5INFR`, `0.001 INFR`; 1 INFR =
/// 10^12 base units).
pub fn parse_amount(s: &str) -> Result<u128, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    if let Some(number) = upper.strip_suffix(TOKEN_SYMBOL) {
        return parse_scaled(number, TOKEN_DECIMALS).map_err(|e| format!("bad amount: {e}"));
    }
    if t.contains(['.', 'e', 'E']) {
        return Err(format!(
            "bad amount {t:?}: base units are integers; write {t}{TOKEN_SYMBOL} for whole tokens"
        ));
    }
    parse_scaled(t, 0).map_err(|e| format!("bad amount: {e}"))
}

/// Parses `ABS,REL` tolerances (decimal numbers such as `1e-6,1e-3`) into the pallet's units
/// of `1e-9` (`ExecutionPolicy::Tolerance { abs, rel }`). Values must be exact multiples of
/// `1e-9`; `abs` at most `1e9` and `rel` at most `1` (100%), the limits the chain accepts.
pub fn parse_tolerance(s: &str) -> Result<(u64, u64), String> {
    let (abs, rel) = s
        .split_once(',')
        .ok_or_else(|| format!("bad tolerance {s:?}: expected ABS,REL such as 1e-6,1e-3"))?;
    let scale = TOLERANCE_UNIT.ilog10();
    let abs = parse_scaled(abs, scale).map_err(|e| format!("bad absolute tolerance: {e}"))?;
    let rel = parse_scaled(rel, scale).map_err(|e| format!("bad relative tolerance: {e}"))?;
    let unit = TOLERANCE_UNIT as u128;
    if abs > unit * unit {
        return Err("absolute tolerance above 1e9".into());
    }
    if rel > unit {
        return Err("relative tolerance above 1 (100%)".into());
    }
    Ok((abs as u64, rel as u64))
}

/// A model as named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelRef {
    /// A model id (`0x` and 64 hex digits).
    Id([u8; 32]),
    /// A registered model's name.
    Name(String),
}

/// Parses `--model`: a `0x`-prefixed 32-byte hex id, or otherwise a model name.
pub fn parse_model_ref(s: &str) -> Result<ModelRef, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty model name".into());
    }
    if let Some(hex_part) = t.strip_prefix("0x") {
        if hex_part.len() == 64 && hex_part.chars().all(|c| c.is_ascii_hexdigit()) {
            let mut id = [0u8; 32];
            hex::decode_to_slice(hex_part, &mut id).map_err(|e| e.to_string())?;
            return Ok(ModelRef::Id(id));
        }
        if hex_part.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!(
                "bad model id {t:?}: a model id is 0x followed by 64 hex digits"
            ));
        }
    }
    Ok(ModelRef::Name(t.to_string()))
}

/// What name resolution needs to know about one registered model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelEntry {
    /// The model id.
    pub id: [u8; 32],
    /// Its registered name.
    pub name: Vec<u8>,
    /// Whether it accepts requests.
    pub active: bool,
}

/// Resolves a model name among registered models: an exact name match; if several models
/// share the name, the only active one; otherwise an error listing the candidates.
pub fn resolve_name(name: &str, models: &[ModelEntry]) -> Result<[u8; 32], String> {
    let matches: Vec<&ModelEntry> = models
        .iter()
        .filter(|m| m.name.as_slice() == name.as_bytes())
        .collect();
    match matches.as_slice() {
        [] => Err(format!(
            "unknown model {name:?}: no registered model has this name (see `inferchain models`)"
        )),
        [one] => Ok(one.id),
        many => {
            let active: Vec<&&ModelEntry> = many.iter().filter(|m| m.active).collect();
            if let [one] = active.as_slice() {
                return Ok(one.id);
            }
            let ids: Vec<String> = many
                .iter()
                .map(|m| format!("0x{}", hex::encode(m.id)))
                .collect();
            Err(format!(
                "model name {name:?} is ambiguous ({} models, {} active): use an id, one of {}",
                many.len(),
                active.len(),
                ids.join(", ")
            ))
        }
    }
}

/// Chooses the secret URI: `--suri`, else the first line of `--suri-file`, else the
/// environment value, else [`DEFAULT_SURI`]. `--suri` and `--suri-file` together are an error.
pub fn resolve_suri(
    suri: Option<&str>,
    suri_file: Option<&Path>,
    env: Option<&str>,
) -> Result<String, String> {
    match (suri, suri_file) {
        (Some(_), Some(_)) => Err("give either --suri or --suri-file, not both".into()),
        (Some(s), None) => non_empty(s, "--suri"),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read --suri-file {}: {e}", path.display()))?;
            let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            non_empty(line, "--suri-file")
        }
        (None, None) => match env {
            Some(s) => non_empty(s, SURI_ENV),
            None => Ok(DEFAULT_SURI.to_string()),
        },
    }
}

fn non_empty(s: &str, what: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        Err(format!("{what} is empty"))
    } else {
        Ok(t.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_numbers() {
        assert_eq!(parse_scaled("12", 0), Ok(12));
        assert_eq!(parse_scaled("1.5", 3), Ok(1500));
        assert_eq!(parse_scaled("0.001", 3), Ok(1));
        assert_eq!(parse_scaled(".5", 1), Ok(5));
        assert_eq!(parse_scaled("1e-6", 9), Ok(1000));
        assert_eq!(parse_scaled("2.5E3", 0), Ok(2500));
        assert_eq!(parse_scaled("100e-2", 0), Ok(1));
        assert_eq!(parse_scaled("0", 12), Ok(0));
        assert_eq!(parse_scaled("0.0000", 0), Ok(0));
        assert!(parse_scaled("1e-10", 9).is_err());
        assert!(parse_scaled("0.0001", 3).is_err());
        assert!(parse_scaled("-1", 0).is_err());
        assert!(parse_scaled("abc", 0).is_err());
        assert!(parse_scaled("", 0).is_err());
        assert!(parse_scaled(".", 0).is_err());
        assert!(parse_scaled("1e", 0).is_err());
        assert!(parse_scaled("1e99", 0).is_err());
        assert!(parse_scaled("340282366920938463463374607431768211456", 0).is_err());
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("1500"), Ok(1500));
        assert_eq!(parse_amount("1.5INFR"), Ok(1_500_000_000_000));
        assert_eq!(parse_amount("0.001 INFR"), Ok(1_000_000_000));
        assert_eq!(parse_amount("2infr"), Ok(2_000_000_000_000));
        assert_eq!(parse_amount("1000INFR"), Ok(1_000_000_000_000_000));
        let e = parse_amount("1.5").unwrap_err();
        assert!(e.contains("1.5INFR"), "{e}");
        assert!(parse_amount("1e-13INFR").is_err());
        assert!(parse_amount("-3").is_err());
        assert!(parse_amount("ten").is_err());
        assert!(parse_amount("INFR").is_err());
    }

    #[test]
    fn tolerances() {
        assert_eq!(parse_tolerance("1e-6,1e-3"), Ok((1_000, 1_000_000)));
        assert_eq!(parse_tolerance("0,0"), Ok((0, 0)));
        assert_eq!(parse_tolerance("0.5, 0.01"), Ok((500_000_000, 10_000_000)));
        assert_eq!(
            parse_tolerance("1e9,1"),
            Ok((1_000_000_000_000_000_000, 1_000_000_000))
        );
        assert!(parse_tolerance("1e-6").is_err());
        assert!(parse_tolerance("1e-10,0").is_err());
        assert!(parse_tolerance("0,1.5").unwrap_err().contains("100%"));
        assert!(parse_tolerance("2e9,0").unwrap_err().contains("1e9"));
        assert!(parse_tolerance("-1,0").is_err());
        assert!(parse_tolerance("a,b").is_err());
    }

    #[test]
    fn model_refs() {
        let hex_id = format!("0x{}", "ab".repeat(32));
        assert_eq!(parse_model_ref(&hex_id), Ok(ModelRef::Id([0xab; 32])));
        assert_eq!(
            parse_model_ref("sample"),
            Ok(ModelRef::Name("sample".into()))
        );
        assert!(parse_model_ref("0xabc").is_err());
        assert!(parse_model_ref("").is_err());
        // Not hex after 0x: a name.
        assert_eq!(
            parse_model_ref("0xford"),
            Ok(ModelRef::Name("0xford".into()))
        );
    }

    fn entry(id: u8, name: &str, active: bool) -> ModelEntry {
        ModelEntry {
            id: [id; 32],
            name: name.as_bytes().to_vec(),
            active,
        }
    }

    #[test]
    fn name_resolution() {
        let models = vec![
            entry(1, "sample", true),
            entry(2, "mnist", false),
            entry(3, "dup", true),
            entry(4, "dup", false),
            entry(5, "twin", true),
            entry(6, "twin", true),
        ];
        assert_eq!(resolve_name("sample", &models), Ok([1; 32]));
        assert_eq!(resolve_name("mnist", &models), Ok([2; 32]));
        assert_eq!(resolve_name("dup", &models), Ok([3; 32]));
        let e = resolve_name("twin", &models).unwrap_err();
        assert!(
            e.contains("ambiguous") && e.contains(&hex::encode([5u8; 32])),
            "{e}"
        );
        let e = resolve_name("nope", &models).unwrap_err();
        assert!(e.contains("unknown model"), "{e}");
        assert!(
            resolve_name("Sample", &models).is_err(),
            "names are case-sensitive"
        );
        assert!(resolve_name("sample", &[]).is_err());
    }

    #[test]
    fn suri_choice() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("phrase");
        std::fs::write(&file, "\n  bottom drive obey lake  \nsecond line\n").unwrap();
        assert_eq!(resolve_suri(None, None, None), Ok(DEFAULT_SURI.into()));
        assert_eq!(
            resolve_suri(Some("//Bob"), None, Some("//Eve")),
            Ok("//Bob".into())
        );
        assert_eq!(resolve_suri(None, None, Some("//Eve")), Ok("//Eve".into()));
        assert_eq!(
            resolve_suri(None, Some(&file), Some("//Eve")),
            Ok("bottom drive obey lake".into())
        );
        assert!(resolve_suri(Some("//Bob"), Some(&file), None).is_err());
        assert!(resolve_suri(None, Some(&dir.path().join("missing")), None)
            .unwrap_err()
            .contains("cannot read"));
        assert!(resolve_suri(Some("  "), None, None).is_err());
    }
}
