#!/usr/bin/env python3
"""Writes bench/data/ner_patterns.jsonl: an entity ruler of about 300 patterns for the benchmarks, in
spaCy's patterns.jsonl format, derived from the shared corpus.

usage: tools/gen_bench_patterns.py [CORPUS] [OUT]
  CORPUS  default ../shared/data/corpus_docs.txt.gz (beside the repository)
  OUT     default bench/data/ner_patterns.jsonl

The patterns (a gazetteer and rules of the kind a service's entity ruler holds):
  - the 28 patterns of examples/data/patterns.jsonl (e-mails, URLs, money, versions, CVEs, ...);
  - 200 phrase patterns, label TERM: the most frequent runs of two or three title-case words of the
    corpus (names of projects, organisations, products), e.g. "Free Software Foundation";
  - 72 token patterns, label PRODUCT: [{"LOWER": word}, {"SHAPE": version shapes}] for the lower-case
    words the corpus most often follows with a version number ("python 2.7", "gcc 4.9.2").
Deterministic for a given corpus (ties broken by text). The output is committed; rerun this only to
change the set.
"""
import collections
import gzip
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TITLE = re.compile(r"^[A-Z][a-z]{2,}$")
LOWER = re.compile(r"^[a-z][a-z0-9+-]{1,}$")
VERSION = re.compile(r"^\d{1,2}(\.\d{1,2}){1,2}$")
# Words that start sentences or headings rather than names.
COMMON = set("The This That These Those There Then When What Where Which While With Without For From Some "
             "See Also Note Please Each Every Most Many Other Such Both Since After Before Because Thanks "
             "New Changes Version Release Added Fixed Updated Removed Support Use Using Read Install If It In "
             "On Of To And Or Not All Any Are Is Be By As At An You Your We Our They Their He She His Her".split())
VERSION_SHAPES = ["d.d", "d.d.d", "d.dd", "dd.d", "d.dd.d", "d.d.dd", "dd.dd", "d.dd.dd", "dd.d.d"]


def main(argv):
    corpus = pathlib.Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "data" / "corpus_docs.txt.gz"
    out = pathlib.Path(argv[2]) if len(argv) > 2 else ROOT / "bench" / "data" / "ner_patterns.jsonl"
    text = gzip.open(corpus, "rt", encoding="utf-8", errors="replace").read()
    words = text.split()

    runs = collections.Counter()
    versioned = collections.Counter()
    for i in range(len(words) - 1):
        a, b = words[i], words[i + 1]
        if LOWER.match(a) and VERSION.match(b.rstrip(".,;:)")):
            versioned[a] += 1
        if TITLE.match(a) and a not in COMMON and TITLE.match(b) and b not in COMMON:
            runs[(a, b)] += 1
            if i + 2 < len(words) and TITLE.match(words[i + 2]) and words[i + 2] not in COMMON:
                runs[(a, b, words[i + 2])] += 1

    phrases = sorted(runs.items(), key=lambda kv: (-kv[1], kv[0]))[:200]
    products = [w for w, _ in sorted(versioned.items(), key=lambda kv: (-kv[1], kv[0])) if w not in ("version", "release")][:72]

    lines = [ln for ln in (ROOT / "examples" / "data" / "patterns.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    for words_, _ in phrases:
        lines.append(json.dumps({"label": "TERM", "pattern": " ".join(words_)}, ensure_ascii=False))
    for w in products:
        lines.append(json.dumps({"label": "PRODUCT", "pattern": [{"LOWER": w}, {"SHAPE": {"IN": VERSION_SHAPES}}],
                                 "id": w}, ensure_ascii=False))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{out}: {len(lines)} patterns ({len(phrases)} phrases, {len(products)} versioned products)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
