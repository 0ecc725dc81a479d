//! `policesim sensitivity`: flags, progress bar, console and output folder.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use policesim::experiment::{RunOptions, Settings};
use policesim::output::OutputDir;
use policesim::report::sensitivity as out_files;
use policesim::scenario::Scenario;
use policesim::sensitivity::{self, SensitivityOptions};

/// Flags of `policesim sensitivity`.
#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Relative change of every input: each is run at x(1 − REL) and x(1 + REL).
    #[arg(long, default_value_t = 0.2)]
    rel: f64,
    /// Vary only these inputs (comma-separated keys, as in sensitivity.csv).
    #[arg(long, value_delimiter = ',')]
    keys: Vec<String>,
    /// Change a scenario key for every run: `KEY=VALUE` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Run only these strategies (comma-separated; at least two).
    #[arg(long, value_delimiter = ',')]
    strategies: Vec<String>,
    /// Replications of every run (default: the scenario's).
    #[arg(long)]
    replications: Option<u32>,
    /// Simulated days per replication (default: the scenario's).
    #[arg(long)]
    days: Option<f64>,
    /// Seed of every run (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Output directory (default: out/<scenario name>-sensitivity).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Also write PNG copies of the tornado charts.
    #[arg(long)]
    png: bool,
    /// No progress bar and no timing line.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    csv: super::CsvArgs,
}

/// Runs `policesim sensitivity`.
pub fn command(args: SensitivityArgs) -> Result<ExitCode> {
    let file = args.scenario.display().to_string();
    let src =
        std::fs::read_to_string(&args.scenario).with_context(|| format!("{file}: cannot read"))?;
    let set = super::overrides(&args.set)?;
    let base = Scenario::from_toml_with(&src, &file, &set)?;
    let threads = super::worker_threads(args.threads)?;
    let mut run = RunOptions::from_scenario(&base);
    Settings {
        replications: args.replications,
        days: args.days,
        seed: args.seed,
    }
    .apply(&mut run);
    run.strategies = args.strategies.clone();
    let opts = SensitivityOptions {
        rel: args.rel,
        keys: args.keys.clone(),
        run,
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("{}-sensitivity", base.name)));
    // Checked and started before any work: a bad --out fails at once.
    let mut out = OutputDir::create(&dir)?.with_csv_bom(args.csv.csv_bom);
    let (planned, skipped) = sensitivity::plan(&src, &file, &set, &opts)?;
    let selected = policesim::experiment::select(&base, &opts.run.strategies)?;
    let jobs = sensitivity::runs(&planned) as u64
        * selected.len() as u64
        * u64::from(opts.run.replications);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")?;
    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(jobs), ProgressDrawTarget::stderr())
            .with_style(
                ProgressStyle::with_template(
                    "{spinner} {pos}/{len} strategy-replications [{elapsed_precise}] ETA {eta} {wide_bar}",
                )
                .expect("valid template"),
            );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let result =
        pool.install(|| sensitivity::run(&base, planned, skipped, &opts, &|| bar.inc(1)))?;
    bar.finish_and_clear();
    let wall = started.elapsed();
    // The summary first: a failure to write the folder loses no results.
    print!("{}", out_files::render_sensitivity(&result));
    println!();
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            "sensitivity.csv".into(),
            out_files::sensitivity_csv(&result).context("cannot write sensitivity.csv")?,
        ),
        (
            "verdicts.csv".into(),
            out_files::verdicts_csv(&result).context("cannot write verdicts.csv")?,
        ),
        (
            "skipped.csv".into(),
            out_files::skipped_csv(&result).context("cannot write skipped.csv")?,
        ),
    ];
    for (metric, stem) in out_files::TORNADO_METRICS {
        let svg = out_files::tornado_svg(&result, metric, stem)?;
        files.push((format!("charts/{stem}.svg"), svg.into_bytes()));
    }
    for (name, bytes) in &files {
        let shown = out.final_path(name);
        out.file(name, |w| -> Result<()> {
            use std::io::Write as _;
            w.write_all(bytes)
                .with_context(|| format!("{}: cannot write", shown.display()))
        })?;
    }
    if args.png {
        for (metric, stem) in out_files::TORNADO_METRICS {
            let path = out.path_for(&format!("charts/{stem}.png"))?;
            out_files::tornado_png(&result, metric, stem, &path)?;
        }
    }
    for p in out.commit()? {
        println!("wrote {}", p.display());
    }
    if !args.quiet {
        eprintln!(
            "{} run(s) of {} strategies x {} replication(s) in {:.1} s ({} thread(s))",
            sensitivity::runs_of(&result),
            selected.len(),
            opts.run.replications,
            wall.as_secs_f64(),
            pool.current_num_threads()
        );
    }
    Ok(ExitCode::SUCCESS)
}
