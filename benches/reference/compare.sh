#!/usr/bin/env bash
# Cross-check policesim's per-station strategy against the SimPy reference
# model on the same replayed incident stream, and compare their speed.
#
# Usage: bash benches/reference/compare.sh [DAYS]    (default 365)
# Needs: cargo, python3 >= 3.11, simpy (pip install simpy).
# Files go to a temporary directory, removed at the end unless KEEP=1.
set -euo pipefail

DAYS="${1:-365}"
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

echo "== policesim run"
t0=$(now)
quiet policesim "$BIN" run "$SCENARIO" --incidents "$STREAM" --days "$DAYS" \
    --replications 1 --threads 1 --per-incident --no-charts --out "$WORK/policesim"
t1=$(now)
timing=$(grep '^simulated ' "$WORK/policesim.err")
echo "$timing"
engine_s=$(sed -n 's/^simulated [0-9]* events in \([0-9.]*\) s.*/\1/p' <<<"$timing")

echo "== SimPy reference model"
t2=$(now)
quiet simpy python3 "$HERE/per_station_simpy.py" "$SCENARIO" "$STREAM" "$WORK/simpy.csv" --days "$DAYS"
t3=$(now)
simpy_line=$(grep '^simpy: ' "$WORK/simpy.err")
echo "$simpy_line"
simpy_s=$(sed -n 's/.*simulated in \([0-9.]*\) s.*/\1/p' <<<"$simpy_line")

echo "== check"
python3 "$HERE/check.py" "$WORK/policesim/incidents.csv" "$WORK/simpy.csv"

echo "== timings (${DAYS} days, 1 replication, 1 thread, $(nproc) core(s))"
awk -v e="$engine_s" -v s="$simpy_s" -v p="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
    -v q="$(awk -v a="$t2" -v b="$t3" 'BEGIN { print b - a }')" 'BEGIN {
    printf "simulation only: policesim engine %8.3f s   SimPy env.run %8.3f s   SimPy/policesim %6.1fx\n", e, s, s / e
    printf "whole process:   policesim run    %8.3f s   SimPy script  %8.3f s   SimPy/policesim %6.1fx\n", p, q, q / p
}'
