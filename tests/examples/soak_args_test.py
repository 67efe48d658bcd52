#!/usr/bin/env python3
"""examples/soak's command line: --help, bad values and unknown options (status 2 and a message), and a
short --check run that passes.

usage: soak_args_test.py PATH/TO/soak
"""
import subprocess
import sys

EXE = sys.argv[1]
failures = []


def run(args, expect):
    p = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120)
    if p.returncode != expect:
        failures.append(f"{args}: exit {p.returncode}, expected {expect}; stderr: {p.stderr[-300:]}")
    return p


p = run(["--help"], 0)
if not p.stdout.startswith("usage: soak"):
    failures.append("--help prints the usage on stdout")
for args, word in [(["--tokens", "0"], "--tokens"), (["--tokens", "-5"], "--tokens"), (["--every", "x"], "--every"),
                   (["--tolerance", "abc"], "--tolerance"), (["--tolerance", "-1"], "--tolerance"),
                   (["--tolerance", "nan"], "--tolerance"), (["--every"], "missing value"),
                   (["--frobnicate"], "unknown option")]:
    p = run(args, 2)
    if word not in p.stderr:
        failures.append(f"{args}: the message names {word!r}: {p.stderr!r}")
# Two RSS samples only: a 5 % tolerance (the default 1 % is about 33 pages of this small process, which a
# reclaimed page of code or a huge page can move); CI's own soak run checks 1 % over 5 samples.
p = run(["--tokens", "200000", "--every", "100000", "--seed", "0", "--check", "--tolerance", "5"], 0)
if "at baseline after every zone: yes" not in p.stdout:
    failures.append("a short --check run reports the sizes at baseline")

for f in failures:
    print("FAIL:", f)
if failures:
    sys.exit(1)
print("soak: all checks passed")
