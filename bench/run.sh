#!/usr/bin/env bash
# Builds lexzone's benchmarks (Release, -O2, no sanitizers), runs every bench binary with JSON output
# into bench/results/<binary>.json, measures lexzone_ner --threads 2 against --threads 1 as whole
# processes (bench/ner_threads.py, into bench/results/process/ner_threads.json), then writes
# bench/results/report.md with bench/report.py.
#
# Usage: bench/run.sh [-h|--help] [--quick] [Google Benchmark flags passed to every binary, e.g.
#        --benchmark_filter=AddHit]
#   --quick                      smoke run: 1 repetition, short minimum time, smaller sizes
#                                (exports LEXZONE_BENCH_QUICK=1, read by bench/common.hpp)
# Environment:
#   LEXZONE_CORPUS               corpus file (default: ../shared/data/corpus_docs.txt.gz beside the repo)
#   LEXZONE_BENCH_REPETITIONS    repetitions of a full run (default 5; medians are reported)
#   LEXZONE_BENCH_MIN_TIME       minimum seconds per repetition of a full run (default 0.25)
#   LEXZONE_BENCH_BINARIES       space-separated binaries to run (default: every bench_* binary)
#   LEXZONE_BENCH_BUILD_DIR      build directory (default: build-bench)
#   LEXZONE_BENCH_JOBS           parallel compile jobs (default 1)
#   LEXZONE_BENCH_PROCESS        0 skips the whole-process measurement of lexzone_ner (default 1)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="${LEXZONE_BENCH_BUILD_DIR:-$root/build-bench}"
results="$here/results"

usage() { sed -n '2,/^set -euo pipefail/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  usage
  exit 0
fi
quick=0
if [[ "${1:-}" == "--quick" ]]; then
  quick=1
  shift
fi
# Anything else must be a Google Benchmark flag: refused here, before minutes of building, not by the first
# binary afterwards.
for arg in "$@"; do
  if [[ "$arg" != --benchmark_* ]]; then
    echo "bench/run.sh: unknown argument '$arg' (--quick first, then Google Benchmark flags --benchmark_*)" >&2
    usage >&2
    exit 2
  fi
done
if ((quick)); then
  export LEXZONE_BENCH_QUICK=1
  reps=1
  min_time=0.05
else
  unset LEXZONE_BENCH_QUICK
  reps="${LEXZONE_BENCH_REPETITIONS:-5}"
  min_time="${LEXZONE_BENCH_MIN_TIME:-0.25}"
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DLEXZONE_BUILD_TESTS=OFF -DLEXZONE_BUILD_EXAMPLES=ON -DLEXZONE_BUILD_BENCH=ON -DLEXZONE_SANITIZE=
cmake --build "$build" -j "${LEXZONE_BENCH_JOBS:-1}" --target lexzone_benches lexzone_ner

mkdir -p "$results/process"
rm -f "$results"/*.json "$results"/process/*.json "$results"/report.md

if [[ -n "${LEXZONE_BENCH_BINARIES:-}" ]]; then
  read -r -a names <<<"$LEXZONE_BENCH_BINARIES"
else
  names=()
  for bin in "$build"/bench/bench_*; do
    [[ -f "$bin" && -x "$bin" ]] && names+=("$(basename "$bin")")
  done
fi

status=0
for name in "${names[@]}"; do
  echo "== $name (repetitions=$reps, min_time=$min_time)"
  start=$SECONDS
  if ! "$build/bench/$name" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
      --benchmark_enable_random_interleaving=true \
      --benchmark_min_time="$min_time" --benchmark_out="$results/$name.json" --benchmark_out_format=json "$@"; then
    echo "!! $name failed" >&2
    status=1
  fi
  echo "== $name: $((SECONDS - start)) s"
done

if [[ "${LEXZONE_BENCH_PROCESS:-1}" != 0 ]]; then
  echo "== lexzone_ner --threads 2 vs --threads 1 (whole process, repetitions=$reps)"
  if ((quick)); then process_args=(--lines 40000 --repetitions 1); else process_args=(--repetitions "$reps"); fi
  python3 "$here/ner_threads.py" "$build/examples/lexzone_ner" "$here/data/ner_patterns.jsonl" \
    "$results/process/ner_threads.json" "${process_args[@]}" || status=1
fi

# A full run (every binary, no flags) must measure every goal: report.py --strict fails on an unmeasured
# goal or a benchmark's error. A filtered run leaves goals unmeasured by design.
report_args=()
if [[ -z "${LEXZONE_BENCH_BINARIES:-}" && $# -eq 0 ]]; then report_args=(--strict); fi
python3 "$here/report.py" "${report_args[@]}" "$results" || status=1
exit "$status"
