//! Everything that turns results into something to read: the console table,
//! CSV and JSON files, and the scenario description of `policesim check`.
//!
//! Every exporter reads the same [`crate::metrics::StrategySummary`] values.

mod files;
mod table;

pub use files::{
    COMPARISON_COLUMNS, INCIDENT_COLUMNS, OutputError, SUMMARY_COLUMNS, SummaryFile,
    summary_csv_rows, write_outputs,
};
pub use table::{describe, render_analysis, render_comparison, render_table};
