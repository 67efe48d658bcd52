#!/usr/bin/env python3
"""Writes spaCy's serialized tokenizer, the file lexzone's rule tokenizer reads, for a language or a pipeline.

usage: tools/spacy_tokenizer_file.py LANG_OR_PIPELINE OUT

LANG_OR_PIPELINE is a spaCy language code (de, fr, ru, ...: the rules of spacy.blank(LANG)), or the name or
directory of an installed spaCy pipeline (de_core_news_sm, ./my_pipeline: its tokenizer, with any rules the
pipeline changed). OUT receives nlp.tokenizer.to_bytes(exclude=["vocab"]), MessagePack: the same bytes as the
`tokenizer` file that nlp.to_disk() writes into a pipeline directory, so a pipeline directory needs no export
(pass DIR/tokenizer to lexzone directly). Needs spaCy (pip install spacy); lexzone itself does not.

    python3 tools/spacy_tokenizer_file.py de de.tokenizer
    ./build/examples/lexzone_tokenize --tokenizer de.tokenizer german.txt

Exit status: 0; 1 when spaCy is missing or the language or pipeline is unknown.
"""
import argparse
import pathlib
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", help="a language code (spacy.blank) or a pipeline name or directory (spacy.load)")
    ap.add_argument("out", help="the file to write")
    args = ap.parse_args()
    try:
        import spacy
    except ImportError:
        print("spacy_tokenizer_file.py: spaCy is not installed (pip install spacy)", file=sys.stderr)
        return 1
    try:
        if pathlib.Path(args.source).exists() or "_" in args.source:
            nlp = spacy.load(args.source)
        else:
            nlp = spacy.blank(args.source)
    except (ImportError, OSError, KeyError, ValueError) as e:
        print(f"spacy_tokenizer_file.py: {args.source}: {e}", file=sys.stderr)
        return 1
    data = nlp.tokenizer.to_bytes(exclude=["vocab"])
    pathlib.Path(args.out).write_bytes(data)
    print(f"{args.out}: {len(data):,} bytes, spaCy {spacy.__version__}, {nlp.lang} ({args.source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
