//! The `policesim` command line: parse flags, call the library, print, exit.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use policesim::calllog;
use policesim::experiment::{self, RunOptions, Settings};
use policesim::incidents::{Generator, StreamModel, read_replay, write_replay};
use policesim::output::{self, OutputDir};
use policesim::report;
use policesim::scenario::limits::{MAX_DAYS, MAX_THREADS};
use policesim::scenario::overrides::Override;
use policesim::scenario::{MIN_PER_DAY, Scenario, ScenarioError};

// Command modules of the binary live in src/main/, apart from the library.
#[path = "main/sensitivity.rs"]
mod cmd_sensitivity;
#[path = "main/sweep.rs"]
mod cmd_sweep;

/// Compare ways of organising county policing on response times and officer load.
#[derive(Debug, Parser)]
#[command(name = "policesim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every strategy of a scenario and compare them.
    Run(RunArgs),
    /// Find the staffing with the fewest people on duty that meets targets.
    Optimise(OptimiseArgs),
    /// Which inputs decide the comparison: each varied by ±rel, one at a time.
    Sensitivity(cmd_sensitivity::SensitivityArgs),
    /// Compare two output folders of `run`, metric by metric (B − A).
    Diff(DiffArgs),
    /// Run every strategy at every combination of key values (`--vary`),
    /// or one shard of them.
    Sweep(cmd_sweep::SweepArgs),
    /// Combine the parts of a sharded sweep into the whole sweep.
    Merge(cmd_sweep::MergeArgs),
    /// Validate a scenario and print what it contains.
    Check {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Change a scenario key for this run: `KEY=VALUE` (repeatable),
        /// e.g. `--set incidents.per_day=40 --set 'stations[*].units=2'`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Exact queueing figures (Erlang C, hypercube) for strategies that fit.
    Analytic {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Only this strategy.
        #[arg(long)]
        strategy: Option<String>,
        /// Change a scenario key for this run: `KEY=VALUE` (repeatable),
        /// e.g. `--set incidents.per_day=40 --set 'stations[*].units=2'`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Redraw charts and report.html from DIR/summary.json (no simulation).
    Chart {
        /// Output directory of an earlier `run`.
        dir: PathBuf,
        /// Also write PNG copies of the charts.
        #[arg(long)]
        png: bool,
    },
    /// Fit a scenario's call stream, demand and delays to a call log.
    Fit {
        /// The call log (a replay CSV).
        log: PathBuf,
        /// Base scenario (TOML): everything not fitted is kept from it.
        #[arg(long)]
        scenario: PathBuf,
        /// Fitted scenario to write; FITTED.fit.html is written beside it.
        #[arg(long)]
        out: PathBuf,
        /// Side of the square demand cells, km.
        #[arg(long, default_value_t = 2.0)]
        cell_km: f64,
        /// Write each kind's observed on-scene times as an empirical
        /// distribution instead of the best-fitting family.
        #[arg(long)]
        empirical: bool,
        /// Change a scenario key for this run: `KEY=VALUE` (repeatable),
        /// e.g. `--set incidents.per_day=40 --set 'stations[*].units=2'`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Write a generated incident stream as a replay CSV.
    Generate {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Days to generate.
        #[arg(long)]
        days: f64,
        /// Output CSV file (the replay format).
        #[arg(long, required_unless_present = "log")]
        out: Option<PathBuf>,
        /// Also (or instead) write a CAD-shaped call log of the baseline
        /// strategy run on the stream, in the columns of the scenario's `[replay]`.
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        /// Seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Which replication's stream to write (0-based).
        #[arg(long, default_value_t = 0)]
        replication: u32,
        /// Change a scenario key for this run: `KEY=VALUE` (repeatable),
        /// e.g. `--set incidents.per_day=40 --set 'stations[*].units=2'`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
}

/// How CSV files are written (flattened into every command that writes them).
#[derive(Debug, Clone, Copy, clap::Args)]
struct CsvArgs {
    /// Start every CSV file with a UTF-8 byte-order mark, so that Excel and
    /// WPS on Chinese Windows show Chinese text instead of garbled characters.
    #[arg(long)]
    csv_bom: bool,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Change a scenario key for this run: `KEY=VALUE` (repeatable), e.g.
    /// `--set incidents.per_day=40 --set 'stations[*].units=2'`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Replications per strategy (default: the scenario's).
    #[arg(long)]
    replications: Option<u32>,
    /// Simulated days per replication (default: the scenario's).
    #[arg(long)]
    days: Option<f64>,
    /// Seed of every random stream (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Output directory (default: out/<scenario name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also write incidents.csv with one row per incident.
    #[arg(long)]
    per_incident: bool,
    /// Replay incidents from this CSV instead of generating them (a call
    /// log read by the scenario's [replay] table, or policesim's own format).
    #[arg(long, value_name = "FILE")]
    incidents: Option<PathBuf>,
    /// With --incidents: stop with an error when any row of the log is skipped.
    #[arg(long, requires = "incidents")]
    strict: bool,
    /// Days discarded from statistics (default: the scenario's warmup_days).
    #[arg(long, value_name = "DAYS")]
    warmup_days: Option<f64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Run only these strategies (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    strategies: Vec<String>,
    /// No progress bar and no timing line.
    #[arg(long, short)]
    quiet: bool,
    /// Also write PNG copies of the charts.
    #[arg(long)]
    png: bool,
    /// Skip charts and report.html.
    #[arg(long, conflicts_with = "png")]
    no_charts: bool,
    /// Run even when the work estimate is over the event or memory budget.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    csv: CsvArgs,
}

#[derive(Debug, clap::Args)]
struct DiffArgs {
    /// Output folder A (the reference).
    dir_a: PathBuf,
    /// Output folder B (compared against A).
    dir_b: PathBuf,
    /// Also write DIR/diff.csv.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    csv: CsvArgs,
}

/// Where `optimise` targets apply.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum EachArg {
    /// Every station's jurisdiction.
    Station,
    /// Every zone.
    Zone,
}

#[derive(Debug, clap::Args)]
struct OptimiseArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// The strategy whose staffing is chosen.
    #[arg(long)]
    strategy: String,
    /// A target 'METRIC OP VALUE', e.g. 'within_target_pct >= 80' (repeatable).
    #[arg(long = "target", required = true, value_name = "'METRIC OP VALUE'")]
    targets: Vec<String>,
    /// Apply the targets to every station or every zone, not the whole area.
    #[arg(long, value_enum)]
    each: Option<EachArg>,
    /// Also report the people each pool needs so nobody averages more than H hours a week on duty.
    #[arg(long, value_name = "H")]
    max_duty_hours: Option<f64>,
    /// Replications of every allocation (default: the scenario's, at least 2).
    #[arg(long)]
    replications: Option<u32>,
    /// Most replications an undecided allocation gets (default: 4 x --replications).
    #[arg(long)]
    max_replications: Option<u32>,
    /// Simulated days per replication (default: the scenario's).
    #[arg(long)]
    days: Option<f64>,
    /// Seed of every random stream (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Output directory (default: out/<scenario name>-optimise).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// No progress line and no timing line.
    #[arg(long, short)]
    quiet: bool,
    /// Change a scenario key for this run: `KEY=VALUE` (repeatable),
    /// e.g. `--set incidents.per_day=40 --set 'stations[*].units=2'`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    #[command(flatten)]
    csv: CsvArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(
        cli.command,
        Command::Run(_)
            | Command::Chart { .. }
            | Command::Generate { .. }
            | Command::Optimise(_)
            | Command::Sweep(_)
            | Command::Merge(_)
            | Command::Fit { .. }
            | Command::Sensitivity(_)
    ) {
        interrupts::watch();
    }
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            match err.downcast_ref::<ScenarioError>() {
                Some(ScenarioError::Invalid(diags)) => {
                    for d in diags {
                        eprintln!("error: {d}");
                    }
                }
                _ => eprintln!("error: {}", say_once(&err)),
            }
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes joined by ": ", leaving out a cause whose text
/// the message already holds, so no reason is said twice.
fn say_once(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// SIGINT and SIGTERM: remove what is being written, say so in one line,
/// exit 130 or 143.
#[cfg(unix)]
mod interrupts {
    use signal_hook::consts::signal::{SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;

    /// Starts the thread that waits for the signals. If they cannot be
    /// caught, they keep their default action (the next run removes what
    /// this one left).
    pub fn watch() {
        let Ok(mut signals) = Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                let done = policesim::output::interrupt();
                let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
                let line = match done.committed.last() {
                    Some(path) => format!(
                        "interrupted ({name}): stopped; {} had already been written whole",
                        path.display()
                    ),
                    None => format!("interrupted ({name}): stopped; nothing was written"),
                };
                use std::io::{IsTerminal, Write};
                let mut err = std::io::stderr().lock();
                // Clear a progress bar drawn on this line.
                let clear = if err.is_terminal() { "\r\x1b[2K" } else { "" };
                let _ = writeln!(err, "{clear}{line}");
                std::process::exit(128 + sig);
            }
        });
    }
}

#[cfg(not(unix))]
mod interrupts {
    /// Signals keep their default action here.
    pub fn watch() {}
}

/// Parses `--set` arguments.
/// `--threads` checked against the most a run takes (0: all cores).
fn worker_threads(threads: Option<usize>) -> Result<usize> {
    let threads = threads.unwrap_or(0);
    if threads > MAX_THREADS {
        bail!("--threads too large (max {MAX_THREADS}), found {threads}");
    }
    Ok(threads)
}

fn overrides(args: &[String]) -> Result<Vec<Override>> {
    Ok(args
        .iter()
        .map(|a| Override::parse(a))
        .collect::<Result<Vec<_>, _>>()?)
}

fn load(path: &Path, set: &[String]) -> Result<Scenario> {
    let s = Scenario::load_with(path, &overrides(set)?)?;
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    Ok(s)
}

/// Loads a scenario with its `--set` overrides, and its text with the
/// overrides written in, for commands that write a changed copy of it.
fn load_text(path: &Path, set: &[String]) -> Result<(Scenario, String)> {
    let set = overrides(set)?;
    let s = Scenario::load_with(path, &set)?;
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("{file}: cannot read"))?;
    let text = policesim::scenario::overrides::apply_to_text(&text, &file, &set)?;
    Ok((s, text))
}

/// Loads a scenario for `run`: checks `--strategies` and prints only the
/// warnings that concern the strategies that will run.
fn load_for_run(path: &Path, names: &[String], set: &[String]) -> Result<(Scenario, Vec<usize>)> {
    let s = Scenario::load_with(path, &overrides(set)?)?;
    let selected = experiment::select(&s, names)?;
    let running: Vec<&str> = selected.iter().map(|&i| s.strategies[i].name()).collect();
    for w in s.warnings.iter().filter(|w| w.concerns_any(&running)) {
        eprintln!("warning: {w}");
    }
    Ok((s, selected))
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Check { scenario, set } => {
            let s = load(&scenario, &set)?;
            print!("{}", report::describe(&s));
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate {
            scenario,
            days,
            out,
            log,
            seed,
            replication,
            set,
        } => {
            let s = load(&scenario, &set)?;
            if !(days.is_finite() && days > 0.0) {
                bail!("--days must be a positive number, found {days}");
            }
            if days > MAX_DAYS {
                bail!("--days too large (max {MAX_DAYS}), found {days}");
            }
            let model = StreamModel::new(&s);
            let stream = Generator::new(
                &s,
                &model,
                seed.unwrap_or(s.seed),
                replication,
                days * MIN_PER_DAY,
            );
            if let Some(out) = &out {
                let shown = out.display().to_string();
                output::write_file(out, |w| {
                    write_replay(w, &s, stream).with_context(|| format!("{shown}: cannot write"))
                })?;
                eprintln!("wrote {}", out.display());
            }
            if let Some(log) = &log {
                use policesim::fit::cad;
                let shown = log.display().to_string();
                let layout = cad::LogLayout::for_scenario(&s)?;
                let records = cad::baseline_records(&s, seed.unwrap_or(s.seed), replication, days)?;
                let bytes = cad::log_bytes(&s, &records, &layout)?;
                output::write_file(log, |w| {
                    std::io::Write::write_all(w, &bytes)
                        .with_context(|| format!("{shown}: cannot write"))
                })?;
                eprintln!(
                    "wrote {} ({} calls, the {} strategy's observed times)",
                    log.display(),
                    records.len(),
                    s.baseline
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Analytic {
            scenario,
            strategy,
            set,
        } => {
            let s = load(&scenario, &set)?;
            let mut found = false;
            for cfg in &s.strategies {
                if strategy.as_ref().is_some_and(|n| n != cfg.name()) {
                    continue;
                }
                found = true;
                print!(
                    "{}",
                    report::render_analysis(&policesim::analytic::analyse(&s, cfg))
                );
            }
            if !found {
                bail!(
                    "unknown strategy {:?}: the scenario defines {}",
                    strategy.unwrap_or_default(),
                    s.strategies
                        .iter()
                        .map(|c| c.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Chart { dir, png } => {
            for p in report::redraw(&dir, png)? {
                println!("wrote {}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => run_command(args),
        Command::Optimise(args) => optimise_command(args),
        Command::Diff(args) => diff_command(&args),
        Command::Sweep(args) => cmd_sweep::sweep_command(args),
        Command::Merge(args) => cmd_sweep::merge_command(args),
        Command::Sensitivity(args) => cmd_sensitivity::command(args),
        Command::Fit {
            log,
            scenario,
            out,
            cell_km,
            empirical,
            set,
        } => fit_command(&log, &scenario, &out, cell_km, empirical, &set),
    }
}

/// Writes `text` to the file `path` whole or not at all.
fn write_text(path: &Path, text: &str) -> Result<()> {
    let shown = path.display().to_string();
    output::write_file(path, |w| {
        std::io::Write::write_all(w, text.as_bytes())
            .with_context(|| format!("{shown}: cannot write"))
    })
}

fn fit_command(
    log: &Path,
    scenario: &Path,
    out: &Path,
    cell_km: f64,
    empirical: bool,
    set: &[String],
) -> Result<ExitCode> {
    use policesim::fit::{self, Call, FitOptions};
    let (s, base_text) = load_text(scenario, set)?;
    let (calls, start_weekday): (Vec<Call>, _) = match &s.replay {
        // A log as it comes: observed times, the log's own start.
        Some(spec) => {
            let read = policesim::calllog::read_log(log, &s, spec)?;
            if !read.rejected.is_empty() {
                eprintln!("warning: {}: {}", log.display(), read.rejected_summary());
            }
            let calls = read
                .records
                .iter()
                .map(|r| Call {
                    call_min: r.call_min,
                    pos: r.pos,
                    kind: r.kind as usize,
                    station: r.station_given.then_some(r.station as usize),
                    dispatch_min: r.dispatch_min,
                    arrive_min: r.arrive_min,
                    clear_min: r.clear_min,
                    on_scene_min: r.on_scene_min,
                })
                .collect();
            (calls, read.start_weekday)
        }
        // policesim's own replay format: minutes from the scenario's start.
        None => {
            let rows = read_replay(log, &s)?;
            let calls = rows
                .iter()
                .map(|r| Call {
                    call_min: r.call_min,
                    pos: r.pos,
                    kind: r.kind as usize,
                    station: Some(r.station as usize),
                    dispatch_min: None,
                    arrive_min: None,
                    clear_min: None,
                    on_scene_min: r.on_scene_min,
                })
                .collect();
            (calls, s.start_weekday)
        }
    };
    let opts = FitOptions { cell_km, empirical };
    let f = fit::fit(&s, &calls, start_weekday, None, &opts)
        .with_context(|| format!("{}: cannot fit", log.display()))?;
    print!("{}", report::render_fit(&f));
    let log_name = log.display().to_string();
    let text = fit::write::fitted_toml(
        &base_text,
        &s,
        &f,
        &opts,
        &fit::write::Paths {
            base: scenario,
            out,
            log: &log_name,
        },
    )?;
    // The fitted file must run as it is: check before writing it.
    if let Err(e) = Scenario::from_toml(&text, &out.display().to_string()) {
        bail!("the fitted scenario does not validate (please report this): {e}");
    }
    let html_path = out.with_extension("fit.html");
    let html = report::fit_report(&f, &out.display().to_string(), &log_name)?;
    write_text(out, &text)?;
    println!("wrote {}", out.display());
    write_text(&html_path, &html)?;
    println!("wrote {}", html_path.display());
    Ok(ExitCode::SUCCESS)
}

fn run_command(args: RunArgs) -> Result<ExitCode> {
    let (mut s, selected) = load_for_run(&args.scenario, &args.strategies, &args.set)?;
    if let Some(w) = args.warmup_days {
        if !(w.is_finite() && w >= 0.0) {
            bail!("--warmup-days must be a number >= 0, found {w}");
        }
        s.warmup_days = w;
    }
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(&s.name));
    // Checked and started before any work: a bad --out fails in milliseconds.
    let mut out = OutputDir::create(&dir)?.with_csv_bom(args.csv.csv_bom);
    let mut opts = RunOptions::from_scenario(&s);
    Settings {
        replications: args.replications,
        days: args.days,
        seed: args.seed,
    }
    .apply(&mut opts);
    opts.per_incident = args.per_incident;
    opts.strategies = args.strategies.clone();
    opts.force = args.force;
    let threads = worker_threads(args.threads)?;
    let mut call_log = None;
    if let Some(path) = &args.incidents {
        let (rows, log) = read_incidents(path, &s, &mut out, args.strict)?;
        call_log = log.filter(|l| l.observed);
        let horizon = opts.days * MIN_PER_DAY;
        let beyond = rows.iter().filter(|r| r.call_min >= horizon).count();
        if beyond > 0 {
            eprintln!(
                "warning: {}: {beyond} incident(s) call after the {}-day horizon and are not simulated (use --days)",
                path.display(),
                opts.days
            );
        }
        opts.replay = Some(rows);
    }
    // A log with observed times is backtested against one strategy.
    let observed_strategy = s
        .replay
        .as_ref()
        .and_then(|r| r.observed_strategy.clone())
        .unwrap_or_else(|| s.baseline.clone());
    if call_log.is_some() {
        if opts.strategies.is_empty() || opts.strategies.contains(&observed_strategy) {
            opts.records_of = Some(observed_strategy.clone());
        } else {
            eprintln!(
                "warning: no backtest: the strategy compared with the log, {observed_strategy}, is not among --strategies"
            );
            call_log = None;
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")?;
    let jobs = selected.len() as u64 * u64::from(opts.replications);
    let show_bar = !args.quiet && std::io::stderr().is_terminal();
    // Drawn only if the run lasts over a second: short runs stay quiet.
    let bar = ProgressBar::with_draw_target(Some(jobs), ProgressDrawTarget::hidden()).with_style(
        ProgressStyle::with_template(
            "{spinner} {pos}/{len} replications [{elapsed_precise}] ETA {eta} {wide_bar}",
        )
        .expect("valid template"),
    );
    let started = Instant::now();
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let shower = show_bar.then(|| {
        let bar = bar.clone();
        std::thread::spawn(move || {
            let timeout = finished.recv_timeout(Duration::from_secs(1));
            if timeout == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                bar.enable_steady_tick(Duration::from_millis(200));
            }
        })
    });
    let outcome = pool.install(|| experiment::run(&s, &opts, &|| bar.inc(1)));
    drop(done);
    if let Some(t) = shower {
        t.join().expect("the progress thread does not panic");
    }
    let mut outcome = outcome?;
    if let Some(log) = &call_log
        && let Some(st) = outcome
            .strategies
            .iter_mut()
            .find(|st| st.summary.strategy == observed_strategy)
    {
        let b = policesim::backtest::backtest(
            &s,
            &observed_strategy,
            &log.file,
            &log.records,
            &st.records,
            s.warmup_min(),
            opts.days * MIN_PER_DAY,
        );
        if !opts.per_incident {
            st.records = Vec::new();
        }
        outcome.backtest = Some(b);
    }
    let wall = started.elapsed();
    bar.finish_and_clear();
    let incidents_file = args.incidents.as_ref().map(|p| p.display().to_string());
    let charts = report::ChartOptions {
        no_charts: args.no_charts,
        png: args.png,
    };
    // The tables first: a failure to write the folder loses no results.
    print!("{}", report::render_table(&s, &outcome));
    println!();
    print!("{}", report::render_comparison(&s, &outcome));
    if let Some(b) = &outcome.backtest {
        println!();
        print!("{}", report::render_backtest(b));
    }
    println!();
    let written = report::write_into(out, &s, &outcome, incidents_file.as_deref(), charts)?;
    for p in &written {
        println!("wrote {}", p.display());
    }
    if !args.quiet {
        let secs = wall.as_secs_f64();
        eprintln!(
            "simulated {} events in {:.3} s ({:.2} million events/s, {} thread(s))",
            outcome.events,
            secs,
            outcome.events as f64 / secs.max(1e-9) / 1e6,
            pool.current_num_threads()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn optimise_command(args: OptimiseArgs) -> Result<ExitCode> {
    use policesim::optimise::{self, Each, OptimiseOptions, Target};
    let (s, src) = load_text(&args.scenario, &args.set)?;
    let targets = args
        .targets
        .iter()
        .map(|t| t.parse::<Target>())
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(h) = args.max_duty_hours
        && !(h.is_finite() && h > 0.0)
    {
        bail!("--max-duty-hours must be a positive number of hours, found {h}");
    }
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("{}-optimise", s.name)));
    // Checked and started before any work: a bad --out fails at once.
    let mut out = OutputDir::create(&dir)?.with_csv_bom(args.csv.csv_bom);
    let mut opts = OptimiseOptions::new(&s, &args.strategy, targets);
    opts.each = match args.each {
        None => Each::Area,
        Some(EachArg::Station) => Each::Station,
        Some(EachArg::Zone) => Each::Zone,
    };
    if let Some(r) = args.replications {
        opts.replications = r;
        opts.max_replications = r.saturating_mul(4);
    }
    if let Some(r) = args.max_replications {
        opts.max_replications = r;
    }
    if let Some(d) = args.days {
        opts.days = d;
    }
    if let Some(seed) = args.seed {
        opts.seed = seed;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("cannot start worker threads")?;
    let show = !args.quiet && std::io::stderr().is_terminal();
    let bar = if show {
        ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template(
                "{spinner} {pos} allocation(s) evaluated [{elapsed_precise}] {msg}",
            )
            .expect("valid template"),
        )
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let result = pool.install(|| {
        optimise::optimise(&s, &opts, &|e| {
            bar.inc(1);
            bar.set_message(format!(
                "last: {} {}",
                e.allocation.iter().sum::<u32>(),
                e.status.word()
            ));
        })
    })?;
    bar.finish_and_clear();
    let wall = started.elapsed();
    let mut files = vec![("optimise.csv", report::optimise_csv(&result)?)];
    if result.best.is_some() {
        let toml = optimise::optimised_toml(&src, &args.scenario, &result)?;
        files.push(("optimised.toml", toml.into_bytes()));
    }
    let needs = match (args.max_duty_hours, result.best()) {
        (Some(h), Some(best)) => {
            let chosen = optimise::apply(
                &s,
                s.strategies
                    .iter()
                    .position(|c| c.name() == result.strategy)
                    .expect("the optimiser found the strategy"),
                result.lever,
                &best.allocation,
            );
            let cfg = chosen
                .strategies
                .iter()
                .find(|c| c.name() == result.strategy)
                .expect("the optimiser found the strategy");
            let plan = cfg
                .plan(&chosen)
                .map_err(|_| anyhow::anyhow!("the chosen allocation cannot be staffed"))?;
            Some((h, optimise::pool_needs(&plan.roster, h)))
        }
        _ => None,
    };
    // The summary first: a failure to write the folder loses no results.
    print!(
        "{}",
        report::render_optimise(
            &s.name,
            &result,
            needs.as_ref().map(|(h, n)| (*h, n.as_slice()))
        )
    );
    println!();
    for (name, bytes) in &files {
        out.file(name, |w| -> Result<()> {
            use std::io::Write as _;
            w.write_all(bytes)
                .with_context(|| format!("{}: cannot write", dir.join(name).display()))
        })?;
    }
    let written = out.commit()?;
    for p in &written {
        println!("wrote {}", p.display());
    }
    if !args.quiet {
        eprintln!(
            "evaluated {} allocation(s) in {:.1} s ({} thread(s))",
            result.evaluations.len(),
            wall.as_secs_f64(),
            pool.current_num_threads()
        );
    }
    Ok(if result.best.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

fn diff_command(args: &DiffArgs) -> Result<ExitCode> {
    use policesim::report::diff;
    let out = args
        .out
        .as_deref()
        .map(|d| OutputDir::create(d).map(|o| o.with_csv_bom(args.csv.csv_bom)))
        .transpose()?;
    let a = diff::read_output(&args.dir_a)?;
    let b = diff::read_output(&args.dir_b)?;
    let d = diff::diff(&args.dir_a, &a, &args.dir_b, &b);
    print!("{}", diff::render_diff(&d));
    if let Some(mut out) = out {
        let bytes = diff::diff_csv(&d).context("cannot write diff.csv")?;
        let shown = out.final_path("diff.csv");
        out.file("diff.csv", |w| -> Result<()> {
            use std::io::Write as _;
            w.write_all(&bytes)
                .with_context(|| format!("{}: cannot write", shown.display()))
        })?;
        for p in out.commit()? {
            println!("wrote {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads `--incidents`: a call log by the scenario's `[replay]` table, or
/// policesim's own replay format; warns about rows skipped (listed in
/// DIR/rejected.csv), calls far off the map and calls in the warm-up.
fn read_incidents(
    path: &Path,
    s: &Scenario,
    out: &mut OutputDir,
    strict: bool,
) -> Result<(
    Vec<policesim::incidents::ReplayIncident>,
    Option<calllog::CallLog>,
)> {
    let file = path.display().to_string();
    let rows = match &s.replay {
        None => {
            let rows = read_replay(path, s)?;
            let far = calllog::far_calls(s, rows.iter().map(|r| (format!("id {}", r.id), r.pos)));
            if let Some(w) = calllog::far_warning(&file, &far, rows.len()) {
                eprintln!("warning: {w}");
            }
            (rows, None)
        }
        Some(spec) => {
            let log = calllog::read_log(path, s, spec)?;
            if !log.rejected.is_empty() {
                let shown = out.final_path("rejected.csv");
                if !strict {
                    out.file("rejected.csv", |w| {
                        log.write_rejected(w)
                            .with_context(|| format!("{}: cannot write", shown.display()))
                    })?;
                }
                let first: Vec<String> = log
                    .rejected
                    .iter()
                    .take(5)
                    .map(|r| format!("line {} ({})", r.line, r.reason))
                    .collect();
                if strict {
                    bail!(
                        "{file}: {} (--strict; first: {})",
                        log.rejected_summary(),
                        first.join(", ")
                    );
                }
                eprintln!(
                    "warning: {file}: {} (listed in {})",
                    log.rejected_summary(),
                    shown.display()
                );
            }
            if log.records.is_empty() {
                bail!("{file}: no usable row");
            }
            let far = calllog::far_calls(
                s,
                log.records
                    .iter()
                    .filter(|r| r.has_position)
                    .map(|r| (format!("line {}", r.line), r.pos)),
            );
            if let Some(w) = calllog::far_warning(&file, &far, log.records.len()) {
                eprintln!("warning: {w}");
            }
            (log.incidents(), Some(log))
        }
    };
    if let Some(w) = calllog::warmup_check(&file, rows.0.iter().map(|r| r.call_min), s.warmup_days)
        .map_err(anyhow::Error::msg)?
    {
        eprintln!("warning: {w}");
    }
    Ok(rows)
}
