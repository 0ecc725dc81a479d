//! Everything that turns results into something to read: the console table,
//! CSV and JSON files, charts, the HTML report, and the scenario
//! description of `policesim check`.
//!
//! Every exporter reads the same [`crate::metrics::StrategySummary`] values;
//! charts and the report read them back from `summary.json`.

pub mod charts;
pub mod diff;
mod files;
mod fit_html;
pub mod geojson;
pub mod html;
pub mod map_data;
mod optimise;
pub mod sensitivity;
mod sweep;
mod table;
pub mod words;

pub use files::{
    AreaTarget, COMPARISON_COLUMNS, ChartOptions, INCIDENT_COLUMNS, OutputError, RunInfo,
    SUMMARY_COLUMNS, SummaryFile, area_targets, describe_targets, redraw, summary_csv_rows,
    summary_file, write_into, write_outputs,
};
pub use fit_html::{duration_svg, fit_report, rate_svg};
pub use optimise::{
    OPTIMISE_HEADLINE_COLUMNS, OPTIMISE_LEAD_COLUMNS, optimise_csv, render_optimise,
};
pub use sweep::{
    SWEEP_LEAD_COLUMNS, part_json, sweep_chart_name, sweep_csv, sweep_svg, write_part, write_sweep,
};
pub use table::{
    describe, render_analysis, render_backtest, render_comparison, render_fit, render_table,
};
