//! Exact queueing results used as oracles: Erlang C (M/M/c).
//!
//! The simulator must reproduce these where their assumptions hold; the test
//! suite checks it does.

/// Probability that an arriving call has to wait in an M/M/c queue
/// (Erlang's C formula), for `c` servers and offered load `a = λ/μ` erlangs.
///
/// Returns 1 when `a >= c` (the queue is unstable: every call waits).
///
/// ```
/// // 3 units, 2 erlangs: P(wait) = 4/9.
/// let p = policesim::analytic::erlang_c(3, 2.0);
/// assert!((p - 4.0 / 9.0).abs() < 1e-12);
/// ```
pub fn erlang_c(c: u32, a: f64) -> f64 {
    if c == 0 || a >= f64::from(c) {
        return 1.0;
    }
    // Erlang B by its stable recurrence, then C from B.
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let rho = a / f64::from(c);
    b / (1.0 - rho * (1.0 - b))
}

/// Exact figures of an M/M/c queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mmc {
    /// Probability of waiting.
    pub p_wait: f64,
    /// Mean wait in queue, minutes.
    pub wait_mean_min: f64,
    /// Server utilisation `λ / (c μ)`.
    pub utilization: f64,
}

/// M/M/c with arrival rate `lambda_per_min`, mean service `service_mean_min`
/// and `c` servers; `None` when unstable.
///
/// ```
/// // One call every 15 minutes, 30-minute jobs, 3 units: W_q = 13.33 minutes.
/// let q = policesim::analytic::mmc(1.0 / 15.0, 30.0, 3).unwrap();
/// assert!((q.wait_mean_min - 40.0 / 3.0).abs() < 1e-9);
/// ```
pub fn mmc(lambda_per_min: f64, service_mean_min: f64, c: u32) -> Option<Mmc> {
    let a = lambda_per_min * service_mean_min;
    if c == 0 || a >= f64::from(c) {
        return None;
    }
    let p_wait = erlang_c(c, a);
    let mu = 1.0 / service_mean_min;
    Some(Mmc {
        p_wait,
        wait_mean_min: p_wait / (f64::from(c) * mu - lambda_per_min),
        utilization: a / f64::from(c),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_the_closed_form() {
        // Closed form for c = 2: C = 2 rho^2 / (1 + rho) with rho = a / 2.
        for a in [0.2, 0.9, 1.5, 1.9] {
            let rho: f64 = a / 2.0;
            let closed = 2.0 * rho * rho / (1.0 + rho);
            assert!((erlang_c(2, a) - closed).abs() < 1e-12, "a = {a}");
        }
        // c = 1 is M/M/1: P(wait) = rho.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        assert_eq!(erlang_c(3, 3.0), 1.0);
    }

    #[test]
    fn mm1_wait_is_rho_over_mu_minus_lambda() {
        let q = mmc(1.0 / 60.0, 42.0, 1).unwrap();
        let (l, mu) = (1.0 / 60.0, 1.0 / 42.0);
        assert!((q.wait_mean_min - (l / mu) / (mu - l)).abs() < 1e-9);
        assert!(mmc(1.0, 2.0, 2).is_none());
    }
}
