#!/usr/bin/env bash
# clang-format, the API doc check and clang-tidy, as CI runs them (.ci/run, stage "clang-format, API docs
# and clang-tidy", passes --ci).
#
#   bash .ci/lint.sh                 checks the formatting and the API docs (tools/check_api_docs.py: every
#                                    public function states its complexity and what it throws), then runs
#                                    clang-tidy (every warning is an error)
#   bash .ci/lint.sh --fix           reformats the files in place (clang-tidy is not run)
#   bash .ci/lint.sh --format-only   checks the formatting only (a second or two)
#   bash .ci/lint.sh --ci            what CI runs: as the first, but clang-tidy analyses only the public headers
#                                    (tests/tidy/all_headers.cpp) and the service's server (ner_service/server.cpp),
#                                    about 40 s instead of 110 s of CI's 25 minutes; run the first form before
#                                    committing a change to the examples
#
# Styles: .clang-format and .clang-tidy at the top of the repository; clang-format-14 and clang-tidy-14
# (Debian bookworm; .ci/install-deps.sh installs them). clang-tidy reads compile_commands.json from
# $LEXZONE_LINT_BUILD_DIR (default: build, the README's test build); a missing one is configured first
# (configure only: nothing is built). $LEXZONE_LINT_JOBS clang-tidy processes run at once (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format=${CLANG_FORMAT:-clang-format-14}
clang_tidy=${CLANG_TIDY:-clang-tidy-14}
build_dir=${LEXZONE_LINT_BUILD_DIR:-build}
jobs=${LEXZONE_LINT_JOBS:-2}

mode=check
case "${1:-}" in
  "") ;;
  --fix) mode=fix ;;
  --format-only) mode=format-only ;;
  --ci) mode=ci ;;
  *) echo "usage: bash .ci/lint.sh [--fix | --format-only | --ci]" >&2; exit 2 ;;
esac

# Files left out of formatting and clang-tidy (none at present; add a path with a reason if needed).
deferred=()

is_deferred() {
  local d
  for d in "${deferred[@]}"; do [ "$1" = "$d" ] && return 0; done
  return 1
}

# Formatted: every *.hpp and *.cpp under include/, tests/, bench/ and examples/, except the deferred files
# and the generated include/lexzone/detail/unicode_tables.hpp (tools/gen_unicode_tables.py writes it).
format_files=()
while IFS= read -r f; do
  case "$f" in
    include/lexzone/detail/unicode_tables.hpp) continue ;;
  esac
  is_deferred "$f" || format_files+=("$f")
done < <(find include tests bench examples -type f \( -name '*.hpp' -o -name '*.cpp' \) | sort)

if ! "$clang_format" --version | grep -q 'version 14\.'; then
  echo "lint: $clang_format is not clang-format 14 (other versions format differently)" >&2
  exit 1
fi

start=$(date +%s)
if [ "$mode" = fix ]; then
  "$clang_format" -i "${format_files[@]}"
  echo "lint: reformatted ${#format_files[@]} files"
  exit 0
fi
if ! "$clang_format" --dry-run --Werror "${format_files[@]}"; then
  echo "lint: clang-format: the files above differ from .clang-format; run: bash .ci/lint.sh --fix" >&2
  exit 1
fi
echo "lint: clang-format: ${#format_files[@]} files formatted ($(( $(date +%s) - start )) s)"
[ "$mode" = format-only ] && exit 0

# API docs: every public function of the public headers says its complexity and what it throws (the rules
# are in the script's header comment). A second or so.
start=$(date +%s)
if ! python3 tools/check_api_docs.py; then
  echo "lint: check_api_docs: the declarations above lack a Complexity or Throws clause in their /// comment" \
       "(rules: tools/check_api_docs.py)" >&2
  exit 1
fi
echo "lint: check_api_docs: public declarations documented ($(( $(date +%s) - start )) s)"

# clang-tidy: every public header through tests/tidy/all_headers.cpp, and the examples' mains.
missing=$(find include/lexzone -name '*.hpp' | sort | sed 's|^include/||' | while IFS= read -r h; do
  grep -qE "^# *include <${h//./\\.}>\$" tests/tidy/all_headers.cpp || echo "$h"  # also `#  include` under #if
done)
if [ -n "$missing" ]; then
  echo "lint: tests/tidy/all_headers.cpp does not include: $missing" >&2
  exit 1
fi

if [ ! -f "$build_dir/compile_commands.json" ]; then
  echo "lint: configuring $build_dir for compile_commands.json"
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
tidy_sources=()
# The slowest files first (30 to 40 s each; most others take 8 to 17 s), so that the two processes finish
# together; then every other file once.
first=(examples/zone_report.cpp examples/lexzone_ner.cpp examples/lexzone_tokenize.cpp examples/ner_service/model.cpp
       examples/soak.cpp tests/tidy/all_headers.cpp examples/ner_service/server.cpp)
for f in $(printf '%s\n' "${first[@]}" tests/tidy/all_headers.cpp examples/ner_service/*.cpp examples/*.cpp |
           awk '!seen[$0]++'); do
  if [ "$mode" = ci ]; then
    case "$f" in
      tests/tidy/all_headers.cpp | examples/ner_service/server.cpp) ;;
      *) continue ;;
    esac
  fi
  if grep -qF "\"file\": \"$PWD/$f\"" "$build_dir/compile_commands.json"; then
    tidy_sources+=("$f")
  elif [[ "$f" == examples/ner_service/* ]]; then  # optional: built only when Boost 1.81 is found
    echo "lint: warning: $f is not in $build_dir/compile_commands.json (no Boost 1.81?): not analysed" >&2
  else
    echo "lint: $f is not in $build_dir/compile_commands.json: configure $build_dir with the tests and" \
         "examples on (the default)" >&2
    exit 1
  fi
done

# Diagnostics are reported for the files listed in --line-filter only: every file of include/lexzone/,
# examples/ and tests/tidy/ but the deferred ones. Names are matched as suffixes of the reported paths
# (which may read ".../lang/en/../lex_attrs.hpp"), hence base names: no two of them may be equal.
line_filter=""
if [ "${#deferred[@]}" -gt 0 ]; then
  line_filter=$(find include/lexzone examples tests/tidy -type f \( -name '*.hpp' -o -name '*.cpp' \) | sort |
    while IFS= read -r f; do is_deferred "$f" || echo "$f"; done |
    awk 'BEGIN { printf "[" } { n = split($0, p, "/"); printf "%s{\"name\":\"/%s\"}", (NR > 1 ? "," : ""), p[n] }
         END { printf "]" }')
  for d in "${deferred[@]}"; do
    if grep -qF "\"/${d##*/}\"" <<<"$line_filter"; then
      echo "lint: the deferred ${d} shares its base name with a checked file: refine the line filter" >&2
      exit 1
    fi
  done
fi

tidy_one() {
  local f=$1 out rc _
  for _ in 1 2; do
    rc=0
    # The static analyzer (clang-analyzer-*) in its shallow mode: less inlining of callees, fewer paths; the
    # deep default spent 60 of its 85 s on examples/ner_service/server.cpp exploring Boost.Asio's templates.
    out=$("$clang_tidy" -p "$build_dir" --quiet --warnings-as-errors='*' ${line_filter:+"--line-filter=$line_filter"} \
      --extra-arg=-Xclang --extra-arg=-analyzer-config --extra-arg=-Xclang --extra-arg=mode=shallow \
      "$f" 2>&1) || rc=$?
    # clang-tidy-14 crashes (rarely) on some runs; a crash is retried once, a finding never.
    [ "$rc" -lt 128 ] && break
    echo "lint: clang-tidy crashed on $f (exit $rc), retrying; the end of its output:" >&2
    tail -n 15 <<<"$out" >&2
  done
  grep -vE '^[0-9]+ (warning|error)s? (and [0-9]+ (warning|error)s? )?generated\.$' <<<"$out" || true
  if [ "$rc" -ne 0 ]; then
    echo "lint: clang-tidy: $f: FAILED (exit $rc)"
    return 1
  fi
  echo "lint: clang-tidy: $f: clean"
}
export -f tidy_one
export clang_tidy build_dir line_filter

tidy_start=$(date +%s)
# shellcheck disable=SC2016 # $1 is expanded by the inner bash
if ! printf '%s\n' "${tidy_sources[@]}" | xargs -P "$jobs" -I{} bash -c 'tidy_one "$1"' _ {}; then
  echo "lint: clang-tidy: findings above (fix them, or NOLINT(check) with a reason when deliberate)" >&2
  exit 1
fi
echo "lint: clang-tidy: ${#tidy_sources[@]} translation units clean ($(( $(date +%s) - tidy_start )) s)"
