//! Sentences several outputs share, so the console, `report.html` and the
//! charts say the same thing about which strategies ran and what they are
//! compared against.

/// "only efficiency was run; nothing to compare" when fewer than two
/// strategies ran (`None` otherwise).
pub fn nothing_to_compare<'a>(ran: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let ran: Vec<&str> = ran.into_iter().collect();
    match ran.as_slice() {
        [] => Some("no strategy was run; nothing to compare".to_string()),
        [only] => Some(format!("only {only} was run; nothing to compare")),
        _ => None,
    }
}

/// What the report says about where the inputs come from: the scenario's
/// `[scenario] sources` text, or a neutral default, followed by what the
/// results are.
///
/// ```
/// use policesim::report::words::sources_note;
/// assert!(sources_note(None).starts_with("The scenario file does not say where its inputs come from"));
/// assert!(sources_note(Some("Staffing from the 2020 plan.")).starts_with("Staffing from the 2020 plan. "));
/// ```
pub fn sources_note(sources: Option<&str>) -> String {
    let results =
        "These results show what follows from the scenario's inputs; they are not measurements.";
    match sources.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => format!("{text} {results}"),
        None => format!(
            "The scenario file does not say where its inputs come from ([scenario] sources). {results}"
        ),
    }
}

/// The baseline in words: its name, and when it stands in for the
/// scenario's own baseline that did not run, which one that was.
///
/// ```
/// use policesim::report::words::baseline_phrase;
/// assert_eq!(baseline_phrase("per_station", None), "per_station");
/// assert_eq!(
///     baseline_phrase("efficiency", Some("per_station")),
///     "efficiency (the scenario's baseline, per_station, was not run)"
/// );
/// ```
pub fn baseline_phrase(baseline: &str, scenario_baseline: Option<&str>) -> String {
    match scenario_baseline {
        Some(own) if own != baseline => {
            format!("{baseline} (the scenario's baseline, {own}, was not run)")
        }
        _ => baseline.to_string(),
    }
}
