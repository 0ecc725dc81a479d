#!/usr/bin/env python3
"""Reference model of policesim's per-station strategy, written with SimPy.

Usage: per_station_simpy.py SCENARIO.toml STREAM.csv OUT.csv [--days D]

Replays a stream written by `policesim generate` and writes one row per
cleared incident (id,call_min,dispatch_min,arrive_min,clear_min,unit) for
check.py to compare with policesim's incidents.csv. Rules, as in
src/engine/mod.rs and src/strategy/{per_station,parts}.rs: a call is ready
call_min + (call_processing_min + handoff_min); the lowest-numbered free unit
of its station is sent, else it waits in the station's queue by (priority,
ready time, insertion order); the unit drives turnout + drive, stays
on_scene_min (the incident clears when it leaves), drives back (no turnout),
does case_min at base if > 0, then takes the head of the queue at once.
Events after the horizon are not processed. Only km positions, single-unit
kinds and duty units (no call-in, squads or escalation) are supported.
"""

import argparse
import csv
import heapq
import math
import sys
import time
import tomllib
from collections import namedtuple

import simpy

MIN_PER_DAY = 1440.0
Incident = namedtuple("Incident", "id call x y priority on_scene case station")


def distance_km(ax, ay, bx, by):
    dx, dy = ax - bx, ay - by
    return math.sqrt(dx * dx + dy * dy)  # as policesim: sqrt, not hypot


def nearest(points, x, y):
    """Index of the point nearest to (x, y); ties go to the first."""
    best, best_d = 0, math.inf
    for i, (px, py) in enumerate(points):
        if (d := distance_km(px, py, x, y)) < best_d:
            best, best_d = i, d
    return best


class Model:
    def __init__(self, sc, days):
        assert not sc.get("traffic_squads"), "traffic squads are not modelled"
        per_station = sc["strategies"]["per_station"]
        assert per_station.get("callin_units", 0) == 0, "call-in units are not modelled"
        self.units = per_station["units"]
        travel, dispatch = sc.get("travel", {}), sc.get("dispatch", {})
        self.speed = float(travel.get("speed_kmh", 40.0))
        self.detour = float(travel.get("detour", 1.3))
        self.turnout = float(travel.get("turnout_min", 0.0))
        # The sum first, then added to the call time (RunSpec::ready_delay_min).
        self.ready_delay = float(dispatch.get("call_processing_min", 0.0)) + float(dispatch.get("handoff_min", 0.0))
        self.horizon = float(days if days is not None else sc["scenario"]["days"]) * MIN_PER_DAY
        self.warmup = float(sc["scenario"].get("warmup_days", 0.0)) * MIN_PER_DAY
        self.stations = [(s["id"], float(s["x_km"]), float(s["y_km"])) for s in sc["stations"]]
        ids, bases = [s[0] for s in self.stations], [s[1:] for s in self.stations]
        self.demand = []  # (x, y, station); without `station`, the nearest station
        for d in sc["demand"]:
            x, y = float(d["x_km"]), float(d["y_km"])
            self.demand.append((x, y, ids.index(d["station"]) if "station" in d else nearest(bases, x, y)))
        self.priority = {}
        for k in sc["incidents"]["kinds"]:
            assert k.get("units", 1) == 1 and "escalation" not in k, f"kind {k['name']}: one unit only"
            self.priority[k["name"]] = k.get("priority", 1)

    def drive_min(self, ax, ay, bx, by):
        return self.detour * distance_km(ax, ay, bx, by) / self.speed * 60.0

    def read_stream(self, path):
        """Calls before the horizon, by (call_min, id); jurisdiction = the
        station of the nearest demand point."""
        points = [d[:2] for d in self.demand]
        with open(path, newline="") as f:
            rows = [Incident(int(r["id"]), float(r["call_min"]), float(r["x_km"]), float(r["y_km"]),
                             self.priority[r["kind"].strip()], float(r["on_scene_min"]), float(r["case_min"]),
                             self.demand[nearest(points, float(r["x_km"]), float(r["y_km"]))][2])
                    for r in csv.DictReader(f)]
        return sorted((i for i in rows if i.call < self.horizon), key=lambda i: (i.call, i.id))


class Station:
    """A station's units and wait queue (Stations and WaitQueue in parts.rs).

    Each dispatch is decided at the instant it happens and the unit's arrival
    is scheduled at once, as policesim pushes its Arrive event, so events on
    the same instant keep policesim's order. (simpy.PriorityResource orders
    waiting calls the same way but hands a freed unit over one event later,
    when a call ready at that very instant can take it first.)
    """

    def __init__(self, env, sid, units):
        self.env, self.id = env, sid
        self.free = [True] * units  # unit n is free[n - 1]
        self.queue = []  # heap of (priority, ready time, insertion number, response, wake event)
        self.inserted = 0

    def send(self, n, response):
        """Sends unit n now: (n, dispatch time, arrival event)."""
        self.free[n - 1] = False
        return n, self.env.now, self.env.timeout(response)

    def dispatch(self, priority, response):
        """At ready: sends the lowest-numbered free unit, else queues the call
        and returns the event a freed unit will trigger."""
        for n, free in enumerate(self.free, 1):
            if free:
                return self.send(n, response)
        wake = self.env.event()
        heapq.heappush(self.queue, (priority, self.env.now, self.inserted, response, wake))
        self.inserted += 1
        return wake

    def release(self, n):
        """Unit n is free: it takes the head of the queue at once."""
        self.free[n - 1] = True
        if self.queue:
            *_, response, wake = heapq.heappop(self.queue)
            # The arrival is scheduled now, as in policesim; the waiting process
            # resumes later at this same instant and only waits for it.
            wake.succeed(self.send(n, response))


def simulate(m, incidents):
    env = simpy.Environment()
    stations = [Station(env, sid, m.units) for sid, _, _ in m.stations]
    out = []

    def exact_delay(now, at):
        # Timeouts are relative: find the delay that lands exactly on `at`.
        d = at - now
        while now + d < at:
            d = math.nextafter(d, math.inf)
        while now + d > at:
            d = math.nextafter(d, -math.inf)
        return d

    def incident(inc):
        st, (_, bx, by) = stations[inc.station], m.stations[inc.station]
        drive = m.drive_min(bx, by, inc.x, inc.y)
        if m.ready_delay > 0.0:  # otherwise policesim dispatches within the call event
            yield env.timeout(m.ready_delay)
        trip = st.dispatch(inc.priority, m.turnout + drive)
        if isinstance(trip, simpy.Event):
            trip = yield trip  # waited in the queue
        n, dispatch, to_scene = trip
        yield to_scene
        arrive = env.now
        yield env.timeout(inc.on_scene)
        if inc.call >= m.warmup:
            out.append((inc.id, inc.call, dispatch, arrive, env.now, f"{st.id}-{n}"))
        # Back to base (no turnout), then case handling: policesim marks the
        # end of both with one event, scheduled now, at (leave + drive) + case.
        yield env.timeout(exact_delay(env.now, (env.now + drive) + inc.case))
        st.release(n)

    def calls():
        for inc in incidents:
            yield env.timeout(exact_delay(env.now, inc.call))
            env.process(incident(inc))

    env.process(calls())
    started = time.perf_counter()
    # policesim still processes events at t == horizon; SimPy stops before
    # the events at `until`, so stop at the next float after the horizon.
    env.run(until=math.nextafter(m.horizon, math.inf))
    return out, time.perf_counter() - started


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("stream")
    ap.add_argument("out")
    ap.add_argument("--days", type=float, help="horizon in days (default: the scenario's)")
    a = ap.parse_args()
    with open(a.scenario, "rb") as f:
        m = Model(tomllib.load(f), a.days)
    incidents = m.read_stream(a.stream)
    out, wall = simulate(m, incidents)
    with open(a.out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "call_min", "dispatch_min", "arrive_min", "clear_min", "unit"])
        w.writerows([r[0], *map(repr, r[1:5]), r[5]] for r in out)
    print(f"simpy: {len(incidents)} incidents in the horizon, {len(out)} cleared and written; "
          f"simulated in {wall:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
