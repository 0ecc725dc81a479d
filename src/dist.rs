//! Duration distributions (minutes) for on-scene and case-handling times.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Triangular};
use serde::{Deserialize, Serialize};

/// The parameters of a duration distribution, in minutes, as a planner writes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case")]
pub enum DistSpec {
    /// Always `value`.
    Fixed {
        /// The duration, minutes.
        value: f64,
    },
    /// Exponential with the given mean.
    Exponential {
        /// Mean, minutes.
        mean: f64,
    },
    /// Log-normal with the given mean and standard deviation *of the variable itself*.
    Lognormal {
        /// Mean, minutes.
        mean: f64,
        /// Standard deviation, minutes.
        sd: f64,
    },
    /// Gamma with the given mean and standard deviation.
    Gamma {
        /// Mean, minutes.
        mean: f64,
        /// Standard deviation, minutes.
        sd: f64,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound, minutes.
        min: f64,
        /// Upper bound, minutes.
        max: f64,
    },
    /// Triangular on `[min, max]` with peak at `mode`.
    Triangular {
        /// Lower bound, minutes.
        min: f64,
        /// Most likely value, minutes.
        mode: f64,
        /// Upper bound, minutes.
        max: f64,
    },
    /// Resamples the given observed values with equal probability.
    Empirical {
        /// Observed durations, minutes.
        values: Vec<f64>,
    },
}

/// Why a [`DistSpec`] cannot be sampled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistError {
    /// A parameter is negative, NaN or infinite.
    #[error("`{param}` must be a finite number >= 0, found {value}")]
    Negative {
        /// Parameter name.
        param: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A mean that must be strictly positive is zero.
    #[error("`{param}` must be > 0, found {value}")]
    NotPositive {
        /// Parameter name.
        param: &'static str,
        /// The offending value.
        value: f64,
    },
    /// Uniform bounds out of order.
    #[error("need min <= max, found min = {min}, max = {max}")]
    Bounds {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Triangular bounds and mode out of order.
    #[error("need min <= mode <= max, found min = {min}, mode = {mode}, max = {max}")]
    Order {
        /// Lower bound.
        min: f64,
        /// Mode.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// Empirical distribution with no values.
    #[error("`values` must hold at least one duration")]
    Empty,
}

/// A validated distribution, ready to sample.
#[derive(Debug, Clone)]
pub struct Dist {
    spec: DistSpec,
    sampler: Sampler,
}

#[derive(Debug, Clone)]
enum Sampler {
    Fixed(f64),
    Exp(Exp<f64>),
    LogNormal(LogNormal<f64>),
    Gamma(Gamma<f64>),
    Uniform { min: f64, width: f64 },
    Triangular(Triangular<f64>),
    Empirical(Vec<f64>),
}

fn non_negative(param: &'static str, value: f64) -> Result<f64, DistError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(DistError::Negative { param, value })
    }
}

fn positive(param: &'static str, value: f64) -> Result<f64, DistError> {
    non_negative(param, value)?;
    if value > 0.0 {
        Ok(value)
    } else {
        Err(DistError::NotPositive { param, value })
    }
}

impl Dist {
    /// Validates `spec` and builds its sampler.
    ///
    /// ```
    /// use policesim::dist::{Dist, DistSpec};
    /// let d = Dist::new(DistSpec::Lognormal { mean: 30.0, sd: 10.0 }).unwrap();
    /// assert!((d.mean() - 30.0).abs() < 1e-12);
    /// assert!(Dist::new(DistSpec::Exponential { mean: -1.0 }).is_err());
    /// ```
    pub fn new(spec: DistSpec) -> Result<Self, DistError> {
        let sampler = match &spec {
            DistSpec::Fixed { value } => Sampler::Fixed(non_negative("value", *value)?),
            DistSpec::Exponential { mean } => {
                let mean = positive("mean", *mean)?;
                Sampler::Exp(Exp::new(1.0 / mean).expect("positive rate"))
            }
            DistSpec::Lognormal { mean, sd } => {
                let mean = positive("mean", *mean)?;
                let sd = non_negative("sd", *sd)?;
                // Moments of the variable -> parameters of its logarithm.
                let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
                let mu = mean.ln() - sigma2 / 2.0;
                Sampler::LogNormal(LogNormal::new(mu, sigma2.sqrt()).expect("valid lognormal"))
            }
            DistSpec::Gamma { mean, sd } => {
                let mean = positive("mean", *mean)?;
                let sd = non_negative("sd", *sd)?;
                if sd == 0.0 {
                    Sampler::Fixed(mean)
                } else {
                    let shape = (mean / sd).powi(2);
                    let scale = sd * sd / mean;
                    Sampler::Gamma(Gamma::new(shape, scale).expect("valid gamma"))
                }
            }
            DistSpec::Uniform { min, max } => {
                let (min, max) = (non_negative("min", *min)?, non_negative("max", *max)?);
                if min > max {
                    return Err(DistError::Bounds { min, max });
                }
                Sampler::Uniform {
                    min,
                    width: max - min,
                }
            }
            DistSpec::Triangular { min, mode, max } => {
                let min = non_negative("min", *min)?;
                let mode = non_negative("mode", *mode)?;
                let max = non_negative("max", *max)?;
                if !(min <= mode && mode <= max) {
                    return Err(DistError::Order { min, mode, max });
                }
                if min == max {
                    Sampler::Fixed(min)
                } else {
                    Sampler::Triangular(Triangular::new(min, max, mode).expect("ordered bounds"))
                }
            }
            DistSpec::Empirical { values } => {
                if values.is_empty() {
                    return Err(DistError::Empty);
                }
                for v in values {
                    non_negative("values", *v)?;
                }
                Sampler::Empirical(values.clone())
            }
        };
        Ok(Self { spec, sampler })
    }

    /// The parameters this distribution was built from.
    pub fn spec(&self) -> &DistSpec {
        &self.spec
    }

    /// The exact mean, minutes.
    pub fn mean(&self) -> f64 {
        match &self.spec {
            DistSpec::Fixed { value } => *value,
            DistSpec::Exponential { mean }
            | DistSpec::Lognormal { mean, .. }
            | DistSpec::Gamma { mean, .. } => *mean,
            DistSpec::Uniform { min, max } => (min + max) / 2.0,
            DistSpec::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            DistSpec::Empirical { values } => values.iter().sum::<f64>() / values.len() as f64,
        }
    }

    /// Whether the distribution is exponential (needed by the analytic models).
    pub fn is_exponential(&self) -> bool {
        matches!(self.spec, DistSpec::Exponential { .. })
    }

    /// Draws one duration, minutes (never negative).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.sampler {
            Sampler::Fixed(v) => *v,
            Sampler::Exp(d) => d.sample(rng),
            Sampler::LogNormal(d) => d.sample(rng),
            Sampler::Gamma(d) => d.sample(rng),
            Sampler::Uniform { min, width } => min + width * rng.random::<f64>(),
            Sampler::Triangular(d) => d.sample(rng),
            Sampler::Empirical(values) => values[rng.random_range(0..values.len())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn sample_moments(spec: DistSpec) -> (f64, f64) {
        let d = Dist::new(spec).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert!(xs.iter().all(|x| *x >= 0.0));
        (mean, var.sqrt())
    }

    #[test]
    fn lognormal_and_gamma_match_the_stated_mean_and_sd() {
        for spec in [
            DistSpec::Lognormal {
                mean: 40.0,
                sd: 20.0,
            },
            DistSpec::Gamma {
                mean: 40.0,
                sd: 20.0,
            },
        ] {
            let (m, s) = sample_moments(spec.clone());
            assert!((m - 40.0).abs() < 0.3, "{spec:?}: mean {m}");
            assert!((s - 20.0).abs() < 0.4, "{spec:?}: sd {s}");
        }
    }

    #[test]
    fn bounded_distributions_stay_in_bounds_with_the_right_mean() {
        let (m, _) = sample_moments(DistSpec::Triangular {
            min: 10.0,
            mode: 20.0,
            max: 60.0,
        });
        assert!((m - 30.0).abs() < 0.2, "{m}");
        let (m, _) = sample_moments(DistSpec::Uniform {
            min: 5.0,
            max: 15.0,
        });
        assert!((m - 10.0).abs() < 0.05, "{m}");
        let (m, _) = sample_moments(DistSpec::Empirical {
            values: vec![1.0, 2.0, 6.0],
        });
        assert!((m - 3.0).abs() < 0.03, "{m}");
    }

    #[test]
    fn bad_parameters_are_rejected() {
        assert!(matches!(
            Dist::new(DistSpec::Exponential { mean: 0.0 }),
            Err(DistError::NotPositive { .. })
        ));
        assert!(matches!(
            Dist::new(DistSpec::Lognormal {
                mean: 5.0,
                sd: -1.0
            }),
            Err(DistError::Negative { param: "sd", .. })
        ));
        assert!(matches!(
            Dist::new(DistSpec::Uniform { min: 5.0, max: 1.0 }),
            Err(DistError::Bounds { .. })
        ));
        assert!(matches!(
            Dist::new(DistSpec::Empirical { values: vec![] }),
            Err(DistError::Empty)
        ));
        assert!(Dist::new(DistSpec::Fixed { value: f64::NAN }).is_err());
    }
}
