#!/usr/bin/env bash
# Compares two builds of one benchmark binary on a noisy machine: paired runs, in alternating order, each
# benchmark once a run (random interleaving), and per benchmark the median time of each build and the
# median of the per-run speedups. Pairing cancels the slow drifts of a shared VM's speed, which shift
# whole runs; the ratio goals of bench/report.py are also given per build, as medians of per-run ratios.
#
# Usage: bench/compare.sh [--rounds N] [--filter REGEX] [--min-time S] BINARY_A BINARY_B (options anywhere)
#   e.g. cp build-bench/bench/bench_pipeline /tmp/before; (change, rebuild);
#        bench/compare.sh --filter 'Zones|NoZone|Segment/cache:1|Requests_(ZoneEach|OneZone)$' \
#          /tmp/before build-bench/bench/bench_pipeline
# Defaults: 10 rounds, every benchmark, 0.5 s a benchmark a run. Times are in ms: CPU time, or the
# benchmark's own measure for those timed by real or manual time (names with a /real_time or /manual_time part).
# A benchmark that reported an error in any run is left out, and named.
set -euo pipefail

rounds=10
filter=.
min_time=0.5
usage="usage: bench/compare.sh [--rounds N] [--filter REGEX] [--min-time S] BINARY_A BINARY_B"
binaries=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds | --filter | --min-time)
      if [[ $# -lt 2 ]]; then echo "compare.sh: $1 needs a value" >&2; exit 2; fi
      case "$1" in
        --rounds) rounds="$2" ;;
        --filter) filter="$2" ;;
        --min-time) min_time="$2" ;;
      esac
      shift 2 ;;
    -*) echo "compare.sh: unknown option $1" >&2; echo "$usage" >&2; exit 2 ;;
    *) binaries+=("$1"); shift ;;
  esac
done
if [[ ${#binaries[@]} -ne 2 ]]; then
  echo "compare.sh: two binaries expected, got ${#binaries[@]}" >&2
  echo "$usage" >&2
  exit 2
fi
for bin in "${binaries[@]}"; do
  if [[ ! -x "$bin" ]]; then echo "compare.sh: not an executable: $bin" >&2; exit 2; fi
done
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
  echo "compare.sh: --rounds must be a positive integer" >&2
  exit 2
fi
a="$(realpath "${binaries[0]}")"
b="$(realpath "${binaries[1]}")"
# Both builds read the same corpus (bench/corpus.sh).
# shellcheck source=bench/corpus.sh
source "$(dirname "${BASH_SOURCE[0]}")/corpus.sh"
export_corpus compare.sh
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

for ((r = 1; r <= rounds; ++r)); do
  if ((r % 2)); then order="A B"; else order="B A"; fi
  for x in $order; do
    bin="$a"
    [[ $x == B ]] && bin="$b"
    "$bin" --benchmark_filter="$filter" --benchmark_min_time="$min_time" --benchmark_enable_random_interleaving \
      --benchmark_repetitions=1 --benchmark_format=json >"$out/$x.$r.json"
  done
  echo "compare.sh: round $r of $rounds done" >&2
done

python3 - "$out" "$rounds" <<'PY'
import json
import statistics
import sys

folder, rounds = sys.argv[1], int(sys.argv[2])
unit_ms = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


errored = set()


def load(build, r):
    times = {}
    with open(f"{folder}/{build}.{r}.json") as f:
        text = f.read()
    if not text.strip():
        sys.exit("compare.sh: a run printed no results (does --filter match any benchmark?)")
    for b in json.loads(text)["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        name = b["name"]
        if b.get("error_occurred"):
            errored.add(name)
            continue
        parts = name.split("/")  # a thread benchmark's name ends in /threads:N, after /real_time
        wall = "real_time" in parts or "manual_time" in parts
        times[name] = b["real_time" if wall else "cpu_time"] * unit_ms[b["time_unit"]]
    return times


runs = {x: [load(x, r) for r in range(1, rounds + 1)] for x in "AB"}
names = sorted(set.intersection(*(set(t) for t in runs["A"] + runs["B"])) - errored)
for n in sorted(errored):
    print(f"compare.sh: {n} reported an error; left out", file=sys.stderr)
if not names:
    sys.exit("compare.sh: no benchmark ran in every run (check --filter)")
print(f"{'benchmark':40s} {'A ms':>10s} {'B ms':>10s} {'B speedup':>10s}  (median of paired A/B times)")
for n in names:
    a = [t[n] for t in runs["A"]]
    b = [t[n] for t in runs["B"]]
    paired = statistics.median(x / y for x, y in zip(a, b))
    print(f"{n:40s} {statistics.median(a):10.3f} {statistics.median(b):10.3f} {paired:9.3f}x")

# bench_pipeline's goal ratios (issue #13), when their benchmarks ran, as bench/report.py states them:
# time(first) / time(second), so the first three are throughput ratios (larger is better) and the last
# is the slowdown of a zone per request (smaller is better).
goals = [
    ("zones / no zones", "BM_Tokenize_NoZone/cache:1", "BM_Tokenize_Zones/cache:1"),
    ("zones / segmentation", "BM_Segment/cache:1", "BM_Tokenize_Zones/cache:1"),
    ("pipeline / segmentation", "BM_Segment/cache:1", "BM_Pipeline_Zones"),
    ("zone per request / one zone", "BM_Requests_ZoneEach", "BM_Requests_OneZone"),
]
for label, num, den in goals:
    if num in names and den in names:
        cells = []
        for x in "AB":
            ratios = [t[num] / t[den] for t in runs[x]]
            cells.append(f"{x} {statistics.median(ratios):.3f} [{min(ratios):.3f}-{max(ratios):.3f}]")
        print(f"{label:28s} " + "   ".join(cells))
PY
