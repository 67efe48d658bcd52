#!/usr/bin/env python3
"""lexzone_tokenize and lexzone_ner: output contract, errors and exit statuses.

Usage: cli_test.py LEXZONE_TOKENIZE LEXZONE_NER PATTERNS_JSONL
"""
import json
import os
import subprocess
import sys
import tempfile

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, stdin=b""):
    p = subprocess.run(args, input=stdin, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")


def main():
    tokenize, ner, patterns = sys.argv[1:4]

    # lexzone_tokenize: one object a line, spaCy's tokens and trailing spaces; invalid UTF-8 as U+FFFD.
    rc, out, err = run([tokenize], "Hello, world!\nDon't go\n\n".encode() + b"bad \xff byte")
    check(rc == 0, f"tokenize exit {rc}: {err}")
    lines = [json.loads(x) for x in out.splitlines()]
    check(len(lines) == 4, f"tokenize: one line per input line, got {len(lines)}")
    check(lines[0] == {"tokens": ["Hello", ",", "world", "!"], "ws": [False, True, False, False]}, f"tokenize: {lines[0]}")
    check(lines[1]["tokens"] == ["Do", "n't", "go"], f"tokenize: contraction {lines[1]}")
    check(lines[2] == {"tokens": [], "ws": []}, f"tokenize: empty line {lines[2]}")
    check(lines[3]["tokens"] == ["bad", "\ufffd", "byte"], f"tokenize: invalid byte {lines[3]}")

    rc, out, _ = run([tokenize, "--help"])
    check(rc == 0 and out.startswith("usage:"), "tokenize --help")
    rc, _, err = run([tokenize, "--bogus"])
    check(rc == 2 and "unknown option --bogus" in err, f"tokenize bad option: {rc} {err}")
    rc, _, err = run([tokenize, "/nonexistent/input.txt"])
    check(rc == 1 and "/nonexistent/input.txt" in err, f"tokenize missing file: {rc} {err}")

    # lexzone_ner: entities with character offsets and ids; bad patterns name the line.
    rc, out, err = run([ner, "--patterns", patterns], "José wrote to ann@example.org about the Debian Project\n".encode())
    check(rc == 0, f"ner exit {rc}: {err}")
    ents = json.loads(out)["ents"]
    check({"text": "ann@example.org", "label": "EMAIL", "start_char": 14, "end_char": 29} in ents, f"ner email: {ents}")
    check(any(e.get("id") == "debian" and e["start_char"] == 40 for e in ents), f"ner id/offsets: {ents}")

    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "bad.jsonl")
        with open(bad, "w") as f:
            f.write('{"label": "A", "pattern": "x"}\n{"label": "B", "pattern": [{"NOPE": 1}]}\n')
        rc, _, err = run([ner, "--patterns", bad], b"x\n")
        check(rc == 1 and "line 2" in err, f"ner bad patterns: {rc} {err}")
    rc, _, err = run([ner, "--patterns", "/nonexistent/p.jsonl"], b"x\n")
    check(rc == 1 and "/nonexistent/p.jsonl" in err, f"ner missing patterns: {rc} {err}")
    rc, _, err = run([ner], b"x\n")
    check(rc == 2 and "--patterns" in err, f"ner without --patterns: {rc} {err}")

    print("cli: %d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
