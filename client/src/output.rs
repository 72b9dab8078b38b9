//! Printing: amounts, ids, statuses, model schemas, tensors and progress indicators.

use crate::parse::{TOKEN_DECIMALS, TOKEN_SYMBOL};
use crate::runtime::{FailureReason, JobStatus, ModelStatus, RejectReason};
use indicatif::{ProgressBar, ProgressStyle};
use inferchain_primitives::model::{ModelInfo, TensorSpec};
use inferchain_primitives::policy::{ExecutionPolicy, TOLERANCE_UNIT};
use std::time::Duration;

/// `0x`-prefixed lower-case hex.
pub fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// An amount in tokens with its base units: `1.5 INFR (1500000000000)`.
pub fn amount(v: u128) -> String {
    let unit = 10u128.pow(TOKEN_DECIMALS);
    let whole = v / unit;
    let frac = v % unit;
    let tokens = if frac == 0 {
        format!("{whole}")
    } else {
        let f = format!("{frac:0width$}", width = TOKEN_DECIMALS as usize);
        format!("{whole}.{}", f.trim_end_matches('0'))
    };
    format!("{tokens} {TOKEN_SYMBOL} ({v})")
}

/// A tolerance in units of 1e-9 as a decimal (`1000` → `0.000001`).
pub fn tolerance(v: u64) -> String {
    let unit = TOLERANCE_UNIT;
    let whole = v / unit;
    let frac = v % unit;
    if frac == 0 {
        format!("{whole}")
    } else {
        let f = format!("{frac:09}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    }
}

/// An execution policy: `exact` or `tolerance abs=… rel=…`.
pub fn policy(p: &ExecutionPolicy) -> String {
    match p {
        ExecutionPolicy::Exact => "exact".into(),
        ExecutionPolicy::Tolerance { abs, rel } => {
            format!("tolerance abs={} rel={}", tolerance(*abs), tolerance(*rel))
        }
    }
}

/// Why a model was rejected, in words.
pub fn reject_reason(r: &RejectReason) -> &'static str {
    match r {
        RejectReason::IdMismatch => {
            "the validators found that the uploaded bytes do not hash to the model id"
        }
        RejectReason::Invalid => {
            "the validators' engine rejected the model (unsupported operator, dynamic shape or a \
             limit; run `inferchain model inspect` for details)"
        }
        RejectReason::Unusable => {
            "the model has no inputs or outputs, is too costly, or its inputs or outputs do not \
             fit the chain's request and result size limits"
        }
        RejectReason::Inconclusive => {
            "the validation committee did not agree (the owner may call revalidate)"
        }
        RejectReason::NoResponse => {
            "no validator answered before the deadline (the owner may call revalidate)"
        }
    }
}

/// A model status in one word (and the reason of a rejection).
pub fn model_status(s: &ModelStatus) -> String {
    match s {
        ModelStatus::Uploading => "uploading".into(),
        ModelStatus::Validating(id) => format!("validating (job {id})"),
        ModelStatus::Active => "active".into(),
        ModelStatus::Rejected(r) => format!("rejected ({r:?})"),
        ModelStatus::Retired => "retired".into(),
    }
}

/// A failure reason in words.
pub fn failure_reason(r: &FailureReason) -> &'static str {
    match r {
        FailureReason::Inconclusive => {
            "inconclusive: no worker revealed an output; the fee was refunded"
        }
        FailureReason::ExecutionFailed => {
            "execution failed: the model cannot run on these inputs (the agreeing workers were \
             paid, the royalty refunded)"
        }
        FailureReason::NoSupermajority => {
            "no verdict: the workers disagreed and no output was revealed by more than two \
             thirds of the validators; the fee was refunded"
        }
    }
}

/// A job status in words.
pub fn job_status(s: &JobStatus) -> String {
    match s {
        JobStatus::Pending => "pending".into(),
        JobStatus::Provisional => {
            "provisional: the committee agreed; final after the challenge window".into()
        }
        JobStatus::Escalated => {
            "escalated: the validators are re-executing it (disagreement or challenge)".into()
        }
        JobStatus::Completed => "completed".into(),
        JobStatus::Failed(r) => format!("failed: {}", failure_reason(r)),
        JobStatus::Expired => {
            "expired: no worker committed before the deadline; the fee was refunded".into()
        }
    }
}

fn spec_line(s: &TensorSpec) -> String {
    format!(
        "{} {} {:?}",
        String::from_utf8_lossy(&s.name),
        s.dtype.name(),
        s.shape.as_slice()
    )
}

/// The lines describing a model schema.
pub fn info_lines(info: &ModelInfo) -> Vec<String> {
    let mut out = Vec::new();
    for s in &info.inputs {
        out.push(format!("input:      {}", spec_line(s)));
    }
    for s in &info.outputs {
        out.push(format!("output:     {}", spec_line(s)));
    }
    let ops: Vec<String> = info
        .ops
        .iter()
        .map(|o| String::from_utf8_lossy(o).into_owned())
        .collect();
    out.push(format!("ops:        {}", ops.join(", ")));
    out.push(format!("parameters: {}", info.parameters));
    out.push(format!("cost:       {}", info.cost));
    out
}

/// A spinner on stderr (hidden when stderr is not a terminal).
pub fn spinner(message: impl Into<String>) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(message.into());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// A progress bar over `len` items on stderr (hidden when stderr is not a terminal).
pub fn bar(len: u64, message: impl Into<String>) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} chunks [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(message.into());
    pb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_print_tokens_and_units() {
        assert_eq!(amount(0), "0 INFR (0)");
        assert_eq!(amount(1_500_000_000_000), "1.5 INFR (1500000000000)");
        assert_eq!(amount(1), "0.000000000001 INFR (1)");
        assert_eq!(
            crate::parse::parse_amount("1.5INFR").map(amount),
            Ok(amount(1_500_000_000_000))
        );
    }

    #[test]
    fn tolerances_print_as_decimals() {
        assert_eq!(tolerance(1_000), "0.000001");
        assert_eq!(tolerance(0), "0");
        assert_eq!(tolerance(2_500_000_000), "2.5");
        assert_eq!(
            policy(&ExecutionPolicy::Tolerance {
                abs: 1_000,
                rel: 1_000_000
            }),
            "tolerance abs=0.000001 rel=0.001"
        );
        // Round trip with the parser.
        let (a, r) =
            crate::parse::parse_tolerance(&format!("{},{}", tolerance(123_456), tolerance(7)))
                .unwrap();
        assert_eq!((a, r), (123_456, 7));
    }
}
