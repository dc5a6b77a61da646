//! The results table: one markdown table per engine, each figure next to its baseline, the
//! ratio of the two, the target and whether it was met.

use std::fmt::Write as _;
use std::time::Duration;

use super::timing::Samples;

/// One measured figure.
#[derive(Debug, Clone)]
pub enum Figure {
    /// Median and p95 of timed rounds.
    Latency { median: Duration, p95: Duration },
    /// A throughput (median of rounds) with its unit, e.g. "req/s".
    Rate { per_second: f64, unit: &'static str },
    /// A size in bytes.
    Bytes(u64),
    /// Anything else, already worded.
    Text(String),
}

impl Figure {
    pub fn latency(samples: &Samples) -> Figure {
        Figure::Latency {
            median: samples.median(),
            p95: samples.p95(),
        }
    }
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Figure::Latency { median, p95 } => {
                write!(f, "{} (p95 {})", millis(*median), millis(*p95))
            }
            Figure::Rate { per_second, unit } => write!(f, "{per_second:.0} {unit}"),
            Figure::Bytes(bytes) => write!(f, "{:.1} KiB", *bytes as f64 / 1024.0),
            Figure::Text(text) => f.write_str(text),
        }
    }
}

fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

/// Whether a row's target was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    /// No target applies (the figure is for scale), or it could not be judged.
    Info,
}

impl Verdict {
    pub fn of(met: bool) -> Verdict {
        if met { Verdict::Met } else { Verdict::Missed }
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "**missed**",
            Verdict::Info => "-",
        }
    }
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub workload: String,
    pub app: Figure,
    pub baseline: Figure,
    /// App over baseline: time for latencies, throughput for rates.
    pub ratio: Option<f64>,
    pub target: String,
    pub verdict: Verdict,
}

/// The rows measured on one engine.
pub struct Section {
    pub engine: String,
    pub rows: Vec<Row>,
}

/// The whole report as markdown.
pub fn markdown(title: &str, preamble: &[String], sections: &[Section]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {title}\n");
    for line in preamble {
        let _ = writeln!(out, "{line}");
    }
    // An engine with no rows (a run of the bundle alone, which is on the first engine's
    // table) gets no empty table.
    for section in sections.iter().filter(|section| !section.rows.is_empty()) {
        let _ = writeln!(out, "\n### {}\n", section.engine);
        let _ = writeln!(
            out,
            "| Workload | App | Baseline | Ratio | Target | Result |\n|---|---|---|---|---|---|"
        );
        for row in &section.rows {
            let ratio = row
                .ratio
                .map_or_else(|| "-".to_owned(), |ratio| format!("{ratio:.2}×"));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {ratio} | {} | {} |",
                row.workload,
                row.app,
                row.baseline,
                row.target,
                row.verdict.label()
            );
        }
    }
    out
}

/// How many rows missed their target, over all sections.
pub fn missed(sections: &[Section]) -> usize {
    sections
        .iter()
        .flat_map(|section| &section.rows)
        .filter(|row| row.verdict == Verdict::Missed)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle_row(verdict: Verdict) -> Row {
        Row {
            workload: "Bundle".to_owned(),
            app: Figure::Bytes(3 * 1024),
            baseline: Figure::Bytes(1024),
            ratio: Some(3.0),
            target: "≤ 2×".to_owned(),
            verdict,
        }
    }

    #[test]
    fn tables_show_each_row_and_skip_engines_without_rows() {
        let sections = [
            Section {
                engine: "SQLite".to_owned(),
                rows: vec![bundle_row(Verdict::Missed), bundle_row(Verdict::Info)],
            },
            Section {
                engine: "PostgreSQL".to_owned(),
                rows: Vec::new(),
            },
        ];
        let table = markdown("Run", &["Size S.".to_owned()], &sections);
        assert!(
            table.starts_with("## Run\n\nSize S.\n\n### SQLite\n"),
            "{table}"
        );
        assert!(
            table.contains("| Bundle | 3.0 KiB | 1.0 KiB | 3.00× | ≤ 2× | **missed** |"),
            "{table}"
        );
        assert!(table.contains("| 3.00× | ≤ 2× | - |"), "{table}");
        assert!(!table.contains("PostgreSQL"), "{table}");
        assert_eq!(missed(&sections), 1);
    }
}
