//! Maximum-likelihood fits of a duration sample to the exponential, gamma,
//! log-normal and Weibull families, compared by AIC, with each fit's
//! Kolmogorov–Smirnov distance.
//!
//! The gamma and Weibull shapes have no closed form: each is the root of the
//! derivative of the profile log-likelihood (the scale maximised out), found
//! by Newton's method kept inside a bracket, so it cannot diverge.

use statrs::function::erf::erfc;
use statrs::function::gamma::{digamma, gamma_lr, ln_gamma};

use crate::dist::{DistSpec, WEIBULL_SHAPE_MAX, WEIBULL_SHAPE_MIN};

/// A family of distributions the fit tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Exponential (one parameter).
    Exponential,
    /// Gamma (shape and scale).
    Gamma,
    /// Log-normal (μ and σ of the logarithm).
    Lognormal,
    /// Weibull (shape and scale).
    Weibull,
}

impl Family {
    /// Every family, in the order tables list them.
    pub const ALL: [Family; 4] = [
        Family::Exponential,
        Family::Gamma,
        Family::Lognormal,
        Family::Weibull,
    ];

    /// The name scenario files use (`dist = "..."`).
    pub fn name(self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::Gamma => "gamma",
            Family::Lognormal => "lognormal",
            Family::Weibull => "weibull",
        }
    }

    /// Free parameters (for AIC).
    pub fn parameters(self) -> usize {
        match self {
            Family::Exponential => 1,
            _ => 2,
        }
    }
}

/// A fitted distribution in its natural parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fitted {
    /// Exponential with this mean, minutes.
    Exponential {
        /// Mean, minutes.
        mean: f64,
    },
    /// Gamma with density ∝ x^(shape−1) e^(−x/scale).
    Gamma {
        /// Shape k.
        shape: f64,
        /// Scale θ, minutes.
        scale: f64,
    },
    /// Log-normal: ln X ~ Normal(mu, sigma²).
    Lognormal {
        /// Mean of ln X (ln minutes).
        mu: f64,
        /// Standard deviation of ln X.
        sigma: f64,
    },
    /// Weibull with P(X > x) = exp(−(x/scale)^shape).
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ, minutes.
        scale: f64,
    },
}

impl Fitted {
    /// Its family.
    pub fn family(&self) -> Family {
        match self {
            Fitted::Exponential { .. } => Family::Exponential,
            Fitted::Gamma { .. } => Family::Gamma,
            Fitted::Lognormal { .. } => Family::Lognormal,
            Fitted::Weibull { .. } => Family::Weibull,
        }
    }

    /// Mean and standard deviation, minutes.
    pub fn mean_sd(&self) -> (f64, f64) {
        match *self {
            Fitted::Exponential { mean } => (mean, mean),
            Fitted::Gamma { shape, scale } => (shape * scale, shape.sqrt() * scale),
            Fitted::Lognormal { mu, sigma } => {
                let mean = (mu + sigma * sigma / 2.0).exp();
                (mean, mean * (sigma * sigma).exp_m1().sqrt())
            }
            Fitted::Weibull { shape, scale } => crate::dist::weibull_mean_sd(shape, scale),
        }
    }

    /// The scenario distribution with these parameters.
    pub fn spec(&self) -> DistSpec {
        let (mean, sd) = self.mean_sd();
        match *self {
            Fitted::Exponential { mean } => DistSpec::Exponential { mean },
            Fitted::Gamma { .. } => DistSpec::Gamma { mean, sd },
            Fitted::Lognormal { .. } => DistSpec::Lognormal { mean, sd },
            Fitted::Weibull { shape, scale } => DistSpec::Weibull { shape, scale },
        }
    }

    /// Cumulative distribution function at `x` minutes.
    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        match *self {
            Fitted::Exponential { mean } => -(-x / mean).exp_m1(),
            Fitted::Gamma { shape, scale } => gamma_lr(shape, x / scale),
            Fitted::Lognormal { mu, sigma } => {
                0.5 * erfc(-(x.ln() - mu) / (sigma * std::f64::consts::SQRT_2))
            }
            Fitted::Weibull { shape, scale } => -(-(x / scale).powf(shape)).exp_m1(),
        }
    }

    /// Density at `x` minutes (per minute).
    pub fn pdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        self.ln_pdf(x).exp()
    }

    /// Log density at `x > 0`.
    fn ln_pdf(&self, x: f64) -> f64 {
        match *self {
            Fitted::Exponential { mean } => -mean.ln() - x / mean,
            Fitted::Gamma { shape, scale } => {
                (shape - 1.0) * x.ln() - x / scale - shape * scale.ln() - ln_gamma(shape)
            }
            Fitted::Lognormal { mu, sigma } => {
                let z = (x.ln() - mu) / sigma;
                -x.ln() - sigma.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln() - 0.5 * z * z
            }
            Fitted::Weibull { shape, scale } => {
                shape.ln() - scale.ln() + (shape - 1.0) * (x / scale).ln() - (x / scale).powf(shape)
            }
        }
    }

    /// Parameters as a planner reads them, e.g. `shape 1.52, scale 40.1 min`.
    pub fn describe(&self) -> String {
        let (mean, sd) = self.mean_sd();
        match *self {
            Fitted::Exponential { mean } => format!("mean {mean:.2} min"),
            Fitted::Gamma { shape, scale } => {
                format!("shape {shape:.3}, scale {scale:.2} min (mean {mean:.2}, sd {sd:.2})")
            }
            Fitted::Lognormal { mu, sigma } => {
                format!("mu {mu:.3}, sigma {sigma:.3} (mean {mean:.2}, sd {sd:.2})")
            }
            Fitted::Weibull { shape, scale } => {
                format!("shape {shape:.3}, scale {scale:.2} min (mean {mean:.2}, sd {sd:.2})")
            }
        }
    }
}

/// One family's maximum-likelihood fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The fitted distribution.
    pub fitted: Fitted,
    /// Maximised log-likelihood.
    pub log_likelihood: f64,
    /// Akaike's information criterion, 2p − 2 ln L (smaller is better).
    pub aic: f64,
    /// Kolmogorov–Smirnov distance between the sample and the fit.
    pub ks: f64,
}

/// The fits of one duration sample.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationFit {
    /// Durations fitted (all > 0), minutes, sorted.
    pub values: Vec<f64>,
    /// Durations of 0 or less left out (a log-likelihood needs x > 0).
    pub zeros: usize,
    /// Every family that could be fitted, in [`Family::ALL`] order.
    pub candidates: Vec<Candidate>,
    /// Index of the smallest AIC in `candidates`.
    pub chosen: usize,
}

impl DurationFit {
    /// The chosen candidate.
    pub fn best(&self) -> &Candidate {
        &self.candidates[self.chosen]
    }

    /// Sample mean of the fitted values, minutes.
    pub fn sample_mean(&self) -> f64 {
        self.values.iter().sum::<f64>() / self.values.len() as f64
    }
}

/// Fits every family to `sample` (minutes) and picks the smallest AIC.
///
/// Non-finite values are ignored, values ≤ 0 are counted in
/// [`DurationFit::zeros`] and left out. `None` with fewer than two distinct
/// positive values: no two-parameter family can be fitted.
///
/// ```
/// use policesim::fit::durations::{fit, Family};
/// let f = fit(&[10.0, 20.0, 30.0, 40.0]).unwrap();
/// // The exponential's MLE is the sample mean.
/// let exp = f.candidates.iter().find(|c| c.fitted.family() == Family::Exponential).unwrap();
/// assert!((exp.fitted.mean_sd().0 - 25.0).abs() < 1e-12);
/// ```
pub fn fit(sample: &[f64]) -> Option<DurationFit> {
    let mut values: Vec<f64> = sample
        .iter()
        .copied()
        .filter(|x| x.is_finite() && *x > 0.0)
        .collect();
    let zeros = sample
        .iter()
        .filter(|x| x.is_finite() && **x <= 0.0)
        .count();
    values.sort_by(f64::total_cmp);
    if values.len() < 2 || values[0] == values[values.len() - 1] {
        return None;
    }
    let n = values.len() as f64;
    let sum_ln: f64 = values.iter().map(|x| x.ln()).sum();
    let mean = values.iter().sum::<f64>() / n;
    let mean_ln = sum_ln / n;
    let mut fits = vec![Fitted::Exponential { mean }];
    let s = mean.ln() - mean_ln;
    if let Some(shape) = gamma_shape(s) {
        fits.push(Fitted::Gamma {
            shape,
            scale: mean / shape,
        });
    }
    let var_ln = values
        .iter()
        .map(|x| (x.ln() - mean_ln).powi(2))
        .sum::<f64>()
        / n;
    fits.push(Fitted::Lognormal {
        mu: mean_ln,
        sigma: var_ln.sqrt(),
    });
    if let Some((shape, scale)) = weibull_mle(&values, mean_ln) {
        fits.push(Fitted::Weibull { shape, scale });
    }
    let candidates: Vec<Candidate> = fits
        .into_iter()
        .map(|fitted| {
            let log_likelihood: f64 = values.iter().map(|&x| fitted.ln_pdf(x)).sum();
            Candidate {
                fitted,
                log_likelihood,
                aic: 2.0 * fitted.family().parameters() as f64 - 2.0 * log_likelihood,
                ks: ks_distance(&values, |x| fitted.cdf(x)),
            }
        })
        .filter(|c| c.aic.is_finite())
        .collect();
    let chosen = candidates
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.aic.total_cmp(&b.1.aic))
        .map(|(i, _)| i)?;
    Some(DurationFit {
        values,
        zeros,
        candidates,
        chosen,
    })
}

/// Kolmogorov–Smirnov distance between the sorted sample `xs` and `cdf`.
pub fn ks_distance(xs: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = xs.len() as f64;
    xs.iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            ((i + 1) as f64 / n - f).max(f - i as f64 / n)
        })
        .fold(0.0, f64::max)
}

/// P(D > d) for the KS distance of `n` uniform draws (Kolmogorov's limit
/// with Stephens's small-sample correction; good to about 1 % for n ≥ 5).
pub fn ks_p_value(n: usize, d: f64) -> f64 {
    let sn = (n as f64).sqrt();
    let lambda = (sn + 0.12 + 0.11 / sn) * d;
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let k = k as f64;
        let term = (-2.0 * k * k * lambda * lambda).exp();
        sum += if k as u64 % 2 == 1 { term } else { -term };
        if term < 1e-16 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// Trigamma ψ′(x) for x > 0: the recurrence ψ′(x) = ψ′(x+1) + 1/x² up to
/// x ≥ 12, then the asymptotic series (error below 1e-13 there).
pub fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 12.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    acc + 1.0 / x
        + x2 / 2.0
        + (1.0 / x) * x2 * (1.0 / 6.0 - x2 * (1.0 / 30.0 - x2 * (1.0 / 42.0 - x2 * (1.0 / 30.0))))
}

/// The gamma MLE shape: the root of ln k − ψ(k) = s, where
/// s = ln(mean) − mean(ln x) > 0 (the derivative of the profile
/// log-likelihood in k, the scale being mean / k). Minka's closed-form
/// start, then Newton, which converges in a few steps.
fn gamma_shape(s: f64) -> Option<f64> {
    if !(s.is_finite() && s > 0.0) {
        return None;
    }
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    // f(k) = ln k − ψ(k) − s is decreasing in k: keep a bracket.
    let (mut lo, mut hi) = (0.0_f64, f64::INFINITY);
    for _ in 0..100 {
        let f = k.ln() - digamma(k) - s;
        if f > 0.0 {
            lo = k;
        } else {
            hi = k;
        }
        let df = 1.0 / k - trigamma(k);
        let mut next = k - f / df;
        if !(next > lo && next < hi && next.is_finite()) {
            next = if hi.is_finite() {
                (lo + hi) / 2.0
            } else {
                2.0 * k
            };
        }
        if (next - k).abs() <= 1e-13 * k {
            return Some(next);
        }
        k = next;
    }
    Some(k)
}

/// The Weibull MLE: the shape is the root of
/// g(k) = Σ xᵏ ln x / Σ xᵏ − 1/k − mean(ln x), increasing in k (the
/// derivative of the profile log-likelihood, divided by n, with the
/// scale maximised out); then scale = (mean xᵏ)^(1/k). The sample is
/// divided by its largest value first so that xᵏ cannot overflow.
fn weibull_mle(sorted: &[f64], mean_ln: f64) -> Option<(f64, f64)> {
    let c = *sorted.last()?;
    let ys: Vec<f64> = sorted.iter().map(|x| x / c).collect();
    let mean_ln_y = mean_ln - c.ln();
    // Returns g(k) and g'(k).
    let g = |k: f64| {
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for &y in &ys {
            let l = y.ln();
            let w = y.powf(k);
            s0 += w;
            s1 += w * l;
            s2 += w * l * l;
        }
        let a = s1 / s0;
        (a - 1.0 / k - mean_ln_y, s2 / s0 - a * a + 1.0 / (k * k))
    };
    let n = ys.len() as f64;
    let sd_ln = (ys.iter().map(|y| (y.ln() - mean_ln_y).powi(2)).sum::<f64>() / n).sqrt();
    // sd(ln X) = π / (k √6) for a Weibull.
    let mut k = (std::f64::consts::PI / (sd_ln * 6f64.sqrt())).clamp(WEIBULL_SHAPE_MIN, 100.0);
    let (mut lo, mut hi) = (0.0_f64, f64::INFINITY);
    let mut converged = false;
    for _ in 0..200 {
        let (gk, dg) = g(k);
        if gk < 0.0 {
            lo = k;
        } else {
            hi = k;
        }
        let mut next = k - gk / dg;
        if !(next > lo && next < hi && next.is_finite()) {
            next = if hi.is_finite() {
                (lo + hi) / 2.0
            } else {
                2.0 * k
            };
        }
        if (next - k).abs() <= 1e-12 * k {
            k = next;
            converged = true;
            break;
        }
        k = next;
    }
    if !converged || !(WEIBULL_SHAPE_MIN..=WEIBULL_SHAPE_MAX).contains(&k) {
        return None;
    }
    let mean_yk = ys.iter().map(|y| y.powf(k)).sum::<f64>() / n;
    let scale = c * mean_yk.powf(1.0 / k);
    scale.is_finite().then_some((k, scale))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn draws(spec: DistSpec, n: usize, seed: u64) -> Vec<f64> {
        let d = crate::dist::Dist::new(spec).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    fn family_of(f: &DurationFit) -> Family {
        f.best().fitted.family()
    }

    #[test]
    fn trigamma_matches_known_values() {
        // ψ′(1) = π²/6, ψ′(1/2) = π²/2, ψ′(10) = 0.105166335681...
        let pi2 = std::f64::consts::PI.powi(2);
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-12);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 1e-12);
        assert!((trigamma(10.0) - 0.105_166_335_681_685_6).abs() < 1e-12);
    }

    #[test]
    fn gamma_shape_solves_its_equation() {
        for k in [0.3, 1.0, 2.5, 40.0] {
            let s = f64::ln(k) - digamma(k);
            let got = gamma_shape(s).unwrap();
            assert!((got - k).abs() < 1e-9 * k, "{k}: {got}");
        }
    }

    #[test]
    fn weibull_mle_satisfies_the_likelihood_equations() {
        let xs = {
            let mut v = draws(
                DistSpec::Weibull {
                    shape: 1.7,
                    scale: 40.0,
                },
                5000,
                3,
            );
            v.sort_by(f64::total_cmp);
            v
        };
        let mean_ln = xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64;
        let (k, lambda) = weibull_mle(&xs, mean_ln).unwrap();
        // The profile score at k is zero.
        let s0: f64 = xs.iter().map(|x| x.powf(k)).sum();
        let s1: f64 = xs.iter().map(|x| x.powf(k) * x.ln()).sum();
        assert!((s1 / s0 - 1.0 / k - mean_ln).abs() < 1e-10);
        assert!((lambda - (s0 / xs.len() as f64).powf(1.0 / k)).abs() < 1e-9 * lambda);
        // 5000 draws: sd of the shape estimate is about 0.78 k / √n = 0.019.
        assert!((k - 1.7).abs() < 0.08, "{k}");
        assert!((lambda - 40.0).abs() < 1.2, "{lambda}");
    }

    #[test]
    fn aic_picks_the_family_the_data_came_from() {
        let cases = [
            (
                DistSpec::Lognormal {
                    mean: 35.0,
                    sd: 25.0,
                },
                Family::Lognormal,
            ),
            (DistSpec::Exponential { mean: 30.0 }, Family::Exponential),
            (
                DistSpec::Gamma {
                    mean: 30.0,
                    sd: 12.0,
                },
                Family::Gamma,
            ),
            (
                DistSpec::Weibull {
                    shape: 2.5,
                    scale: 50.0,
                },
                Family::Weibull,
            ),
        ];
        for (spec, family) in cases {
            let xs = draws(spec.clone(), 4000, 11);
            let f = fit(&xs).unwrap();
            assert_eq!(family_of(&f), family, "{spec:?}: {:?}", f.candidates);
            let true_mean = crate::dist::Dist::new(spec.clone()).unwrap().mean();
            let (m, _) = f.best().fitted.mean_sd();
            assert!((m - true_mean).abs() < 0.05 * true_mean, "{spec:?}: {m}");
            assert!(f.best().ks < 0.03, "{spec:?}: {}", f.best().ks);
        }
    }

    #[test]
    fn zeros_and_constant_samples() {
        let f = fit(&[0.0, 0.0, 5.0, 7.0, 9.0, f64::NAN]).unwrap();
        assert_eq!(f.zeros, 2);
        assert_eq!(f.values, vec![5.0, 7.0, 9.0]);
        assert!(fit(&[3.0, 3.0, 3.0]).is_none());
        assert!(fit(&[3.0]).is_none());
    }

    #[test]
    fn ks_p_value_has_the_textbook_critical_values() {
        // Asymptotic 5 % point: D √n = 1.358; 1 %: 1.628.
        let n = 10_000;
        let p = ks_p_value(n, 1.358 / (n as f64).sqrt());
        assert!((p - 0.05).abs() < 0.002, "{p}");
        let p = ks_p_value(n, 1.628 / (n as f64).sqrt());
        assert!((p - 0.01).abs() < 0.001, "{p}");
        assert_eq!(ks_p_value(n, 0.0), 1.0);
    }
}
