//! Prometheus metrics of the inference service (prefix `inferchain_`).

use substrate_prometheus_endpoint::{
    exponential_buckets, register, Counter, CounterVec, Histogram, HistogramOpts, Opts,
    PrometheusError, Registry, U64,
};

/// Counters and histograms the inference host updates.
#[derive(Clone)]
pub struct Metrics {
    /// Inferences run to completion.
    pub inferences: Counter<U64>,
    /// Model validations run.
    pub validations: Counter<U64>,
    /// Wall time of an inference, plan lookup included.
    pub run_seconds: Histogram,
    /// Plan-cache hits.
    pub plan_cache_hits: Counter<U64>,
    /// Plan-cache misses (a model compiled).
    pub plan_cache_misses: Counter<U64>,
    /// Failed host calls, by cause.
    pub failures: CounterVec<U64>,
}

impl Metrics {
    /// Registers the metrics in `registry`.
    pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
        Ok(Metrics {
            inferences: register(
                Counter::new(
                    "inferchain_inferences_total",
                    "Inferences run to completion",
                )?,
                registry,
            )?,
            validations: register(
                Counter::new("inferchain_validations_total", "Model validations run")?,
                registry,
            )?,
            run_seconds: register(
                Histogram::with_opts(
                    HistogramOpts::new(
                        "inferchain_inference_seconds",
                        "Wall time of one inference, plan lookup included",
                    )
                    .buckets(exponential_buckets(0.000_01, 4.0, 12)?),
                )?,
                registry,
            )?,
            plan_cache_hits: register(
                Counter::new(
                    "inferchain_plan_cache_hits_total",
                    "Compiled-plan cache hits",
                )?,
                registry,
            )?,
            plan_cache_misses: register(
                Counter::new(
                    "inferchain_plan_cache_misses_total",
                    "Compiled-plan cache misses (a model compiled)",
                )?,
                registry,
            )?,
            failures: register(
                CounterVec::new(
                    Opts::new("inferchain_failures_total", "Failed inference host calls"),
                    &["cause"],
                )?,
                registry,
            )?,
        })
    }
}
