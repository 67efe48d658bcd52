#!/usr/bin/env python3
"""Checks examples/zone_report against issue #3's contract.

usage: zone_report_test.py PATH/TO/zone_report

- `--json` prints exactly one JSON object {"runs": [{"mode", "batches": [{"batch", "rss_mb", "vocab_size",
  "strings_size", "tokens", "seconds", ...}]}]}, batch 0 being the baseline;
- zone mode is back at the baseline vocab and string-store sizes after every batch, no-zone mode grows;
  with --learn-zones, zone mode's vocab is its baseline plus the words learned (within --learn-max);
- both modes see the same tokens and extract the same entities (digest);
- `--mode` and `--batches` select what runs; files (plain, .gz, invalid UTF-8) are read; the table prints;
- bad arguments exit with status 2 and a message; a missing file, or a run failing mid-way, with status 1.
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

EXE = sys.argv[1]
SMALL = ["--batches", "3", "--tokens-per-batch", "20000", "--rounds", "2"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, expect=0):
    p = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=240)
    check(p.returncode == expect, f"{args}: exit {p.returncode}, expected {expect}; stderr: {p.stderr[-500:]}")
    return p


def check_report(doc, batches, modes, learning=False):
    check(set(doc) >= {"runs"}, "top level has 'runs'")
    runs = doc["runs"]
    check([r["mode"] for r in runs] == modes, f"modes {[r['mode'] for r in runs]} == {modes}")
    keys = {"batch", "rss_mb", "vocab_size", "strings_size", "tokens", "seconds"}
    for r in runs:
        bs = r["batches"]
        check([b["batch"] for b in bs] == list(range(batches + 1)), f"{r['mode']}: batches 0..{batches}")
        check(all(keys <= set(b) for b in bs), f"{r['mode']}: every batch has {sorted(keys)}")
        check(bs[0]["tokens"] == 0 and all(b["tokens"] > 0 for b in bs[1:]), f"{r['mode']}: tokens per batch")
        check(all(b["seconds"] > 0 for b in bs[1:]), f"{r['mode']}: seconds per batch")
        check(all(b["rss_mb"] > 1 for b in bs), f"{r['mode']}: RSS measured")
        check(bs[0]["vocab_size"] > 1000, f"{r['mode']}: a non-trivial permanent baseline")
        if r["mode"] == "zone" and learning:
            check(all(b["vocab_size"] == bs[0]["vocab_size"] + b["learned"] for b in bs),
                  "zone, learning: vocab = baseline + learned after every batch")
            check(all(b["strings_size"] >= bs[0]["strings_size"] for b in bs), "zone, learning: strings kept")
            check(bs[0]["learned"] == 0 and bs[-1]["learned"] > 0, "zone, learning: words learned")
        elif r["mode"] == "zone":
            check(all(b["vocab_size"] == bs[0]["vocab_size"] and b["strings_size"] == bs[0]["strings_size"]
                      for b in bs), "zone: vocab and strings at baseline after every batch")
            check(all(b["learned"] == 0 for b in bs), "zone: nothing learned without --learn-zones")
        else:
            check(bs[-1]["vocab_size"] > bs[0]["vocab_size"], "nozone: the vocab grows")
            check(bs[-1]["strings_size"] > bs[0]["strings_size"], "nozone: the string store grows")
    if len(runs) == 2:
        a, b = (r["batches"] for r in runs)
        check([x["tokens"] for x in a] == [x["tokens"] for x in b], "both modes see the same tokens")
        check([x["entities_digest"] for x in a] == [x["entities_digest"] for x in b],
              "both modes extract the same entities")
        check(sum(x["entities"] for x in a) > 0, "entities are extracted")
        check(all(isinstance(x["entities_digest"], str) and len(x["entities_digest"]) == 16 for x in a),
              "the digest is 16 hex digits")
        check(a[-1]["entities_digest"] != a[0]["entities_digest"], "the digest covers the entities")


# Generated text, both modes, JSON.
p = run(SMALL + ["--json"])
check(p.stdout.count("\n") == 1, "--json prints exactly one line")
report = json.loads(p.stdout)
check(report.get("rounds") == 2, "the rounds are reported")
check_report(report, 3, ["nozone", "zone"])

# One mode, other batch count.
p = run(["--batches", "2", "--tokens-per-batch", "10000", "--rounds", "1", "--mode", "zone", "--json"])
check_report(json.loads(p.stdout), 2, ["zone"])

# Learning in zone mode: the vocab keeps the words learned, the entities stay the same; --learn-max holds.
p = run(SMALL + ["--learn-zones", "2", "--json"])
check_report(json.loads(p.stdout), 3, ["nozone", "zone"], learning=True)
p = run(["--batches", "3", "--tokens-per-batch", "20000", "--rounds", "1", "--mode", "zone", "--learn-zones", "1",
         "--learn-max", "5", "--json"])
bs = json.loads(p.stdout)["runs"][0]["batches"]
check([b["learned"] for b in bs] == [0, 5, 5, 5], f"--learn-max 5: learned {[b['learned'] for b in bs]}")
check(all(b["vocab_size"] == bs[0]["vocab_size"] + b["learned"] for b in bs), "--learn-max 5: vocab sizes")
p = run(["--batches", "3", "--tokens-per-batch", "20000", "--rounds", "1", "--learn-zones", "2"])
check("vocab = baseline + learned after every batch: yes" in p.stdout, "table: learning line")
check("extracted the same" in p.stdout and ": yes" in p.stdout.split("extracted the same")[1], "table: same (learning)")

# Files: plain and gzip, with a Latin-1 line (invalid UTF-8) and no final newline.
with tempfile.TemporaryDirectory() as tmp:
    lines = [f"Contact alice{i}@example.com about v{i}.2.{i % 7} at https://example.org/p/{i} today."
             for i in range(3000)]
    plain = os.path.join(tmp, "a.txt")
    with open(plain, "wb") as f:
        f.write("\n".join(lines[:1500]).encode() + b"\ncaf\xe9 cr\xe8me\n" + b"no final newline")
    packed = os.path.join(tmp, "b.txt.gz")
    with gzip.open(packed, "wb") as f:
        f.write("\n".join(lines[1500:]).encode() + b"\n")
    p = run([plain, packed, "--batches", "4", "--rounds", "1", "--json"])
    check_report(json.loads(p.stdout), 4, ["nozone", "zone"])
    p = run([plain, packed, "--batches", "4", "--rounds", "1"])
    check("zone mode: vocab and strings back at baseline after every batch: yes" in p.stdout, "table: flat")
    check("extracted the same" in p.stdout and ": yes" in p.stdout.split("extracted the same")[1], "table: same")
    check("RSS MB" in p.stdout and "tokens/s" in p.stdout, "table: rows")
    p = run([os.path.join(tmp, "missing.txt"), "--rounds", "1"], expect=1)
    check("missing.txt" in p.stderr, "a missing file is named")

# A run that fails in a child (a missing pattern file) is reported, with status 1, and stops both.
p = run(SMALL + ["--patterns", "/nonexistent/patterns.jsonl"], expect=1)
check("patterns.jsonl" in p.stderr and "run failed" in p.stderr, "a failing child run is reported")

# A run failing mid-way (the zone child, at batch 2) is reported and stops the other child: no hang.
p = run(SMALL + ["--fail-at-batch", "2"], expect=1)
check("the zone run failed" in p.stderr and "failing at batch 2" in p.stderr, "a run failing mid-way is reported")

# --help: the usage on stdout, status 0.
p = run(["--help"])
check(p.stdout.startswith("usage: zone_report") and "--rounds" in p.stdout, "--help prints the usage")

# Bad arguments: status 2 and a message naming the problem.
for args, word in [(["--batches", "0"], "--batches"), (["--mode", "sideways"], "--mode"),
                   (["--rounds", "x"], "--rounds"), (["--no-such-flag"], "unknown option"),
                   (["--batches"], "missing value"), (["--rounds", "0"], "--rounds"),
                   (["--rounds", "101"], "--rounds"), (["--batches", "99999999999"], "--batches"),
                   (["-"], "standard input"), (["--tokens-per-batch", "-5"], "--tokens-per-batch"),
                   (["--seed", "-1"], "--seed"), (["--learn-zones", "257"], "--learn-zones"),
                   (["--learn-max", "x"], "--learn-max"), (["--learn-max-bytes", "0"], "--learn-max-bytes")]:
    p = run(args, expect=2)
    check(word in p.stderr, f"{args}: message names {word!r}")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("zone_report: all checks passed")
