#!/usr/bin/env python3
"""Tie test: policesim and the SimPy reference on a stream full of exact ties.

With continuous random times no two events ever fall on the same instant, so
the order of same-instant events is never exercised. This script builds a
variant of reference.toml and a stream in which every time is a multiple of
1/4 minute (integer call minutes, drives of 0 or 5 km at 60 km/h, detour 1,
call processing + hand-off = 2 min, durations in steps of 0.5 min, a third
of case handling 0), so many calls share a call time and units free at the
very instant other calls become ready, and some events fall exactly on the
horizon. A 1-day warm-up checks that early calls are left out. It runs both
models and check.py, then again with the horizon exactly on a clear time.

Usage (from the repository root, after cargo build --release):
    python3 benches/reference/ties.py [DAYS]    (default 30)
"""

import random
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
STATIONS = [(0, 0), (1, 14), (16, 3), (-2, -15), (-17, 1)]  # as in reference.toml
OFFSETS = [(0, 0), (3, 4), (-3, 4), (0, -5), (4, -3), (5, 0)]  # 0 or 5 km from a station


def variant(text):
    for old, new in [("speed_kmh = 45.0", "speed_kmh = 60.0"), ("detour = 1.3 ", "detour = 1.0 "),
                     ("handoff_min = 0.7", "handoff_min = 0.5"), ("warmup_days = 0 ", "warmup_days = 1 ")]:
        assert old in text, old
        text = text.replace(old, new)
    return text


def stream(days, per_day, rng):
    rows = []
    for i in range(1, int(days * per_day) + 1):
        (sx, sy), (ox, oy) = rng.choice(STATIONS), rng.choice(OFFSETS)
        case = rng.choice([0.0, rng.randrange(1, 60) * 0.5, rng.randrange(1, 60) * 0.5])
        rows.append((i, float(rng.randrange(0, int(days * 1440))), float(sx + ox), float(sy + oy),
                     rng.choice(["urgent", "general", "general", "minor"]), rng.randrange(1, 80) * 0.5, case))
    rng.shuffle(rows)  # the replay sorts by (call_min, id)
    return "id,call_min,x_km,y_km,kind,on_scene_min,case_min\n" + "".join(
        ",".join(map(str, r)) + "\n" for r in rows)


def run_pair(tmp, days):
    """Runs both models for `days` and check.py; returns the clear times written."""
    common = [str(tmp / "ties.toml"), "--days", repr(days)]
    subprocess.run([str(ROOT / "target/release/policesim"), "run", *common, "--incidents", str(tmp / "stream.csv"),
                    "--replications", "1", "--threads", "1", "--per-incident", "--no-charts", "--quiet",
                    "--out", str(tmp / "policesim")], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([sys.executable, str(HERE / "per_station_simpy.py"), str(tmp / "ties.toml"),
                    str(tmp / "stream.csv"), str(tmp / "simpy.csv"), "--days", repr(days)], check=True)
    # How often the order of same-instant events could matter.
    times, clears = {}, []
    for line in (tmp / "simpy.csv").read_text().splitlines()[1:]:
        _, call, dispatch, arrive, clear, unit = line.split(",")
        clears.append(float(clear))
        for t in (float(call) + 2.0, float(dispatch), float(arrive), float(clear)):
            key = (unit.rsplit("-", 1)[0], t)
            times[key] = times.get(key, 0) + 1
    print(f"ties: {sum(1 for n in times.values() if n > 1)} (station, instant) pairs shared by "
          "several ready/dispatch/arrive/clear times")
    if subprocess.run([sys.executable, str(HERE / "check.py"), str(tmp / "policesim/incidents.csv"),
                       str(tmp / "simpy.csv")]).returncode != 0:
        sys.exit(1)
    return clears


def main():
    days = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    with tempfile.TemporaryDirectory(prefix="policesim-ties.") as tmp:
        tmp = Path(tmp)
        (tmp / "ties.toml").write_text(variant((HERE / "reference.toml").read_text()))
        (tmp / "stream.csv").write_text(stream(days + 1, 110.0, random.Random(7)))  # one day past the horizon
        print(f"== {days} days")
        clears = run_pair(tmp, days)
        # Again with the horizon exactly on a clear time: policesim still
        # processes events at t == horizon, so that incident must be written.
        t = max(c for c in clears if (c / 1440.0) * 1440.0 == c and c < days * 1440.0)
        print(f"== {t / 1440.0!r} days (horizon = a clear time, {t} min)")
        assert t in run_pair(tmp, t / 1440.0), "the incident clearing at the horizon is missing"


if __name__ == "__main__":
    main()
