#!/usr/bin/env bash
# Cross-check policesim's per-station strategy against the SimPy reference
# model on the same replayed incident stream, and compare their speed.
#
# Usage: bash benches/reference/compare.sh [DAYS]    (default 365)
# Needs: cargo, python3 >= 3.11, simpy (pip install simpy).
# Files go to a temporary directory, removed at the end unless KEEP=1.
# Each model runs REPEAT times (default 5); the timings are the medians.
# policesim's whole process is timed as a user runs it: parse the scenario and
# the stream, simulate, write every output, charts and report.html included;
# the chart and report time alone is `policesim chart` on that folder.
set -euo pipefail

DAYS="${1:-365}"
REPEAT="${REPEAT:-5}"
cd "$(dirname "$0")/../.."
HERE=benches/reference
SCENARIO="$HERE/reference.toml"
BIN=target/release/policesim
WORK="$(mktemp -d /tmp/policesim-reference.XXXXXX)"
if [[ "${KEEP:-0}" == 1 ]]; then
    echo "keeping files in $WORK"
else
    trap 'rm -rf "$WORK"' EXIT
fi
STREAM="$WORK/stream-${DAYS}d.csv"

now() { date +%s.%N; }
# Runs a command with stdout/stderr to files; shows stderr if it fails.
quiet() {
    local name="$1"
    shift
    if ! "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"; then
        echo "error: $name failed:" >&2
        cat "$WORK/$name.err" >&2
        exit 1
    fi
}

echo "== build"
cargo build --release --quiet

echo "== generate a ${DAYS}-day stream"
quiet generate "$BIN" generate "$SCENARIO" --days "$DAYS" --out "$STREAM"
echo "$(($(wc -l <"$STREAM") - 1)) incidents in $STREAM"

# Median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Runs a command REPEAT times. Each run appends to $WORK/NAME.times the time
# its own timing line reports (the line of NAME.err matching PATTERN; SED
# extracts the seconds) and the wall time of the whole process.
time_runs() {
    local name="$1" pattern="$2" sed_expr="$3"
    shift 3
    : >"$WORK/$name.times"
    for _ in $(seq "$REPEAT"); do
        local t0 t1 line
        t0=$(now)
        quiet "$name" "$@"
        t1=$(now)
        line=$(grep "$pattern" "$WORK/$name.err")
        echo "$line"
        echo "$(sed -n "$sed_expr" <<<"$line") $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
            >>"$WORK/$name.times"
    done
}

echo "== policesim run (x$REPEAT)"
time_runs policesim '^simulated ' 's/^simulated [0-9]* events in \([0-9.]*\) s.*/\1/p' \
    "$BIN" run "$SCENARIO" --incidents "$STREAM" --days "$DAYS" \
    --replications 1 --threads 1 --per-incident --out "$WORK/policesim"
engine_s=$(cut -d' ' -f1 "$WORK/policesim.times" | median)
policesim_p=$(cut -d' ' -f2 "$WORK/policesim.times" | median)

echo "== policesim chart: charts and report.html alone (x$REPEAT)"
: >"$WORK/chart.times"
for _ in $(seq "$REPEAT"); do
    t0=$(now)
    quiet chart "$BIN" chart "$WORK/policesim"
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$WORK/chart.times"
done
chart_p=$(median <"$WORK/chart.times")

echo "== SimPy reference model (x$REPEAT)"
time_runs simpy '^simpy: ' 's/.*simulated in \([0-9.]*\) s.*/\1/p' \
    python3 "$HERE/per_station_simpy.py" "$SCENARIO" "$STREAM" "$WORK/simpy.csv" --days "$DAYS"
simpy_s=$(cut -d' ' -f1 "$WORK/simpy.times" | median)
simpy_p=$(cut -d' ' -f2 "$WORK/simpy.times" | median)

echo "== check"
python3 "$HERE/check.py" "$WORK/policesim/incidents.csv" "$WORK/simpy.csv"

echo "== timings (${DAYS} days, 1 replication, 1 thread, $(nproc) core(s); medians of $REPEAT runs)"
awk -v e="$engine_s" -v s="$simpy_s" -v p="$policesim_p" -v q="$simpy_p" -v c="$chart_p" 'BEGIN {
    printf "simulation only: policesim engine %8.3f s   SimPy env.run %8.3f s   SimPy/policesim %6.1fx\n", e, s, s / e
    printf "whole process:   policesim run    %8.3f s   SimPy script  %8.3f s   SimPy/policesim %6.1fx\n", p, q, q / p
    printf "whole policesim run (charts included) against SimPy env.run alone:            %6.1fx\n", s / p
    printf "of which charts and report.html:  policesim chart  %8.3f s\n", c
}'
