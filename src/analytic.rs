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

/// The fewest servers `c` with Erlang C at most `max_wait_prob` for an
/// offered load of `a` erlangs (the classic staffing question; Tijms,
/// *A First Course in Stochastic Models*, table of minimal c).
///
/// ```
/// // 10 erlangs: P(wait) <= 0.2 needs 14 servers, <= 0.1 needs 16.
/// assert_eq!(policesim::analytic::min_servers(10.0, 0.2), 14);
/// assert_eq!(policesim::analytic::min_servers(10.0, 0.1), 16);
/// ```
pub fn min_servers(a: f64, max_wait_prob: f64) -> u32 {
    let mut c = 1;
    while erlang_c(c, a) > max_wait_prob {
        c += 1;
    }
    c
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

/// A demand atom of the hypercube model: where calls come from and which
/// units it prefers.
#[derive(Debug, Clone, PartialEq)]
pub struct Atom {
    /// Call rate, per minute.
    pub lambda_per_min: f64,
    /// Every unit, most preferred first (nearest-available dispatch).
    pub preference: Vec<usize>,
    /// The units whose district the atom is in (answers by any other unit
    /// count as cross-district).
    pub own: Vec<usize>,
}

/// Exact steady-state figures of the hypercube model.
#[derive(Debug, Clone, PartialEq)]
pub struct Hypercube {
    /// Busy probability (workload) of each unit.
    pub workload: Vec<f64>,
    /// Probability a call finds every unit busy (and waits).
    pub p_wait: f64,
    /// Mean wait in queue, minutes.
    pub wait_mean_min: f64,
    /// Share of calls answered by a unit other than the atom's own.
    pub cross_district_share: f64,
    /// `dispatch[j][i]`: share of atom `j`'s calls answered by unit `i`.
    pub dispatch: Vec<Vec<f64>>,
}

/// Why a hypercube model cannot be solved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HypercubeError {
    /// Too many units for the 2^N state space.
    #[error("{0} units: the exact model has 2^{0} states; at most 16 units are supported")]
    TooManyUnits(usize),
    /// Offered load at or above the number of units.
    #[error("offered load {load:.3} erlangs >= {units} units: no steady state")]
    Unstable {
        /// Offered load.
        load: f64,
        /// Units.
        units: usize,
    },
    /// Inconsistent input.
    #[error("invalid input: {0}")]
    Invalid(String),
}

/// Solves Larson's hypercube queueing model with an infinite FCFS queue:
/// `n` distinguishable units, exponential service with mean
/// `service_mean_min` for every unit and atom, each call sent to the first
/// free unit of its atom's preference list, calls arriving when all are busy
/// queued and served first come, first served.
///
/// The 2^n "loss" chain is solved by Gauss-Seidel; the queue is the M/M/n
/// tail hanging off the all-busy state, whose censoring leaves the relative
/// probabilities of the other states unchanged.
///
/// ```
/// use policesim::analytic::{Atom, hypercube};
/// // Two units, each with its own atom of equal rate: symmetric workloads.
/// let atoms = vec![
///     Atom { lambda_per_min: 0.01, preference: vec![0, 1], own: vec![0] },
///     Atom { lambda_per_min: 0.01, preference: vec![1, 0], own: vec![1] },
/// ];
/// let h = hypercube(2, &atoms, 30.0).unwrap();
/// // Workload = offered load per unit = 0.02 * 30 / 2.
/// assert!((h.workload[0] - 0.3).abs() < 1e-9);
/// ```
pub fn hypercube(
    n: usize,
    atoms: &[Atom],
    service_mean_min: f64,
) -> Result<Hypercube, HypercubeError> {
    if n == 0 || n > 16 {
        return Err(HypercubeError::TooManyUnits(n));
    }
    if !(service_mean_min > 0.0 && service_mean_min.is_finite()) {
        return Err(HypercubeError::Invalid(format!(
            "service mean {service_mean_min}"
        )));
    }
    for a in atoms {
        let mut seen = vec![false; n];
        for &u in &a.preference {
            if u >= n || seen[u] {
                return Err(HypercubeError::Invalid(
                    "each preference list must name every unit once".into(),
                ));
            }
            seen[u] = true;
        }
        if a.preference.len() != n || a.own.iter().any(|&u| u >= n) {
            return Err(HypercubeError::Invalid(
                "each preference list must name every unit once".into(),
            ));
        }
    }
    let mu = 1.0 / service_mean_min;
    let lambda: f64 = atoms.iter().map(|a| a.lambda_per_min).sum();
    let load = lambda / mu;
    if load >= n as f64 {
        return Err(HypercubeError::Unstable { load, units: n });
    }
    let states = 1usize << n;
    let full = states - 1;
    let first_free = |a: &Atom, s: usize| a.preference.iter().copied().find(|&u| s & (1 << u) == 0);
    // rate_to[s * n + i]: arrival rate sent to unit i in state s.
    let mut rate_to = vec![0.0; states * n];
    for s in 0..full {
        for a in atoms {
            if let Some(u) = first_free(a, s) {
                rate_to[s * n + u] += a.lambda_per_min;
            }
        }
    }
    let out_rate: Vec<f64> = (0..states)
        .map(|s| {
            let arrivals: f64 = rate_to[s * n..(s + 1) * n].iter().sum();
            arrivals + f64::from(s.count_ones()) * mu
        })
        .collect();
    let mut pi = vec![1.0 / states as f64; states];
    for _sweep in 0..100_000 {
        let mut change: f64 = 0.0;
        for s in 0..states {
            let mut inflow = 0.0;
            for i in 0..n {
                let bit = 1 << i;
                if s & bit != 0 {
                    let from = s ^ bit;
                    inflow += pi[from] * rate_to[from * n + i];
                } else {
                    inflow += pi[s | bit] * mu;
                }
            }
            let new = inflow / out_rate[s];
            change = change.max((new - pi[s]).abs() / new.max(1e-300));
            pi[s] = new;
        }
        let total: f64 = pi.iter().sum();
        for p in &mut pi {
            *p /= total;
        }
        if change < 1e-13 {
            break;
        }
    }
    let rho = load / n as f64;
    let c = 1.0 / (1.0 - pi[full] + pi[full] / (1.0 - rho));
    let p: Vec<f64> = pi.iter().map(|x| x * c).collect();
    let p_wait = p[full] / (1.0 - rho);
    let queue_mass = p_wait - p[full];
    let workload = (0..n)
        .map(|i| {
            (0..states)
                .filter(|s| s & (1 << i) != 0)
                .map(|s| p[s])
                .sum::<f64>()
                + queue_mass
        })
        .collect();
    let dispatch: Vec<Vec<f64>> = atoms
        .iter()
        .map(|a| {
            let mut f = vec![p_wait / n as f64; n];
            for (s, ps) in p.iter().enumerate().take(full) {
                if let Some(u) = first_free(a, s) {
                    f[u] += ps;
                }
            }
            f
        })
        .collect();
    let cross = atoms
        .iter()
        .zip(&dispatch)
        .map(|(a, f)| a.lambda_per_min * (1.0 - a.own.iter().map(|&u| f[u]).sum::<f64>()))
        .sum::<f64>()
        / lambda;
    Ok(Hypercube {
        workload,
        p_wait,
        wait_mean_min: p_wait / (n as f64 * mu - lambda),
        cross_district_share: cross,
        dispatch,
    })
}

#[cfg(test)]
mod hypercube_tests {
    use super::*;

    #[test]
    fn identical_units_reduce_to_erlang_c() {
        // Three units, one atom: an M/M/3 queue.
        let atoms = vec![Atom {
            lambda_per_min: 1.0 / 15.0,
            preference: vec![0, 1, 2],
            own: vec![0],
        }];
        let h = hypercube(3, &atoms, 30.0).unwrap();
        let q = mmc(1.0 / 15.0, 30.0, 3).unwrap();
        assert!((h.p_wait - q.p_wait).abs() < 1e-10);
        assert!((h.wait_mean_min - q.wait_mean_min).abs() < 1e-8);
        let mean_load: f64 = h.workload.iter().sum::<f64>() / 3.0;
        assert!((mean_load - 2.0 / 3.0).abs() < 1e-10);
        // Unit 0 is always tried first, so it works hardest.
        assert!(h.workload[0] > h.workload[1] && h.workload[1] > h.workload[2]);
    }

    #[test]
    fn two_units_match_the_hand_solved_chain() {
        // Two units, atom A prefers 0 (rate a), atom B prefers 1 (rate b),
        // mu = 1, solved by hand below for a = 0.3, b = 0.1.
        let (a, b) = (0.3, 0.1);
        let atoms = vec![
            Atom {
                lambda_per_min: a,
                preference: vec![0, 1],
                own: vec![0],
            },
            Atom {
                lambda_per_min: b,
                preference: vec![1, 0],
                own: vec![1],
            },
        ];
        let h = hypercube(2, &atoms, 1.0).unwrap();
        // Solve the 4-state loss chain directly (unnormalised, p00 = 1):
        // state "0 busy only" = s1, "1 busy only" = s2, both = s3.
        // s1: in a*p00 + mu*s3 (1 finishes); out (mu + b... calls of both
        // atoms go to unit 1) -> (1 + a + b) s1 = a + s3
        // s2: (1 + a + b) s2 = b + s3
        // s3: 2 s3 = (a + b) (s1 + s2)
        let l = a + b;
        // From the first two: s1 - s2 = (a - b) / (1 + l).
        // Sum: (1 + l)(s1 + s2) = l + 2 s3 = l + l (s1 + s2) -> s1 + s2 = l.
        let sum = l;
        let s3 = l * sum / 2.0;
        let s1 = (sum + (a - b) / (1.0 + l)) / 2.0;
        let s2 = sum - s1;
        let rho = l / 2.0;
        let z = 1.0 + s1 + s2 + s3 / (1.0 - rho);
        let queue = s3 / (1.0 - rho) - s3;
        let w0 = (s1 + s3 + queue) / z;
        let w1 = (s2 + s3 + queue) / z;
        assert!(
            (h.workload[0] - w0).abs() < 1e-10,
            "{} vs {w0}",
            h.workload[0]
        );
        assert!((h.workload[1] - w1).abs() < 1e-10);
        // Cross-district: A's calls go to 1 when only 0 is busy; B's to 0
        // when only 1 is busy; queued calls half each.
        let pw = s3 / (1.0 - rho) / z;
        let cross = (a * (s1 / z + pw / 2.0) + b * (s2 / z + pw / 2.0)) / l;
        assert!((h.cross_district_share - cross).abs() < 1e-10);
    }

    #[test]
    fn rejects_unstable_and_oversized_models() {
        let atoms = vec![Atom {
            lambda_per_min: 1.0,
            preference: vec![0],
            own: vec![0],
        }];
        assert!(matches!(
            hypercube(1, &atoms, 2.0),
            Err(HypercubeError::Unstable { .. })
        ));
        assert!(matches!(
            hypercube(17, &[], 1.0),
            Err(HypercubeError::TooManyUnits(17))
        ));
    }
}

/// One exact model that a strategy reduces to.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    /// An M/M/c queue (a station, or a zone whose groups share a hub).
    ErlangC {
        /// Whose units: `station "a"`, `zone "north"`.
        name: String,
        /// Units.
        units: u32,
        /// Calls per minute.
        lambda_per_min: f64,
        /// Mean busy time per call, minutes.
        service_mean_min: f64,
        /// The exact figures (`None` when unstable).
        result: Option<Mmc>,
    },
    /// Larson's hypercube over distinguishable units.
    Hypercube {
        /// Unit names, in model order.
        units: Vec<String>,
        /// Calls per minute.
        lambda_per_min: f64,
        /// Mean busy time per call, minutes.
        service_mean_min: f64,
        /// The exact figures, or why they could not be computed.
        result: Result<Hypercube, HypercubeError>,
    },
}

/// How a strategy of a scenario maps onto exact queueing models.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Strategy name.
    pub strategy: String,
    /// Why the scenario does not fit (empty when it does).
    pub misfits: Vec<String>,
    /// Assumptions of the model the scenario only approximately meets.
    pub approximations: Vec<String>,
    /// The models (empty when it does not fit).
    pub models: Vec<Model>,
}

/// Maps `cfg` on `s` to Erlang C or hypercube models, or says why it cannot.
pub fn analyse(s: &crate::Scenario, cfg: &crate::strategy::StrategyConfig) -> Analysis {
    use crate::strategy::{CallInWhen, CrossZone, StrategyConfig};
    let mut misfits = Vec::new();
    let mut approximations = Vec::new();
    let kinds = &s.incidents.kinds;
    for k in kinds {
        if k.units != 1 || k.escalation.is_some() {
            misfits.push(format!(
                "kind {:?} needs more than one unit (the models have one unit per call)",
                k.name
            ));
        }
        // Busy time must be exponential: an exponential on-scene time with
        // no case handling, or no time on scene and exponential case handling.
        let fixed_zero = |d: &crate::dist::Dist| matches!(d.spec(), crate::dist::DistSpec::Fixed { value } if *value == 0.0);
        let exponential = (k.on_scene.is_exponential() && fixed_zero(&k.case_handling))
            || (fixed_zero(&k.on_scene) && k.case_handling.is_exponential());
        if !exponential {
            misfits.push(format!(
                "kind {:?}: busy time (on scene + case handling) is not exponential",
                k.name
            ));
        }
    }
    let means: Vec<f64> = kinds
        .iter()
        .map(|k| k.on_scene.mean() + k.case_handling.mean())
        .collect();
    let h = &s.incidents.hourly;
    if h.iter()
        .any(|w| (w - h[0]).abs() > 1e-12 * h[0].abs().max(1.0))
    {
        misfits.push("calls follow an hourly profile; the models need a constant call rate".into());
    }
    if let Some(w) = &s.incidents.weekly {
        if w.iter()
            .any(|v| (v - w[0]).abs() > 1e-12 * w[0].abs().max(1.0))
        {
            misfits
                .push("calls follow a weekly profile; the models need a constant call rate".into());
        }
    }
    if means.iter().any(|m| (m - means[0]).abs() > 1e-9 * means[0]) {
        misfits.push(
            "kinds have different mean on-scene times (the models need one service rate)".into(),
        );
    }
    if !s.squads.is_empty() && kinds.iter().any(|k| k.traffic && k.share > 0.0) {
        misfits
            .push("road accidents go to a traffic squad, a second system not in the models".into());
    }
    match cfg {
        StrategyConfig::PerStation(c)
            if c.callin_when == CallInWhen::WhenBusy && c.callin_units > 0 =>
        {
            misfits.push(
                "call-in units join when the station is busy (state-dependent capacity)".into(),
            );
        }
        StrategyConfig::ZoneCooperation(c) => {
            if !c.mobile_standby.is_empty() {
                misfits.push("standby on the move changes unit positions by hour".into());
            }
            if c.cross_zone == CrossZone::WhenAllBusy {
                misfits.push(
                    "zones lend groups to each other (the zones are not independent queues)".into(),
                );
            }
        }
        StrategyConfig::TrafficMerged(_) | StrategyConfig::StationWhistle(_) => {
            misfits.push(format!(
                "{} has no exact queueing model here (two-tier dispatch)",
                cfg.name()
            ));
        }
        _ => {}
    }
    if s.demand.iter().any(|d| d.spread_km > 0.0) {
        approximations.push(
            "demand points scatter incidents (spread_km > 0): atoms stand for their centres".into(),
        );
    }
    if s.demand.iter().any(|d| d.area) {
        approximations.push(
            "area demand spreads incidents over the stations' cells: atoms stand for the cells' centroids".into(),
        );
    }
    if !misfits.is_empty() {
        return Analysis {
            strategy: cfg.name().to_string(),
            misfits,
            approximations,
            models: Vec::new(),
        };
    }
    let plan = cfg.plan(s).expect("validated scenario");
    let on_scene = means[0];
    let lambda = s.incidents.per_day / crate::scenario::MIN_PER_DAY;
    let total_w: f64 = s.demand.iter().map(|d| d.weight).sum();
    let units: Vec<usize> = (0..plan.fleet.len())
        .filter(|&u| plan.fleet[u].on_duty())
        .collect();
    // Mean travel out and back, for the approximation note.
    let travel: f64 = s
        .demand
        .iter()
        .map(|d| {
            let base = plan
                .fleet
                .iter()
                .filter(|u| u.station == d.station)
                .map(|u| u.base)
                .next();
            let base = base.unwrap_or(s.stations[d.station].pos);
            d.weight / total_w
                * (s.travel.response_min(base, d.pos) + s.travel.drive_min(d.pos, base))
        })
        .sum();
    if travel > 0.01 * on_scene {
        approximations.push(format!(
            "travel adds about {travel:.1} min to each {on_scene:.1}-min job; the models take busy time = on-scene time"
        ));
    }
    let mut models = Vec::new();
    let mut erlang = |name: String, c: u32, share: f64| {
        let l = lambda * share;
        models.push(Model::ErlangC {
            name,
            units: c,
            lambda_per_min: l,
            service_mean_min: on_scene,
            result: mmc(l, on_scene, c),
        });
    };
    let shares = s.station_call_shares();
    match cfg {
        StrategyConfig::PerStation(c) => {
            for (i, st) in s.stations.iter().enumerate() {
                erlang(format!("station {:?}", st.id), c.units_at(s, i), shares[i]);
            }
        }
        StrategyConfig::ZoneCooperation(c) => {
            for (zi, z) in s.zones.iter().enumerate() {
                let share: f64 = z.stations.iter().map(|&i| shares[i]).sum();
                erlang(format!("zone {:?}", z.id), c.groups_in(s, zi), share);
            }
            for (i, st) in s.stations.iter().enumerate() {
                if s.zone_of(i).is_none() {
                    erlang(
                        format!("station {:?}", st.id),
                        c.outside_units_per_station,
                        shares[i],
                    );
                }
            }
        }
        _ => {
            let atoms: Vec<Atom> = s
                .demand
                .iter()
                .map(|d| {
                    let mut pref: Vec<(f64, usize)> = units
                        .iter()
                        .enumerate()
                        .map(|(k, &u)| (s.travel.response_min(plan.fleet[u].base, d.pos), k))
                        .collect();
                    pref.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    Atom {
                        lambda_per_min: lambda * d.weight / total_w,
                        preference: pref.into_iter().map(|(_, k)| k).collect(),
                        own: (0..units.len())
                            .filter(|&k| plan.fleet[units[k]].station == d.station)
                            .collect(),
                    }
                })
                .collect();
            models.push(Model::Hypercube {
                units: units.iter().map(|&u| plan.fleet[u].name.clone()).collect(),
                lambda_per_min: lambda,
                service_mean_min: on_scene,
                result: hypercube(units.len(), &atoms, on_scene),
            });
        }
    }
    Analysis {
        strategy: cfg.name().to_string(),
        misfits,
        approximations,
        models,
    }
}
