#!/usr/bin/env python3
"""examples/custom_model.cpp (a user tokenizer and a user NER component, composed statically and at run
time, each request in a zone): exit 0, the entities its gazetteer and heuristic give, character offsets
that index the text, and no lexeme left in the vocab after the requests.
Usage: custom_model_test.py CUSTOM_MODEL_BINARY
"""
import json
import subprocess
import sys

EXPECTED_ENTS = [
    [("Ada Lovelace", "PERSON"), ("Explosion AI", "ORG")],
    [("Grace", "PERSON"), ("Turing", "PERSON")],
    [],
]


def main():
    p = subprocess.run([sys.argv[1]], capture_output=True, text=True, encoding="utf-8", timeout=60)
    failures = []
    if p.returncode != 0:
        failures.append("exit status %d: %r" % (p.returncode, p.stderr[-500:]))
    lines = p.stdout.splitlines()
    docs = [json.loads(l) for l in lines if l.startswith("{")]
    if len(docs) != len(EXPECTED_ENTS):
        failures.append("%d JSON docs, expected %d" % (len(docs), len(EXPECTED_ENTS)))
    for d, expected in zip(docs, EXPECTED_ENTS):
        text = d["text"]
        got = [(e["text"], e["label"]) for e in d["ents"]]
        if got != expected:
            failures.append("%r: entities %r, expected %r" % (text, got, expected))
        for item in d["tokens"] + d["ents"]:
            if text[item["start_char"]:item["end_char"]] != item["text"]:
                failures.append("%r: %r at %d-%d" % (text, item["text"], item["start_char"], item["end_char"]))
        rebuilt = "".join(t["text"] + (" " if t["ws"] else "") for t in d["tokens"])
        if rebuilt != text:
            failures.append("the tokens of %r rebuild %r" % (text, rebuilt))
    for line in ("dynamic pipeline: 1 entities, first: Ada Lovelace",
                 "vocab: 0 lexemes before the requests, 0 after"):
        if line not in lines:
            failures.append("no line %r in %r" % (line, lines[-3:]))
    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print("custom_model: entities, offsets and an empty vocab after the requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
