//! Writes a [`Fit`] into the base scenario's text: the demand and the call
//! stream replaced, every fitted number with a TOML comment saying what it
//! was fitted from, everything else (and its comments) as the base has it.

use std::path::{Component, Path, PathBuf};

use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value, value};

use crate::dist::DistSpec;
use crate::scenario::Scenario;

use super::{Fit, FitOptions, quantile};

/// Where the base and the fitted file are, to keep relative paths working.
#[derive(Debug, Clone)]
pub struct Paths<'a> {
    /// The base scenario file.
    pub base: &'a Path,
    /// The fitted scenario file to be written.
    pub out: &'a Path,
    /// The log, as the header comment names it.
    pub log: &'a str,
}

/// Why the fitted text could not be made.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The base text is not TOML (it was validated, so this is unexpected).
    #[error("{file}: {message}")]
    Parse {
        /// The base file.
        file: String,
        /// The parser's message.
        message: String,
    },
}

/// Empirical distributions longer than this are written as this many
/// evenly spaced quantiles.
pub const EMPIRICAL_MAX_VALUES: usize = 1000;

/// Rounds to `digits` significant digits (for readable files; the fits'
/// own uncertainty is far larger).
fn sig(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// Rounds to `places` decimals.
fn dec(x: f64, places: i32) -> f64 {
    let s = 10f64.powi(places);
    (x * s).round() / s
}

/// A value with a trailing comment.
fn commented(v: impl Into<Value>, comment: &str) -> Item {
    let mut v: Value = v.into();
    v.decor_mut().set_suffix(format!("  # {comment}"));
    Item::Value(v)
}

/// Sets `key` in `table` to `item` with `comment` lines above it (the
/// base's own comment above the key is replaced: it described the old value).
fn set_with_comment(table: &mut Table, key: &str, item: Item, comment: &str) {
    table.insert(key, item);
    if let Some(mut k) = table.key_mut(key) {
        let lines: String = comment.lines().map(|l| format!("# {l}\n")).collect();
        k.leaf_decor_mut().set_prefix(lines);
    }
}

/// A float array, `per_line` values to a line.
fn float_array(xs: &[f64], per_line: usize) -> Array {
    let mut a = Array::new();
    for (i, &x) in xs.iter().enumerate() {
        let mut v = Value::from(x);
        let prefix = if i % per_line == 0 { "\n  " } else { " " };
        v.decor_mut().set_prefix(prefix);
        a.push_formatted(v);
    }
    a.set_trailing("\n");
    a.set_trailing_comma(true);
    a
}

/// The inline table of a distribution.
fn dist_table(spec: &DistSpec) -> InlineTable {
    let mut t = InlineTable::new();
    let name = match spec {
        DistSpec::Exponential { .. } => "exponential",
        DistSpec::Lognormal { .. } => "lognormal",
        DistSpec::Gamma { .. } => "gamma",
        DistSpec::Weibull { .. } => "weibull",
        DistSpec::Empirical { .. } => "empirical",
        DistSpec::Fixed { .. } => "fixed",
        DistSpec::Uniform { .. } => "uniform",
        DistSpec::Triangular { .. } => "triangular",
    };
    t.insert("dist", name.into());
    match spec {
        DistSpec::Exponential { mean } => {
            t.insert("mean", sig(*mean, 5).into());
        }
        DistSpec::Lognormal { mean, sd } | DistSpec::Gamma { mean, sd } => {
            t.insert("mean", sig(*mean, 5).into());
            t.insert("sd", sig(*sd, 5).into());
        }
        DistSpec::Weibull { shape, scale } => {
            t.insert("shape", sig(*shape, 5).into());
            t.insert("scale", sig(*scale, 5).into());
        }
        DistSpec::Empirical { values } => {
            t.insert("values", Value::Array(float_array(values, 12)));
        }
        DistSpec::Fixed { value } => {
            t.insert("value", (*value).into());
        }
        DistSpec::Uniform { min, max } => {
            t.insert("min", (*min).into());
            t.insert("max", (*max).into());
        }
        DistSpec::Triangular { min, mode, max } => {
            t.insert("min", (*min).into());
            t.insert("mode", (*mode).into());
            t.insert("max", (*max).into());
        }
    }
    t
}

/// `path` (relative to the base's folder) made relative to the output's
/// folder, or absolute when no relative path joins them.
fn rebase_path(path: &str, base: &Path, out: &Path) -> String {
    let p = Path::new(path);
    if p.is_absolute() {
        return path.to_string();
    }
    let dir = |f: &Path| {
        let d = f.parent().unwrap_or(Path::new(""));
        let d = if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        };
        std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf())
    };
    let target = dir(base).join(p);
    let from = dir(out);
    relative(&target, &from)
        .map(|r| r.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|| target.display().to_string())
}

/// `target` relative to the folder `from` (both absolute).
fn relative(target: &Path, from: &Path) -> Option<PathBuf> {
    if !(target.is_absolute() && from.is_absolute()) {
        return None;
    }
    let t: Vec<Component> = target.components().collect();
    let f: Vec<Component> = from.components().collect();
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    // Sharing only the root: an absolute path reads better than ../../..
    if common <= 1 {
        return None;
    }
    let mut r = PathBuf::new();
    for _ in common..f.len() {
        r.push("..");
    }
    for c in &t[common..] {
        r.push(c);
    }
    Some(r)
}

/// The fitted scenario's text: `base_text` (the file `base` was read from)
/// with `[incidents]`, `[[demand]]`, and when observed `[dispatch]
/// call_processing_min` and `[travel] turnout_min`/`speed_kmh` replaced by
/// `fit`, `[scenario] name` suffixed `-fitted` and `start_weekday` set to
/// the log's. Relative paths are rewritten for the output's folder, and the
/// projection centre is pinned so the km plane stays the base's.
pub fn fitted_toml(
    base_text: &str,
    base: &Scenario,
    fit: &Fit,
    opts: &FitOptions,
    paths: &Paths<'_>,
) -> Result<String, WriteError> {
    let mut doc: DocumentMut =
        base_text
            .parse()
            .map_err(|e: toml_edit::TomlError| WriteError::Parse {
                file: paths.base.display().to_string(),
                message: e.to_string(),
            })?;
    let a = &fit.arrivals;

    // [scenario]
    {
        let meta = doc["scenario"].as_table_mut().expect("validated base");
        meta.insert(
            "name",
            commented(
                format!("{}-fitted", base.name),
                "the base's name: its output folder stays apart",
            ),
        );
        meta.insert(
            "start_weekday",
            commented(
                fit.start_weekday.name(),
                "fitted: the weekday of the log's minute 0",
            ),
        );
    }

    // [map]: pin the projection, rebase the boundary path.
    if let Some(p) = base.projection {
        if !doc.contains_key("map") {
            doc.insert("map", toml_edit::table());
        }
        let map = doc["map"].as_table_mut().expect("a table");
        if !map.contains_key("centre_lat") {
            map.insert(
                "centre_lat",
                commented(
                    p.centre_lat,
                    "the base's projection centre, kept so km positions stay put",
                ),
            );
            map.insert("centre_lon", value(p.centre_lon));
        }
    }
    for (section, key) in [("map", "boundary"), ("travel", "network")] {
        if let Some(t) = doc.get_mut(section).and_then(Item::as_table_mut)
            && let Some(v) = t.get(key).and_then(Item::as_str)
        {
            let new = rebase_path(v, paths.base, paths.out);
            if new != v {
                t.insert(
                    key,
                    commented(new, "the base's file, from this file's folder"),
                );
            }
        }
    }

    // [incidents]
    {
        let inc = doc["incidents"].as_table_mut().expect("validated base");
        set_with_comment(
            inc,
            "per_day",
            value(dec(a.per_day, 3)),
            &format!(
                "fitted: {} calls over {} days; maximum likelihood of the Poisson rate\n\
                 per_day × hourly[h] × weekly[d] (per_day is the mean over a week).",
                a.n, a.days
            ),
        );
        let t = &a.uniform_test;
        let hourly: Vec<f64> = a.hourly.iter().map(|h| dec(*h, 3)).collect();
        set_with_comment(
            inc,
            "hourly",
            value(float_array(&hourly, 6)),
            &format!(
                "fitted: percent of a day's calls in each hour, hour 0 first (same fit).\n\
                 Kim & Whitt conditional-uniform KS test of the fitted rate, week by week:\n\
                 D = {:.4} over {} calls, p = {:.3} ({} at the 5 % level).",
                t.d,
                t.n,
                t.p_value,
                if t.rejected() {
                    "REJECTED"
                } else {
                    "not rejected"
                }
            ),
        );
        let weekly: Vec<f64> = a.weekly.iter().map(|w| dec(*w, 4)).collect();
        let seen: Vec<String> = a.weekdays_observed.iter().map(|m| m.to_string()).collect();
        set_with_comment(
            inc,
            "weekly",
            value(float_array(&weekly, 7)),
            &format!(
                "fitted: day-of-week factors, Monday first, mean 1 (same fit); days observed\n\
                 of each weekday: {}.",
                seen.join(", ")
            ),
        );
        let kinds = inc
            .get_mut("kinds")
            .and_then(Item::as_array_of_tables_mut)
            .expect("validated base has kinds");
        // Shares to 4 decimals; the largest takes the rounding so they sum to 1.
        let mut shares: Vec<f64> = fit.kinds.iter().map(|k| dec(k.share, 4)).collect();
        if let Some(big) = (0..shares.len()).max_by(|&i, &j| shares[i].total_cmp(&shares[j])) {
            let rest: f64 = (0..shares.len())
                .filter(|&i| i != big)
                .map(|i| shares[i])
                .sum();
            shares[big] = dec(1.0 - rest, 4);
        }
        for ((t, kf), share) in kinds.iter_mut().zip(&fit.kinds).zip(shares) {
            t.insert(
                "share",
                commented(share, &format!("fitted: {} of {} calls", kf.n, fit.n)),
            );
            let Some(d) = &kf.on_scene else {
                let why = if kf.n == 0 {
                    "not in the log".to_string()
                } else {
                    format!("{} calls, too few observed on-scene times to fit", kf.n)
                };
                if let Some(v) = t.get_mut("on_scene").and_then(Item::as_value_mut) {
                    v.decor_mut()
                        .set_suffix(format!("  # kept from the base: {why}"));
                }
                continue;
            };
            let zeros = if d.zeros > 0 {
                format!(", {} zero times left out", d.zeros)
            } else {
                String::new()
            };
            let (spec, comment) = if opts.empirical {
                let values = empirical_values(&d.values);
                let how = if values.len() < d.values.len() {
                    format!("{} evenly spaced quantiles of", values.len())
                } else {
                    "all".into()
                };
                (
                    DistSpec::Empirical { values },
                    format!(
                        "fitted: empirical, {how} the {} observed on-scene times ({}){zeros}; \
                         the best parametric fit would be {} (AIC)",
                        d.values.len(),
                        kf.on_scene_source,
                        d.best().fitted.family().name()
                    ),
                )
            } else {
                let best = d.best();
                let runner = d
                    .candidates
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != d.chosen)
                    .min_by(|x, y| x.1.aic.total_cmp(&y.1.aic))
                    .map(|(_, c)| format!(", next {} AIC {:.1}", c.fitted.family().name(), c.aic))
                    .unwrap_or_default();
                (
                    best.fitted.spec(),
                    format!(
                        "fitted: maximum likelihood over exponential, gamma, lognormal, Weibull from {} on-scene \
                         times ({}){zeros}; chosen by AIC {:.1}{runner}; KS D = {:.4}",
                        d.values.len(),
                        kf.on_scene_source,
                        best.aic,
                        best.ks
                    ),
                )
            };
            let mut v = Value::InlineTable(dist_table(&spec));
            v.decor_mut().set_suffix(format!("  # {comment}"));
            t.insert("on_scene", Item::Value(v));
            if let Some(c) = &kf.caveat
                && let Some((mut key, _)) = t.get_key_value_mut("on_scene")
            {
                let lines: String = c.split("; ").map(|l| format!("# caution: {l}\n")).collect();
                key.leaf_decor_mut().set_prefix(lines);
            }
        }
    }

    // [[demand]]
    {
        let old_position = doc
            .get("demand")
            .and_then(Item::as_array_of_tables)
            .and_then(|a| a.iter().next())
            .and_then(Table::position);
        let mut aot = ArrayOfTables::new();
        for (i, c) in fit.demand.iter().enumerate() {
            let mut t = Table::new();
            t.set_position(old_position);
            if i == 0 {
                t.decor_mut().set_prefix(format!(
                    "\n# fitted: {} demand points, one per {} km grid cell holding calls, at the mean\n\
                     # position of the cell's calls; weight = calls in the cell; spread_km = radius of\n\
                     # the disc with the calls' mean squared distance from the point (at most the cell side){}.\n",
                    fit.demand.len(),
                    fit.cell_km,
                    if fit.stations_mapped {
                        "; station = the cell's most common station in the log"
                    } else {
                        "; station: the nearest (the log names none)"
                    }
                ));
            }
            t.insert("name", value(format!("cell {},{}", c.cell.0, c.cell.1)));
            match base.projection {
                Some(p) => {
                    let (lat, lon) = p.unproject(c.pos);
                    t.insert("lat", value(dec(lat, 6)));
                    t.insert("lon", value(dec(lon, 6)));
                }
                None => {
                    t.insert("x_km", value(dec(c.pos.x_km, 3)));
                    t.insert("y_km", value(dec(c.pos.y_km, 3)));
                }
            }
            t.insert("weight", value(c.n as i64));
            t.insert("spread_km", value(dec(c.spread_km, 3)));
            if let Some((st, n)) = c.station {
                t.insert(
                    "station",
                    commented(
                        base.stations[st].id.as_str(),
                        &format!("{n} of the cell's {} calls", c.n),
                    ),
                );
            }
            aot.push(t);
        }
        doc.insert("demand", Item::ArrayOfTables(aot));
    }

    // [dispatch] call_processing_min
    if let Some(d) = &fit.call_to_dispatch {
        if !doc.contains_key("dispatch") {
            doc.insert("dispatch", toml_edit::table());
        }
        let t = doc["dispatch"].as_table_mut().expect("a table");
        let v = (d.median - base.handoff_min).max(0.0);
        set_with_comment(
            t,
            "call_processing_min",
            value(dec(v, 2)),
            &format!(
                "estimate: median of {} call → dispatch intervals ({:.2} min) less handoff_min ({});\n\
                 their mean ({:.2}) and 90th percentile ({:.2}) also hold waits for a busy unit,\n\
                 which the simulation adds by itself.",
                d.n, d.median, base.handoff_min, d.mean, d.p90
            ),
        );
    }

    // [travel] turnout_min, speed_kmh
    if let Some(tr) = &fit.travel {
        if !doc.contains_key("travel") {
            doc.insert("travel", toml_edit::table());
        }
        let t = doc["travel"].as_table_mut().expect("a table");
        set_with_comment(
            t,
            "turnout_min",
            value(dec(tr.intercept_min.max(0.0), 2)),
            &format!(
                "estimate: robust (Theil–Sen) line of {} dispatch → arrive times on the straight-line km\n\
                 from the call's station: intercept {:.2} min, slope {:.3} min/km, median absolute\n\
                 residual {:.2} min. Units that were away from their station or came from another\n\
                 make this an estimate, not a measurement.",
                tr.n, tr.intercept_min, tr.min_per_km, tr.median_abs_residual
            ),
        );
        set_with_comment(
            t,
            "speed_kmh",
            value(dec(tr.speed_kmh, 2)),
            &format!(
                "estimate: 60 × detour ({}, the base's) ÷ slope ({:.3} min/km), from the same line.",
                tr.detour, tr.min_per_km
            ),
        );
    }

    let header = format!(
        "# Fitted by `policesim fit` from {} ({} calls over {} days) on {}.\n\
         # Numbers commented `fitted` or `estimate` come from the log; everything else is the base's.\n\n",
        paths.log,
        fit.n,
        fit.arrivals.days,
        paths.base.display()
    );
    Ok(header + &doc.to_string())
}

/// The values of an empirical distribution: all observed, or
/// [`EMPIRICAL_MAX_VALUES`] evenly spaced quantiles of them.
fn empirical_values(sorted: &[f64]) -> Vec<f64> {
    if sorted.len() <= EMPIRICAL_MAX_VALUES {
        return sorted.iter().map(|x| dec(*x, 2)).collect();
    }
    let m = EMPIRICAL_MAX_VALUES;
    (0..m)
        .map(|i| dec(quantile(sorted, (i as f64 + 0.5) / m as f64), 2))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_and_paths() {
        assert_eq!(sig(123.456_78, 5), 123.46);
        assert_eq!(sig(0.001_234_567, 3), 0.001_23);
        assert_eq!(dec(2.345_67, 2), 2.35);
        assert_eq!(
            relative(Path::new("/a/b/data/x.geojson"), Path::new("/a/c")),
            Some(PathBuf::from("../b/data/x.geojson"))
        );
        assert_eq!(relative(Path::new("/a/x"), Path::new("/b")), None);
        assert_eq!(
            relative(Path::new("/a/b/x"), Path::new("/a/b")),
            Some(PathBuf::from("x"))
        );
    }
}
