//! Side-by-side timing: the app and its baseline run in alternating rounds (app first on even
//! rounds, baseline first on odd ones), so drift on a shared machine (other builds, caches,
//! the CPU clock) lands on both sides instead of on whichever ran second.

use std::time::{Duration, Instant};

/// How many rounds to run, and the time after which to stop early (after at least three).
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub rounds: usize,
    pub budget: Duration,
}

/// Durations of one side of a workload.
#[derive(Debug, Clone, Default)]
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn push(&mut self, duration: Duration) {
        self.0.push(duration);
    }

    pub fn median(&self) -> Duration {
        self.percentile(50)
    }

    pub fn p95(&self) -> Duration {
        self.percentile(95)
    }

    /// Nearest-rank percentile: a value that was actually measured, never interpolated.
    fn percentile(&self, percent: usize) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return Duration::ZERO;
        }
        let rank = (percent * sorted.len()).div_ceil(100).max(1);
        sorted[rank - 1]
    }
}

/// Runs `app` and `baseline` once each untimed (warm caches and prepared statements), then
/// in alternating timed rounds.
///
/// # Errors
/// The first failure of either side.
pub async fn alternate(
    plan: Plan,
    mut app: impl AsyncFnMut() -> anyhow::Result<()>,
    mut baseline: impl AsyncFnMut() -> anyhow::Result<()>,
) -> anyhow::Result<(Samples, Samples)> {
    app().await?;
    baseline().await?;
    let started = Instant::now();
    let (mut app_samples, mut baseline_samples) = (Samples::default(), Samples::default());
    for round in 0..plan.rounds {
        if round >= 3 && started.elapsed() > plan.budget {
            break;
        }
        if round % 2 == 0 {
            app_samples.push(timed(&mut app).await?);
            baseline_samples.push(timed(&mut baseline).await?);
        } else {
            baseline_samples.push(timed(&mut baseline).await?);
            app_samples.push(timed(&mut app).await?);
        }
    }
    Ok((app_samples, baseline_samples))
}

/// Times `app` in rounds on its own, then `baseline` likewise, each after one untimed run.
/// For a baseline that is not the same work but a far heavier one (the dashboard's raw sums
/// over every purchase): alternating would time the app right after the baseline has filled
/// the caches with its own pages, which says nothing about the app.
///
/// # Errors
/// The first failure of either side.
pub async fn separately(
    plan: Plan,
    mut app: impl AsyncFnMut() -> anyhow::Result<()>,
    mut baseline: impl AsyncFnMut() -> anyhow::Result<()>,
) -> anyhow::Result<(Samples, Samples)> {
    let half = Plan {
        rounds: plan.rounds,
        budget: plan.budget / 2,
    };
    let app_samples = rounds(half, &mut app).await?;
    let baseline_samples = rounds(half, &mut baseline).await?;
    Ok((app_samples, baseline_samples))
}

async fn rounds(
    plan: Plan,
    run: &mut impl AsyncFnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Samples> {
    run().await?;
    let started = Instant::now();
    let mut samples = Samples::default();
    for round in 0..plan.rounds {
        if round >= 3 && started.elapsed() > plan.budget {
            break;
        }
        samples.push(timed(run).await?);
    }
    Ok(samples)
}

async fn timed(run: &mut impl AsyncFnMut() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    let started = Instant::now();
    run().await?;
    Ok(started.elapsed())
}

/// `a / b` for two durations, as a plain ratio.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    if b.is_zero() {
        return f64::INFINITY;
    }
    a.as_secs_f64() / b.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_measured_values() {
        let mut samples = Samples::default();
        for ms in [5, 1, 4, 2, 3] {
            samples.push(Duration::from_millis(ms));
        }
        assert_eq!(samples.median(), Duration::from_millis(3));
        assert_eq!(samples.p95(), Duration::from_millis(5));
        assert_eq!(Samples::default().median(), Duration::ZERO);
    }
}
