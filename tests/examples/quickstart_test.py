#!/usr/bin/env python3
"""The README's first example (examples/quickstart.cpp) prints what spaCy 3.8 gives for its texts.

Expected tokens for the first text are spaCy 3.8.2's (shared/data/spacy_lang/en_cases.jsonl: tokens and
trailing spaces); character offsets follow from them. The second text is plain prose (spaCy splits it at
spaces and peels the final period). Entities come from the two phrase patterns of the example.
Usage: quickstart_test.py QUICKSTART_BINARY
"""
import subprocess
import sys

SPACY_TOKENS = ["—", "Yo", "me", "llamo", "...", "–", "murmuró", "el", "niño", "–", "Emilio", "Sánchez", "Pérez", "."]
SPACY_WS = [False, True, True, False, True, False, True, True, False, True, True, True, False, False]


def line_of(tokens, ws):
    out, idx = [], 0
    for tok, space in zip(tokens, ws):
        out.append(f"{tok}@{idx}")
        idx += len(tok) + (1 if space else 0)  # len(): code points, as spaCy's idx
    return " ".join(out)


def main():
    got = subprocess.run([sys.argv[1]], capture_output=True, text=True, encoding="utf-8", check=True).stdout
    second = "Emilio Sánchez Pérez wrote to the Debian Project.".replace(".", " .").split(" ")
    expected = "\n".join([
        line_of(SPACY_TOKENS, SPACY_WS),
        "  Emilio Sánchez Pérez | PERSON | 34-54",
        line_of(second, [True] * (len(second) - 2) + [False, False]),
        "  Emilio Sánchez Pérez | PERSON | 0-20",
        "  Debian Project | ORG | 34-48",
        "transient lexemes left: 0",
        "",
    ])
    if got != expected:
        print("quickstart output differs from spaCy's tokens/offsets:\n--- got\n" + got + "--- expected\n" + expected)
        return 1
    print("quickstart: tokens, entities and offsets as spaCy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
