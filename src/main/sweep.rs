//! `policesim sweep` and `policesim merge` (part of the binary, not the
//! library): flags, progress bar and console lines around
//! [`policesim::sweep`] and the writers of [`policesim::report`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use policesim::output::OutputDir;
use policesim::report;
use policesim::sweep::{self, Settings, Shard, Sweep, SweepError, SweepPart, Vary};

/// Flags of `policesim sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// A key and its values: `KEY=V1,V2,...` (repeatable; every combination
    /// runs), e.g. `--vary incidents.per_day=20,30,40`.
    #[arg(long = "vary", value_name = "KEY=V1,V2,...", required = true)]
    vary: Vec<String>,
    /// Run only shard K of N (K from 1 to N, e.g. `--shard
    /// $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`) and write a part for
    /// `policesim merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Change a scenario key at every point: `KEY=VALUE` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Replications per strategy at every point (default: the scenario's).
    #[arg(long)]
    replications: Option<u32>,
    /// Simulated days per replication (default: the scenario's).
    #[arg(long)]
    days: Option<f64>,
    /// Seed of every random stream (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Output directory (default: out/<scenario name>-sweep, or
    /// out/<scenario name>-sweep-K-of-N for a shard).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar and no timing line.
    #[arg(long, short)]
    quiet: bool,
    /// Run points even when their work estimate is over the event or memory budget.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    csv: super::CsvArgs,
}

/// Flags of `policesim merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The part folders written by `sweep --shard K/N`, one per shard.
    #[arg(required = true)]
    parts: Vec<PathBuf>,
    /// Output directory of the whole sweep.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    csv: super::CsvArgs,
}

/// A scenario's diagnostics are printed one per line by `main`.
fn lift(e: SweepError) -> anyhow::Error {
    match e {
        SweepError::Scenario(s) => s.into(),
        other => other.into(),
    }
}

/// `policesim sweep`.
pub fn sweep_command(args: SweepArgs) -> Result<ExitCode> {
    let shard = match &args.shard {
        Some(s) => s.parse::<Shard>()?,
        None => Shard::ALL,
    };
    let vary = args
        .vary
        .iter()
        .map(|a| Vary::parse(a))
        .collect::<Result<Vec<_>, _>>()?;
    let set = super::overrides(&args.set)?;
    let threads = super::worker_threads(args.threads)?;
    let file = args.scenario.display().to_string();
    let src =
        std::fs::read_to_string(&args.scenario).with_context(|| format!("{file}: cannot read"))?;
    let settings = Settings {
        replications: args.replications,
        days: args.days,
        seed: args.seed,
    };
    let mut sw = Sweep::new(&src, &file, set, vary, settings).map_err(lift)?;
    sw.set_force(args.force);
    let dir = args.out.clone().unwrap_or_else(|| {
        let name = &sw.plan().scenario;
        Path::new("out").join(if args.shard.is_some() {
            format!("{name}-sweep-{}-of-{}", shard.k, shard.n)
        } else {
            format!("{name}-sweep")
        })
    });
    // Checked and started before any work: a bad --out fails at once.
    let out = OutputDir::create(&dir)?.with_csv_bom(args.csv.csv_bom);
    // Every point of this shard validates before any runs.
    for w in sw.check(shard).map_err(lift)? {
        eprintln!("warning: {w}");
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")?;
    let points = (0..sw.plan().points).filter(|&p| shard.runs(p)).count();
    let show_bar = !args.quiet && std::io::stderr().is_terminal();
    let bar = ProgressBar::with_draw_target(Some(points as u64), ProgressDrawTarget::hidden())
        .with_style(
            ProgressStyle::with_template(
                "{spinner} {pos}/{len} points [{elapsed_precise}] ETA {eta} {wide_bar}",
            )
            .expect("valid template"),
        );
    if show_bar {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.enable_steady_tick(Duration::from_millis(200));
    }
    let started = Instant::now();
    let part = pool.install(|| sw.run(shard, &|| bar.inc(1)));
    bar.finish_and_clear();
    let part = part.map_err(lift)?;
    let wall = started.elapsed();
    // The part as written to and read from its file: an unsharded sweep
    // and a merge of parts then write from the same values.
    let json = report::part_json(&part).context("cannot write the sweep part")?;
    let written = if args.shard.is_some() {
        report::write_part(out, &json)?
    } else {
        let part: SweepPart =
            serde_json::from_str(&json).context("cannot read the sweep part back")?;
        let whole = sweep::merge(vec![(dir.display().to_string(), part)]).map_err(lift)?;
        report::write_sweep(out, &whole)?
    };
    for p in &written {
        println!("wrote {}", p.display());
    }
    if !args.quiet {
        let secs = wall.as_secs_f64();
        eprintln!(
            "ran {points} point(s) of shard {shard} in {secs:.3} s ({:.3} points/s, {} thread(s))",
            points as f64 / secs.max(1e-9),
            pool.current_num_threads()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `policesim merge`.
pub fn merge_command(args: MergeArgs) -> Result<ExitCode> {
    let mut parts = Vec::with_capacity(args.parts.len());
    for d in &args.parts {
        parts.push((d.display().to_string(), sweep::read_part(d)?));
    }
    let whole = sweep::merge(parts)?;
    let out = OutputDir::create(&args.out)?.with_csv_bom(args.csv.csv_bom);
    for p in report::write_sweep(out, &whole)? {
        println!("wrote {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}
