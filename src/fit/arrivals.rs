//! The arrival rate: calls per day with an hour-of-day × day-of-week profile,
//! fitted by maximum likelihood, and Kim & Whitt's conditional-uniform
//! Kolmogorov–Smirnov test of the fitted rate.

use crate::scenario::{MIN_PER_DAY, Weekday};

use super::durations::{ks_distance, ks_p_value};

/// The fitted arrival rate.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalFit {
    /// Calls counted.
    pub n: usize,
    /// Whole days observed (minute 0 to the end of the last call's day).
    pub days: usize,
    /// Mean calls per day over a week (`[incidents] per_day`).
    pub per_day: f64,
    /// Share of a day's calls in each hour, percent (sums to 100).
    pub hourly: [f64; 24],
    /// Day-of-week factors, Monday first, mean 1 (sums to 7).
    pub weekly: [f64; 7],
    /// Calls counted in each hour of each weekday, Monday first.
    pub counts: [[u64; 24]; 7],
    /// Days of each weekday observed, Monday first.
    pub weekdays_observed: [u64; 7],
    /// Kim & Whitt's conditional-uniform test of the fitted rate.
    pub uniform_test: UniformTest,
}

impl ArrivalFit {
    /// Calls per hour of the fitted rate in hour `hour` of weekday `day`.
    pub fn rate_per_hour(&self, day: Weekday, hour: usize) -> f64 {
        self.per_day * self.hourly[hour] / 100.0 * self.weekly[day.index()]
    }

    /// Observed calls per hour in hour `hour` of weekday `day` (0 when that
    /// weekday was never observed).
    pub fn observed_per_hour(&self, day: Weekday, hour: usize) -> f64 {
        let m = self.weekdays_observed[day.index()];
        if m == 0 {
            0.0
        } else {
            self.counts[day.index()][hour] as f64 / m as f64
        }
    }
}

/// A Kolmogorov–Smirnov test of pooled conditional-uniform transforms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UniformTest {
    /// Transformed arrivals pooled.
    pub n: usize,
    /// KS distance of the pooled values from the uniform distribution.
    pub d: f64,
    /// Probability of a distance at least `d` if the fitted rate is right.
    pub p_value: f64,
}

impl UniformTest {
    /// Whether the test rejects the rate at the 5 % level.
    pub fn rejected(&self) -> bool {
        self.p_value < 0.05
    }
}

/// Fits the rate to call times `call_min` (minutes from minute 0, which is
/// midnight starting a `start` weekday) observed over `days` whole days.
///
/// The model is Poisson with rate `per_day × hourly[h] × weekly[d]` in hour
/// `h` of weekday `d`. Its maximum-likelihood estimate, given the counts
/// `c[d][h]` and the number `m[d]` of days of weekday `d` observed, solves
/// `a[h] = Σ_d c[d][h] / Σ_d m[d] b[d]` and `b[d] = Σ_h c[d][h] / (m[d] Σ_h a[h])`
/// (rate `a[h] b[d]`), found by alternating the two (iterative proportional
/// fitting), which converges for any counts.
pub fn fit_arrivals(call_min: &[f64], start: Weekday, days: usize) -> ArrivalFit {
    let days = days.max(1);
    let mut counts = [[0u64; 24]; 7];
    let mut n = 0;
    for &t in call_min {
        if !(t.is_finite() && t >= 0.0 && t < days as f64 * MIN_PER_DAY) {
            continue;
        }
        let day = (t / MIN_PER_DAY) as usize;
        let hour = ((t - day as f64 * MIN_PER_DAY) / 60.0) as usize;
        counts[start.plus(day).index()][hour.min(23)] += 1;
        n += 1;
    }
    let mut m = [0u64; 7];
    for day in 0..days {
        m[start.plus(day).index()] += 1;
    }
    let mut a = [1.0f64; 24];
    let mut b = [1.0f64; 7];
    for d in 0..7 {
        if m[d] == 0 {
            b[d] = 0.0;
        }
    }
    for _ in 0..200 {
        let exposure: f64 = (0..7).map(|d| m[d] as f64 * b[d]).sum();
        for (h, ah) in a.iter_mut().enumerate() {
            let c: u64 = (0..7).map(|d| counts[d][h]).sum();
            *ah = if exposure > 0.0 {
                c as f64 / exposure
            } else {
                0.0
            };
        }
        let sa: f64 = a.iter().sum();
        let mut change: f64 = 0.0;
        for d in 0..7 {
            let c: u64 = counts[d].iter().sum();
            let nb = if m[d] > 0 && sa > 0.0 {
                c as f64 / (m[d] as f64 * sa)
            } else {
                0.0
            };
            change = change.max((nb - b[d]).abs());
            b[d] = nb;
        }
        if change < 1e-14 {
            break;
        }
    }
    // Normalise: hourly to percent, weekly to mean 1 over the weekdays seen
    // (an unseen weekday gets the mean day).
    let sa: f64 = a.iter().sum();
    let seen: Vec<usize> = (0..7).filter(|&d| m[d] > 0).collect();
    let mean_b = seen.iter().map(|&d| b[d]).sum::<f64>() / seen.len() as f64;
    let mut weekly = [1.0; 7];
    if mean_b > 0.0 {
        for &d in &seen {
            weekly[d] = b[d] / mean_b;
        }
        let total: f64 = weekly.iter().sum();
        for w in &mut weekly {
            *w *= 7.0 / total;
        }
    }
    let mut hourly = [100.0 / 24.0; 24];
    if sa > 0.0 {
        for (h, v) in hourly.iter_mut().enumerate() {
            *v = 100.0 * a[h] / sa;
        }
    }
    let exposure_days: f64 = (0..days).map(|i| weekly[start.plus(i).index()]).sum();
    let per_day = n as f64 / exposure_days;
    let uniform_test = conditional_uniform_test(call_min, start, days, &hourly, &weekly);
    ArrivalFit {
        n,
        days,
        per_day,
        hourly,
        weekly,
        counts,
        weekdays_observed: m,
        uniform_test,
    }
}

/// Kim & Whitt's conditional-uniform (CU) KS test of a periodic rate
/// (Kim and Whitt, "Are call center and hospital arrivals well modeled by
/// nonhomogeneous Poisson processes?", M&SOM 16(3), 2014).
///
/// The window is cut into weeks (the last one may be short). Given the
/// number of calls in a week, a Poisson process with rate λ(t) places them
/// independently with density λ(t) / ∫λ over the week, so
/// u = (Λ(t) − Λ(a)) / (Λ(b) − Λ(a)), with Λ the cumulative fitted rate
/// and [a, b) the call's week, is uniform on [0, 1]. The pooled u are
/// compared with the uniform by KS. Conditioning on each week's count makes
/// the test blind to the level (per_day) and to slow drift between weeks,
/// and sensitive to the shape: a flat profile fitted to peaked data fails.
pub fn conditional_uniform_test(
    call_min: &[f64],
    start: Weekday,
    days: usize,
    hourly: &[f64; 24],
    weekly: &[f64; 7],
) -> UniformTest {
    // Cumulative rate (arbitrary units) at the start of each hour of the window.
    let hours = days * 24;
    let rate = |i: usize| hourly[i % 24] * weekly[start.plus(i / 24).index()];
    let mut cum = Vec::with_capacity(hours + 1);
    cum.push(0.0);
    for i in 0..hours {
        cum.push(cum[i] + rate(i));
    }
    let big_lambda = |t: f64| {
        let i = ((t / 60.0) as usize).min(hours - 1);
        cum[i] + rate(i) * (t / 60.0 - i as f64)
    };
    let end_min = hours as f64 * 60.0;
    let week = 7.0 * MIN_PER_DAY;
    let mut u: Vec<f64> = call_min
        .iter()
        .filter(|t| t.is_finite() && **t >= 0.0 && **t < end_min)
        .filter_map(|&t| {
            let a = (t / week).floor() * week;
            let b = (a + week).min(end_min);
            let (la, lb) = (big_lambda(a), big_lambda(b));
            (lb > la).then(|| ((big_lambda(t) - la) / (lb - la)).clamp(0.0, 1.0))
        })
        .collect();
    u.sort_by(f64::total_cmp);
    let d = ks_distance(&u, |x| x.clamp(0.0, 1.0));
    UniformTest {
        n: u.len(),
        d,
        p_value: if u.is_empty() {
            1.0
        } else {
            ks_p_value(u.len(), d)
        },
    }
}
