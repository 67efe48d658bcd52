#!/usr/bin/env python3
"""Collects real English technical text from the Debian changelogs installed on this machine.

usage: tools/real_text.py [--mb N] [--root DIR] OUT.txt.gz

Writes about N MB (default 8) of uncompressed text to OUT.txt.gz: the files
DIR/*/changelog.Debian.gz (default DIR /usr/share/doc) in path order, whole files, until N MB are
reached. These are maintainers' notes with names, e-mail addresses, version strings, bug numbers and
package jargon: the input that makes a vocabulary grow. The shared benchmark corpus
(../shared/data/corpus_docs.txt.gz, 18.1 MB) holds the packages' README and NEWS files, not their
changelogs, so the two add up to distinct real text, e.g. for zone_report's 20+ MB measurement:

    python3 tools/real_text.py --mb 8 /tmp/changelogs.txt.gz
    ./build-release/examples/zone_report ../shared/data/corpus_docs.txt.gz /tmp/changelogs.txt.gz

Which packages are installed decides the exact text: the tool prints how many files and bytes it took.
"""
import argparse
import gzip
import pathlib
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=8.0, help="megabytes (10^6 bytes) of text to collect")
    ap.add_argument("--root", default="/usr/share/doc", help="where the package documentation is")
    args = ap.parse_args()
    if args.mb <= 0:
        ap.error("--mb must be positive")
    want = int(args.mb * 1e6)
    files = sorted(pathlib.Path(args.root).glob("*/changelog.Debian.gz"))
    taken = 0
    used = 0
    with gzip.open(args.out, "wb") as out:
        for f in files:
            if taken >= want:
                break
            try:
                with gzip.open(f, "rb") as src:
                    data = src.read()
            except (OSError, EOFError) as e:  # a damaged or unreadable file is skipped, and said
                print(f"real_text: skipped {f}: {e}", file=sys.stderr)
                continue
            if not data.endswith(b"\n"):
                data += b"\n"
            out.write(data)
            taken += len(data)
            used += 1
    print(f"real_text: {used} changelogs, {taken:,} bytes -> {args.out}")
    if taken < want:
        print(f"real_text: only {taken:,} of {want:,} bytes available under {args.root}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
