#!/usr/bin/env python3
"""Whole-process scaling of lexzone_ner: `--threads 2` against `--threads 1` on the same input, wall clock.

usage: bench/ner_threads.py LEXZONE_NER PATTERNS OUT.json [--input FILE] [--lines N] [--repetitions N]

Runs `lexzone_ner --patterns PATTERNS --threads T INPUT` for T = 1 and T = 2, in pairs whose order
alternates (1 then 2, 2 then 1, ...), `--repetitions` times (default 5), and writes the medians and
their ratio to OUT.json, which bench/report.py reads. Each run writes its output to a file; the outputs
of the two thread counts must be identical (else the script fails). Everything is timed: start-up
(loading the patterns), reading the input, the pipeline, writing the output. The CPU time of each run
(every thread) is recorded too: its ratio shows what the threads cost each other on a busy machine, where
the wall clock cannot show the scaling.

The input is FILE (gzip or plain text; default $LEXZONE_CORPUS, else ../shared/data/corpus_docs.txt.gz
beside the repository), decompressed once into a temporary plain-text file, optionally cut to its first
`--lines` lines (quick runs). Python 3 standard library only.
"""
import argparse
import gzip
import hashlib
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def default_input():
    env = os.environ.get("LEXZONE_CORPUS")
    return pathlib.Path(env) if env else ROOT.parent / "shared" / "data" / "corpus_docs.txt.gz"


def prepare_input(src, lines, out_path):
    opener = gzip.open if src.suffix == ".gz" else open
    count = 0
    with opener(src, "rb") as f, open(out_path, "wb") as out:
        for line in f:
            if lines and count >= lines:
                break
            out.write(line)
            count += 1
    return count


def children_cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def timed_run(cmd, out_path):
    """(wall seconds, CPU seconds of the child: every thread, user and system)."""
    with open(out_path, "wb") as out:
        cpu = children_cpu()
        start = time.perf_counter()
        p = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE)
        seconds = time.perf_counter() - start
        cpu = children_cpu() - cpu
    if p.returncode != 0:
        sys.exit(f"ner_threads: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.decode(errors='replace')}")
    return seconds, cpu


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ner")
    ap.add_argument("patterns")
    ap.add_argument("out")
    ap.add_argument("--input", type=pathlib.Path, default=default_input())
    ap.add_argument("--lines", type=int, default=0, help="use only the first N lines (0: all)")
    ap.add_argument("--repetitions", type=int, default=5)
    args = ap.parse_args()
    if not args.input.is_file():
        print(f"ner_threads: no input at {args.input}: skipped", file=sys.stderr)
        return 0
    if args.repetitions < 1:
        sys.exit("ner_threads: --repetitions must be at least 1")

    with tempfile.TemporaryDirectory() as d:
        text = os.path.join(d, "input.txt")
        lines = prepare_input(args.input, args.lines, text)
        seconds = {1: [], 2: []}
        cpu = {1: [], 2: []}
        digests = {1: set(), 2: set()}
        for rep in range(args.repetitions):
            for threads in ((1, 2) if rep % 2 == 0 else (2, 1)):
                out = os.path.join(d, f"out{threads}.jsonl")
                cmd = [args.ner, "--patterns", args.patterns, "--threads", str(threads), text]
                wall, used = timed_run(cmd, out)
                seconds[threads].append(wall)
                cpu[threads].append(used)
                digests[threads].add(digest(out))
        identical = len(digests[1] | digests[2]) == 1

    median = {t: statistics.median(s) for t, s in seconds.items()}
    result = {
        "name": "lexzone_ner --threads 2 vs --threads 1 (whole process, wall clock)",
        "input": str(args.input),
        "lines": lines,
        "repetitions": args.repetitions,
        "seconds": {str(t): s for t, s in seconds.items()},
        "median_seconds": {str(t): m for t, m in median.items()},
        # The median of the paired runs' ratios (each pair ran one after the other, in alternating order),
        # as bench/compare.sh: load that changes between pairs then moves both runs of a pair.
        "speedup": statistics.median(s1 / s2 for s1, s2 in zip(seconds[1], seconds[2])),
        "cpu_seconds": {str(t): c for t, c in cpu.items()},
        "median_cpu_seconds": {str(t): statistics.median(c) for t, c in cpu.items()},
        "identical_output": identical,
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
    }
    pathlib.Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    cpu_ratio = statistics.median(cpu[2]) / max(statistics.median(cpu[1]), 1e-9)
    print(f"lexzone_ner on {lines} lines: --threads 1 {median[1]:.3f} s, --threads 2 {median[2]:.3f} s "
          f"(median of {args.repetitions}): {result['speedup']:.2f}x; CPU time 2 / 1: {cpu_ratio:.2f}; "
          f"identical output: {identical}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
