#!/usr/bin/env bash
# Counts the instructions of bench_pipeline's main scenarios under callgrind (bench/instructions.cpp says
# why): per scenario, the instructions a measured pass executes, per token and per unit (document or
# request); with two builds of lexzone_instructions, also B's count as a fraction of A's. Instruction
# counts are exact and repeatable on a noisy machine; they do not see cache misses (bench/compare.sh does).
#
# Usage: bench/instructions.sh [--scenarios LIST] [--bytes N] [--passes P] BINARY_A [BINARY_B]
#   e.g. cp build-bench/bench/lexzone_instructions /tmp/before; (change, rebuild);
#        bench/instructions.sh /tmp/before build-bench/bench/lexzone_instructions
# Defaults: every scenario, 1,000,000 bytes of documents, 3 passes. Needs valgrind (Debian: valgrind).
# A callgrind run is some 50 times slower than a native one: the defaults take about a minute a scenario.
set -euo pipefail

scenarios="segment tokenize_nozone tokenize_zones pipeline_zones requests_zone_each requests_one_zone"
bytes=1000000
passes=3
usage="usage: bench/instructions.sh [--scenarios LIST] [--bytes N] [--passes P] BINARY_A [BINARY_B]"
binaries=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scenarios | --bytes | --passes)
      if [[ $# -lt 2 ]]; then echo "instructions.sh: $1 needs a value" >&2; exit 2; fi
      case "$1" in
        --scenarios) scenarios="${2//,/ }" ;;
        --bytes) bytes="$2" ;;
        --passes) passes="$2" ;;
      esac
      shift 2 ;;
    -*) echo "instructions.sh: unknown option $1" >&2; echo "$usage" >&2; exit 2 ;;
    *) binaries+=("$1"); shift ;;
  esac
done
fail() { echo "instructions.sh: $*" >&2; exit 2; }
(( ${#binaries[@]} == 1 || ${#binaries[@]} == 2 )) || fail "one or two binaries expected, got ${#binaries[@]}; $usage"
for i in "${!binaries[@]}"; do
  [[ -x "${binaries[$i]}" && ! -d "${binaries[$i]}" ]] || fail "${binaries[$i]} is not an executable"
  binaries[$i]=$(realpath "${binaries[$i]}")  # valgrind would look a bare name up in PATH
done
[[ "$bytes" =~ ^[1-9][0-9]*$ ]] || fail "--bytes takes a positive integer"
[[ "$passes" =~ ^[1-9][0-9]{0,2}$|^1000$ ]] || fail "--passes takes an integer from 1 to 1000"
command -v valgrind >/dev/null || fail "valgrind not found (Debian: apt-get install valgrind)"

# Both builds read the same corpus (bench/corpus.sh).
# shellcheck source=bench/corpus.sh
source "$(dirname "${BASH_SOURCE[0]}")/corpus.sh"
export_corpus instructions.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints "instructions tokens units unit" for one binary and scenario.
count() {
  local bin="$1" scenario="$2" out
  if ! out=$(valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
      '--toggle-collect=lexzone_measured_passes*' "$bin" "$scenario" --bytes "$bytes" --passes "$passes" \
      2>"$work/err"); then
    echo "instructions.sh: $bin $scenario failed:" >&2
    cat "$work/err" >&2
    exit 1
  fi
  local collected
  collected=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/err" | tail -1)
  local tokens units unit
  tokens=$(sed -n 's/.*tokens_per_pass=\([0-9]*\).*/\1/p' <<<"$out")
  units=$(sed -n 's/.*units_per_pass=\([0-9]*\).*/\1/p' <<<"$out")
  unit=$(sed -n 's/.*unit=\([a-z]*\).*/\1/p' <<<"$out")
  if [[ -z "$tokens" || "$tokens" == 0 || -z "$units" || "$units" == 0 ]]; then
    echo "instructions.sh: $bin $scenario printed no work: $out" >&2
    exit 1
  fi
  if [[ -z "$collected" || "$collected" == 0 ]]; then
    echo "instructions.sh: nothing counted for $bin $scenario: is lexzone_measured_passes in its symbols" \
      "(a stripped binary)?" >&2
    exit 1
  fi
  echo "$collected $tokens $units $unit"
}

printf '%-20s %16s %12s %14s' scenario "A instr/pass" "A /token" "A /unit"
if [[ ${#binaries[@]} -eq 2 ]]; then printf ' %16s %12s %9s' "B instr/pass" "B /token" "B / A"; fi
printf '\n'
for scenario in $scenarios; do
  result=$(count "${binaries[0]}" "$scenario")
  read -r ia ta ua unit <<<"$result"
  line=$(awk -v i="$ia" -v t="$ta" -v u="$ua" -v p="$passes" -v s="$scenario" -v n="$unit" \
    'BEGIN { printf "%-20s %16.0f %12.1f %10.1f/%-3.3s", s, i / p, i / p / t, i / p / u, n }')
  if [[ ${#binaries[@]} -eq 2 ]]; then
    result=$(count "${binaries[1]}" "$scenario")
    read -r ib tb _ _ <<<"$result"
    if [[ "$tb" != "$ta" ]]; then
      echo "instructions.sh: $scenario: the builds made different tokens ($ta and $tb): not the same work" >&2
      exit 1
    fi
    line+=$(awk -v i="$ib" -v t="$tb" -v p="$passes" -v a="$ia" \
      'BEGIN { printf " %16.0f %12.1f %8.4f", i / p, i / p / t, i / a }')
  fi
  echo "$line"
done
