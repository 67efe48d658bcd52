#!/usr/bin/env python3
"""lexzone_tokenize and lexzone_ner: output contract, errors and exit statuses; --threads N gives the same
bytes as one thread, and so does --learn-zones N (with the count learned on stderr); --tokenizer FILE
(spaCy's tokenizer files of tests/data: German gives spaCy's tokens, English the fast path's, with one
thread or two; bad files exit 1 naming the file); a line past the limits (quadratic matches, a regex
that backtracks) is refused in place and the run goes on (exit 3).

Usage: cli_test.py LEXZONE_TOKENIZE LEXZONE_NER PATTERNS_JSONL TEST_DATA_DIR HAVE_PCRE2(0|1)
"""
import json
import os
import random
import re
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


def generated_lines(n, words):
    """`n` varied lines, seeded: words of the base vocabulary, made-up words, entities of the example
    patterns, e-mails, URLs, versions, non-ASCII text, invalid UTF-8, empty and long lines."""
    rng = random.Random(2026)
    extras = ["Debian Project", "Free Software Foundation", "ann.lee@example.org", "https://example.com/a?b=1",
              "$ 5 million", "version 1.2.3", "CVE-2024-12345", "São Paulo", "Emilio Sánchez Pérez", "don't",
              "(see #4021)", "Dr. Jane Roe", "10:30 pm", "ORD-7731", "naïve café", "\u2014dash\u2014", "3.5 euros"]
    lines = []
    for i in range(n):
        kind = rng.randrange(20)
        if kind == 0:
            lines.append("")
        elif kind == 1:
            lines.append(" ".join(rng.choice(words) for _ in range(120)))
        else:
            parts = []
            for _ in range(rng.randrange(1, 25)):
                r = rng.randrange(10)
                parts.append(rng.choice(extras) if r == 0 else
                             "zq%dx%d" % (i, rng.randrange(1000)) if r == 1 else rng.choice(words))
            lines.append(rng.choice(["", " ", "  "]).join(parts) if kind == 2 else " ".join(parts))
    lines[-1] = lines[-1] or "the end"  # a last empty line would not count as a line
    data = "\n".join(lines).encode("utf-8")
    return data.replace(b"zq1", b"zq\xff1", 20)  # a few invalid bytes


# Under sanitizers (LEXZONE_SANITIZE, set by CTest) the generated inputs are a third as long: the examples
# run 3 to 5 times slower there, and the comparisons need no more than a few hundred lines.
SCALE = 3 if os.environ.get("LEXZONE_SANITIZE") else 1


def check_threads(tokenize, ner, patterns):
    """Byte-identical output for 1, 2 and 8 threads over two files of 3,000 lines in all (999 under
    sanitizers), and for 1 and 3 threads over standard input; bad values of N exit 2."""
    with open(os.path.join(os.path.dirname(patterns), "base_words.txt"), encoding="utf-8") as f:
        words = [w.strip() for w in f if w.strip() and not w.startswith("#")][:5000]
    with tempfile.TemporaryDirectory() as d:
        files = []
        sizes = (2000 // SCALE, 1000 // SCALE)
        for k, n in enumerate(sizes):
            path = os.path.join(d, "in%d.txt" % k)
            with open(path, "wb") as f:
                f.write(generated_lines(n, words) if k == 0 else generated_lines(n, words[::-1]))
            files.append(path)
        for name, cmd in (("tokenize", [tokenize]), ("ner", [ner, "--patterns", patterns])):
            rc, one, err = run(cmd + ["--threads", "1"] + files)
            check(rc == 0, f"{name} --threads 1: exit {rc}: {err}")
            check(len(one.splitlines()) == sum(sizes),
                  f"{name}: one line per input line, got {len(one.splitlines())}")
            for t in ("2", "8"):
                rc, out, err = run(cmd + ["--threads", t] + files)
                check(rc == 0 and out == one, f"{name} --threads {t}: output differs from one thread's ({rc} {err})")
            with open(files[0], "rb") as f:
                data = f.read()
            rc, out, _ = run(cmd + ["--threads", "3"], data)
            rc1, out1, _ = run(cmd, data)
            check(rc == 0 and rc1 == 0 and out == out1, f"{name} --threads 3 on stdin differs from one thread's")
            for bad in ("0", "-2", "abc", "257", "3.5", ""):
                rc, _, err = run(cmd + ["--threads", bad], b"x\n")
                check(rc == 2 and "--threads needs a whole number" in err, f"{name} --threads {bad!r}: {rc} {err}")
            rc, _, err = run(cmd + ["--threads"], b"x\n")
            check(rc == 2 and "--threads" in err, f"{name} --threads without a value: {rc} {err}")
            check_learning(name, cmd, files, one)


def learned_count(err):
    """The count of "<program>: learned N words (...)" on stderr, or None."""
    m = re.search(r": learned (\d+) words \(--learn-zones", err)
    return int(m.group(1)) if m else None


def check_learning(name, cmd, files, one):
    """--learn-zones N: the same bytes as without learning, on 1 and 2 threads; the count learned on stderr
    (none without learning); --learn-max bounds it exactly; bad values exit 2 naming the flag."""
    rc, _, err = run(cmd + files)
    check(rc == 0 and learned_count(err) is None, f"{name}: a learned count without --learn-zones: {err}")
    for t in ("1", "2"):
        rc, out, err = run(cmd + ["--threads", t, "--learn-zones", "2"] + files)
        check(rc == 0 and out == one, f"{name} --learn-zones 2 --threads {t}: output differs ({rc} {err})")
        n = learned_count(err)
        check(n is not None and 0 < n <= 100000, f"{name} --learn-zones 2 --threads {t}: learned {n}: {err}")
    rc, out, err = run(cmd + ["--threads", "2", "--learn-zones", "1", "--learn-max", "7"] + files)
    check(rc == 0 and out == one and learned_count(err) == 7,
          f"{name} --learn-zones 1 --learn-max 7: {rc} learned {learned_count(err)} ({err})")
    # Words of at most 1 byte only: the made-up words (zq...) are never learned, fewer than with 32.
    rc, out, err = run(cmd + ["--learn-zones", "1", "--learn-max-bytes", "1"] + files)
    few = learned_count(err)
    rc32, _, err32 = run(cmd + ["--learn-zones", "1"] + files)
    check(rc == 0 and rc32 == 0 and out == one and few is not None and few < learned_count(err32),
          f"{name} --learn-max-bytes 1: {rc} learned {few} vs {learned_count(err32)} with 32")
    for flag, bad in (("--learn-zones", "257"), ("--learn-zones", "-1"), ("--learn-max", "x"),
                      ("--learn-max", "100000001"), ("--learn-max-bytes", "0"), ("--learn-max-bytes", "1025")):
        rc, _, err = run(cmd + [flag, bad], b"x\n")
        check(rc == 2 and f"{flag} needs a whole number" in err and f"not '{bad}'" in err,
              f"{name} {flag} {bad!r}: {rc} {err}")
    rc, _, err = run(cmd + ["--learn-max"], b"x\n")
    check(rc == 2 and "--learn-max needs a whole number" in err, f"{name} --learn-max without a value: {rc} {err}")
    # A flag where the value should be is a bad value, not a second flag.
    rc, _, err = run(cmd + ["--learn-zones", "--threads", "2"], b"x\n")
    check(rc == 2 and "--learn-zones needs a whole number" in err, f"{name} --learn-zones --threads: {rc} {err}")


def rule_files(tokenize, ner, patterns, data, have_pcre2):
    de_file = os.path.join(data, "spacy_de.tokenizer")
    en_file = os.path.join(data, "spacy_en.tokenizer")
    if not have_pcre2:
        rc, _, err = run([tokenize, "--tokenizer", de_file], b"x\n")
        check(rc == 2 and "PCRE2" in err, f"tokenize --tokenizer without PCRE2: {rc} {err}")
        return

    # German rules: spaCy 3.8.2's tokens and spaces on its German test texts (one line each).
    with open(os.path.join(data, "spacy_lang", "de_cases.jsonl"), encoding="utf-8") as f:
        cases = [json.loads(x) for x in f if x.strip()]
    cases = [c for c in cases if "\n" not in c["text"] and "\r" not in c["text"]]
    rc, out, err = run([tokenize, "--tokenizer", de_file], "".join(c["text"] + "\n" for c in cases).encode())
    check(rc == 0, f"tokenize --tokenizer de exit {rc}: {err}")
    got = [json.loads(x) for x in out.splitlines()]
    check(len(got) == len(cases), f"tokenize --tokenizer de: {len(got)} lines for {len(cases)}")
    for c, g in zip(cases, got):
        check(g == {"tokens": c["tokens"], "ws": c["ws"]}, f"tokenize --tokenizer de: {c['text']!r} -> {g}")

    # English rules from spaCy's file: the same output as the English fast path.
    text = "Hello, world! Don't go to http://x.org (now).\nI'm (sure) e-mail me@x.org :) 3-4 U.S.A.\n".encode()
    _, fast, _ = run([tokenize], text)
    rc, out, err = run([tokenize, "--tokenizer", en_file], text)
    check(rc == 0 and out == fast, f"tokenize --tokenizer en == fast path: {rc} {err} {out} vs {fast}")
    ner_text = "José wrote to ann@example.org about the Debian Project\n".encode()
    _, fast, _ = run([ner, "--patterns", patterns], ner_text)
    rc, out, err = run([ner, "--tokenizer", en_file, "--patterns", patterns], ner_text)
    check(rc == 0 and out == fast and '"EMAIL"' in out, f"ner --tokenizer en == fast path: {rc} {err} {out} vs {fast}")

    # Bad files: missing, truncated, not MessagePack, wrong layout: exit 1, the message names the file.
    with tempfile.TemporaryDirectory() as d:
        with open(de_file, "rb") as f:
            de_bytes = f.read()
        bad = {
            "missing": os.path.join(d, "missing.tokenizer"),
            "truncated": os.path.join(d, "truncated.tokenizer"),
            "not_msgpack": os.path.join(d, "text.tokenizer"),
            "wrong_layout": os.path.join(d, "layout.tokenizer"),
        }
        with open(bad["truncated"], "wb") as f:
            f.write(de_bytes[: len(de_bytes) // 2])
        with open(bad["not_msgpack"], "wb") as f:
            f.write(b"\xc1 this is no MessagePack")
        with open(bad["wrong_layout"], "wb") as f:
            f.write(b"\x81\xadprefix_search\x05")  # {"prefix_search": 5}
        for what, path in bad.items():
            rc, _, err = run([tokenize, "--tokenizer", path], b"x\n")
            check(rc == 1 and path in err, f"tokenize --tokenizer {what}: {rc} {err}")
            rc, _, err = run([ner, "--tokenizer", path, "--patterns", patterns], b"x\n")
            check(rc == 1 and path in err, f"ner --tokenizer {what}: {rc} {err}")
    rc, _, err = run([tokenize, "--tokenizer"], b"x\n")
    check(rc == 2, f"tokenize --tokenizer without FILE: {rc} {err}")

    # --tokenizer with --threads: two threads write the same bytes as one (German and English rules).
    with open(os.path.join(os.path.dirname(patterns), "base_words.txt"), encoding="utf-8") as f:
        words = [w.strip() for w in f if w.strip() and not w.startswith("#")][:5000]
    generated = 1500 // SCALE
    data = generated_lines(generated, words) + "".join("\n" + c["text"] for c in cases).encode()
    for name, cmd in (("tokenize --tokenizer de", [tokenize, "--tokenizer", de_file]),
                      ("tokenize --tokenizer en", [tokenize, "--tokenizer", en_file]),
                      ("ner --tokenizer en", [ner, "--tokenizer", en_file, "--patterns", patterns])):
        rc, one, err = run(cmd + ["--threads", "1"], data)
        check(rc == 0 and len(one.splitlines()) == generated + len(cases), f"{name} --threads 1: {rc} {err}")
        rc, two, err = run(cmd + ["--threads", "2"], data)
        check(rc == 0 and two == one, f"{name} --threads 2: output differs from one thread's ({rc} {err})")


def peak_rss_kb(args, data):
    """The peak RSS (KiB) of `args` run with `data` on standard input and its output discarded, measured
    in a Python process of its own (RUSAGE_CHILDREN then covers that one run), and its exit status."""
    probe = ("import resource, subprocess, sys\n"
             "p = subprocess.run(sys.argv[1:], stdin=sys.stdin, stdout=subprocess.DEVNULL)\n"
             "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", probe] + args, input=data, capture_output=True, timeout=300).stdout
    rc, kb = out.decode().split()
    return int(rc), int(kb)


def check_io(tokenize, ner, patterns):
    """Output that cannot be written exits 1 with a message; input is streamed (bounded memory); each
    invalid byte is one U+FFFD; a file option without its name is a usage error."""
    for name, cmd in (("tokenize", [tokenize]), ("ner", [ner, "--patterns", patterns])):
        for lines in (3, 5000):  # lost in the final flush, or in a write during the run
            with open("/dev/full", "wb") as full:
                p = subprocess.run(cmd, input=b"Hello world, again\n" * lines, stdout=full, stderr=subprocess.PIPE,
                                   timeout=60)
            err = p.stderr.decode("utf-8", "replace")
            check(p.returncode == 1 and "cannot write the output" in err,
                  f"{name} > /dev/full, {lines} lines: exit {p.returncode}, {err!r}")
    # 24 MB on standard input: the tools stream it (a line and a buffer at a time); reading it whole, they
    # peaked 56 MB above the 2,000-line run on 40 MB (measured), over 24 MB here.
    line = b"Mary met ann.lee@example.org in Paris about the Debian Project on 2024-05-01, ok?\n"
    rc_small, small = peak_rss_kb([tokenize], line * 2000)
    rc_big, big = peak_rss_kb([tokenize], line * (24_000_000 // SCALE // 4 ** (SCALE > 1) // len(line)))
    print(f"lexzone_tokenize peak RSS: {small} KiB on 2,000 lines, {big} KiB on 24 MB")
    check(rc_small == 0 and rc_big == 0, f"tokenize on 24 MB of stdin: exit {rc_small} {rc_big}")
    if not os.environ.get("LEXZONE_SANITIZE"):
        check(big - small < 12 * 1024, f"tokenize on 24 MB of stdin peaked {big - small} KiB above 2,000 lines")
    # A truncated 3-byte sequence is two invalid bytes: two characters, two U+FFFD.
    rc, out, err = run([tokenize], b"x \xe2\x82 y\n")
    check(rc == 0 and json.loads(out)["tokens"] == ["x", "\ufffd\ufffd", "y"], f"tokenize truncated UTF-8: {out} {err}")
    for args in ([ner, "--patterns"], [ner, "--patterns", "--threads", "2"], [ner, "--patterns", ""],
                 [ner, "--patterns", patterns, "--tokenizer"], [tokenize, "--tokenizer", "--threads", "1"]):
        rc, _, err = run(args, b"x\n")
        check(rc == 2 and "needs a file name" in err, f"{args[1:]}: exit {rc}, {err!r}")


def msgpack_str(text):
    b = text.encode()
    if len(b) < 32:
        return bytes([0xA0 | len(b)]) + b
    return b"\xd9" + bytes([len(b)]) + b if len(b) < 256 else b"\xda" + len(b).to_bytes(2, "big") + b


def check_refusals(tokenize, ner, patterns, have_pcre2):
    """A line that asks for more work than the limits allow is refused, not fatal: an error object in its
    place, the file and line named on stderr, every other line processed, exit 3, the same for any N."""
    hostile = ("Mr. " * 8000).encode()  # the example patterns' titles match quadratically often in it
    data = b"hello Debian Project\n" + hostile + b"\nthe Debian Project again\n"
    with tempfile.TemporaryDirectory() as d:
        first, second = os.path.join(d, "first.txt"), os.path.join(d, "second.txt")
        with open(first, "wb") as f:
            f.write(b"Debian Project\n")
        with open(second, "wb") as f:
            f.write(data)
        outs = []
        for t in ("1", "2"):
            rc, out, err = run([ner, "--patterns", patterns, "--threads", t, first, second])
            outs.append(out)
            lines = [json.loads(x) for x in out.splitlines()]
            check(rc == 3 and len(lines) == 4, f"ner --threads {t}, a hostile line: exit {rc}, {len(lines)} lines, {err}")
            if len(lines) == 4:
                check(all(x.get("ents") and x["ents"][0]["text"] == "Debian Project" for x in (lines[0], lines[1], lines[3])),
                      f"ner: the lines around a refused one keep their entities: {lines}")
                check(set(lines[2]) == {"error", "message"} and lines[2]["error"] == "match_limit"
                      and "match_limits" in lines[2]["message"], f"ner: the refused line's object: {lines[2]}")
            check(f"{second}, line 2: refused (match_limit)" in err and "1 line refused" in err
                  and first not in err, f"ner: stderr names the refused line: {err!r}")
        check(outs[0] == outs[1], "ner: refusals give the same output with 1 and 2 threads")
        rc, out, err = run([ner, "--patterns", patterns], hostile + b"\n" + hostile + b"\n")
        check(rc == 3 and "standard input, line 1:" in err and "line 2:" in err and "2 lines refused" in err,
              f"ner: two refused lines on stdin: exit {rc}, {err!r}")
        if not have_pcre2:
            return
        # A tokenizer file whose token_match backtracks catastrophically (MessagePack: a map of one key,
        # the other rules absent, as spaCy reads them).
        rules = os.path.join(d, "backtracking.tokenizer")
        with open(rules, "wb") as f:
            f.write(b"\x81" + msgpack_str("token_match") + msgpack_str("(a|aa)+$"))
        text = b"hello world\n" + b"a" * 40 + b"b\nbye now\n"
        for t in ("1", "2"):
            rc, out, err = run([tokenize, "--tokenizer", rules, "--threads", t], text)
            lines = [json.loads(x) for x in out.splitlines()]
            check(rc == 3 and len(lines) == 3 and lines[0]["tokens"] == ["hello", "world"]
                  and lines[2]["tokens"] == ["bye", "now"] and lines[1].get("error") == "match_limit"
                  and "token_match" in lines[1].get("message", ""),
                  f"tokenize --threads {t}, a catastrophic token_match: exit {rc}, {lines}, {err!r}")
            check("standard input, line 2: refused (match_limit)" in err, f"tokenize: stderr names the line: {err!r}")


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

    check_threads(tokenize, ner, patterns)
    rule_files(tokenize, ner, patterns, sys.argv[4], sys.argv[5] == "1")
    check_io(tokenize, ner, patterns)
    check_refusals(tokenize, ner, patterns, sys.argv[5] == "1")

    print("cli: %d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
