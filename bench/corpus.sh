# shellcheck shell=bash
# Sourced by bench/compare.sh and bench/instructions.sh: `export_corpus NAME` makes every binary they run
# read the same corpus. A benchmark binary looks for the shared data beside its own source tree, so one
# built in another checkout (an old commit's worktree, say) would otherwise fall back to synthetic tokens
# and measure other work. LEXZONE_CORPUS, when set, wins; NAME prefixes the warning printed when the
# corpus cannot be read.
export_corpus() {
  local bench_dir
  bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  export LEXZONE_CORPUS="${LEXZONE_CORPUS:-$(dirname "$bench_dir")/../shared/data/corpus_docs.txt.gz}"
  if [[ ! -r "$LEXZONE_CORPUS" ]]; then
    echo "$1: corpus $LEXZONE_CORPUS not readable: both builds use synthetic tokens" >&2
  fi
}
