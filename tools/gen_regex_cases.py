#!/usr/bin/env python3
"""Writes the expectations of tests/regex_test.cpp: what Python's `re` answers, as JSON lines.

    python3 tools/gen_regex_cases.py [SPACY_LANG_DIR]

1. tests/data/regex_cases.jsonl: hand-picked (pattern, subject) pairs, each with Python's result for
   search (at 0 and at a few offsets), match, fullmatch and finditer; patterns Python rejects (the test
   expects regex_error); and sweeps: one pattern run with finditer over every code point of a range, the
   adjacent matches merged into runs (op "sweep"), for \\w \\d \\s, their negations and IGNORECASE.
2. tests/data/regex_spacy_cases.jsonl (when SPACY_LANG_DIR, default ../shared/data/spacy_lang, exists):
   for each of its L.tokenizer files, strings from L_cases.jsonl (whitespace-separated chunks, tokens, a
   chunk without its first or last character; at most 100 per language) with what spaCy's tokenizer asks
   of the five regexes: prefix_search(s) and suffix_search(s) match lengths, infix_finditer(s) spans,
   bool(token_match(s)), bool(url_match(s)). fr also gets probes that its token_match accepts.

Offsets are UTF-8 byte offsets (Python's code point offsets converted). Subjects that are not valid UTF-8
are given as "subject_hex" and decoded with surrogateescape, as lexzone decodes invalid bytes.
"""
import json
import os
import re
import struct
import sys
import warnings

warnings.simplefilter("ignore", FutureWarning)  # Python warns about [[ and && in classes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data")


def boff(s, i):
    """UTF-8 byte offset of code point offset i of s (surrogateescape for lone surrogates)."""
    return len(s[:i].encode("utf-8", "surrogateescape"))


def span(s, m):
    return None if m is None else [boff(s, m.start()), boff(s, m.end())]


def subject_fields(s):
    try:
        return {"subject": s.encode("utf-8").decode("utf-8")}
    except UnicodeEncodeError:
        return {"subject_hex": s.encode("utf-8", "surrogateescape").hex()}


CASES = [
    # escapes and anchors
    (r"\u00e9t\u00E9", "un été"), (r"\U0001F600+", "ok 😀😀!"), (r"\x41\x62", "xAb"), (r"\101\0", "A\0"),
    (r"a\Z", "a\n"), (r"a$", "a\n"), (r"a$", "a\nb"), (r"(?m)a$", "a\nb"), (r"(?m)^b", "a\nb"), (r"(?m)^", "a\n"),
    (r"(?m)$", "a\nb\n"), (r"^a", "ba"), (r"\Aa", "ab"), (r"$", "ab\n"), (r".", "\n"), (r"(?s).", "\n"), (r".+", "ab\ncd"),
    (r"\b\w+\b", "héllo wörld_1 ٣٤ x"), (r"\B.", "ab c"), (r"\bé", "é aé"),
    # quantifiers and Python's {
    (r"a{,2}", "aaa"), (r"a{2,}", "aaaa"), (r"a{2}", "aaa"), (r"a{,}", "aaa"), (r"a{", "a{"), (r"a{x}", "a{x}"),
    (r"a{}", "a{}"), (r"x{1,2}?", "xx"), (r"a*+a", "aaa"), (r"(?>a+)b", "aab"), (r"{", "{"), (r"a{1,}?", "aaa"),
    # empty matches in finditer
    (r"x*", "axxb"), (r"\b|:+", "a::bc"), (r"|a", "aa"), (r"(?=a)|a", "aa"), (r"a?", "baa"), (r"", "héé"),
    (r"(?<=a)", "aaa"), (r"$|x", "x\n"), (r"\s*", "a  b"),
    # groups
    (r"(?P<w>\w)(?P=w)", "abccd"), (r"(a)(b)?\2?", "ab"), (r"(a)|b", "b"), (r"(?:ab)+", "ababa"), (r"(a)(?(1)b|c)", "ab ac"),
    (r"(?P<x>a)?(?(x)b|c)", "c ab"), (r"(?#comment)a(?#x)*", "aaa"), (r"(a)\1", "aa"), (r"(?P<é>x)(?P=é)", "xx"),
    # classes
    (r"[\w\-\.]+", "a-b.c d"), (r"[^\s]+", "ab\u00a0cd\x1cef"), (r"[\S]+", "ab\u0085cd"), (r"[\s]+", "a\x1c\x1d\x1e\x1f\u0085\u200bb"),
    (r"\s+", " \t\n\r\f\v\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\u180e\u200b"),
    (r"[^\W\d]+", "ab12_c٣d"), (r"[\W\d]+", "ab12_c٣d!"), (r"[\D]+", "ab12"), (r"[^\D]+", "a12٣"), (r"[]a]+", "a]b"),
    (r"[a-]+", "a-b"), (r"[-a]+", "-ab"), (r"[\]]", "]"), (r"[\b]", "\b"), (r"[\u00a1-\uffff]+", "abcé€😀"),
    (r"[\U0001F600-\U0001F64F]", "a😀"), (r"[^a-z]+", "abcDEF"), (r"[[]", "["), (r"[a&&b]+", "a&b"), (r"[\d\s]+", "1 ٣\u2003x"),
    (r"\d+", "12٣٤५६x"), (r"\w+", "ab_ç1²½Ⅻ३"), (r"\W+", "a, b"), (r"[\w]+", "x²y"),
    # look-arounds as spaCy writes them
    (r"(?<=[0-9])(?:[+\-\*^])(?=[0-9-])", "1+2 3-4"), (r"(?<=[a-z])\.(?=[A-Z])", "a.B"), (r"(?<![a-z])'", "'a b'"),
    (r"(?<=\.\.)\.", "...."), (r"(?<=[a-z]|[0-9])x", "1x ax"),
    # ASCII flag
    (r"(?a)\w+", "abç1²"), (r"(?a)\d+", "1٣"), (r"(?a)\s+", "a\x1c\xa0 b"), (r"(?ai)k", "kK\u212a"), (r"(?a)\bx", "éx x"),
    # IGNORECASE
    (r"(?i)k", "kK\u212a"), (r"(?i)s", "sSſ"), (r"(?i)i", "iIİı"), (r"(?i)ı", "iIİı"), (r"(?i)İ", "iIİı"), (r"(?i)ß", "ßẞss"),
    (r"(?i)ẞ", "ßẞ"), (r"(?i)σ", "σςΣ"), (r"(?i)µ", "µμΜ"), (r"(?i)[a-z]+", "AbC\u212aſİı"), (r"(?i)[^a-z]+", "AbC\u212aſİı1"),
    (r"(?i)[k]", "\u212a"), (r"(?i)straße", "STRASSE STRAẞE"), (r"(?i)ǆ", "ǄǅǆDŽ"), (r"(?i)[𐐀]", "𐐀𐐨"), (r"(?i)[𐐀-𐐁]+", "𐐨𐐩𐐀"),
    (r"(?i)(a)\1", "aA"), (r"(?i:a)b", "Ab AB"), (r"(?i)a(?-i:b)", "Ab AB"), (r"(?i)[\w]+", "ÄÖü"), (r"(?i)θ", "θϑΘϴ"),
    (r"(?i)\u0345", "\u0345\u03b9\u0399\u1fbe"), (r"(?i)в", "вВᲀ"), (r"(?i)[ᲀ-ᲈ]+", "вдоВ"),
    # verbose
    ("(?x) a b # comment\n c", "abc"), ("(?x)[ a]+", "a a"), ("(?x)a\\ b", "a b"), ("(?x) a *", "aaa"),
    # alternation order (Python takes the first alternative that matches)
    (r"a|ab", "ab"), (r"ab|a", "ab"), (r"(?:a|ab)c", "abc"),
    # spaCy-like URL and affixes
    (r"(?u)^(?:(?:[\w\+\-\.]{2,})://)?(?:\S+(?::\S*)?@)?\S+$", "http://example.com/x"),
    (r"^[\[\(\"'“”‘’«»]", "«Bonjour"), (r"(?:[\.\,\?]|…)$", "fin…"),
]

# Invalid UTF-8 subjects (surrogateescape): (pattern, bytes)
BYTE_CASES = [
    (r".+", b"ab\xffcd"), (r"\w+", b"ab\xffcd"), (r"\S+", b"a\xe2\x82 b"), (r"[^a]+", b"a\xc0\x80a"),
    (r"[\u00a1-\uffff]+", b"x\xff\xfey"), (r"\s", b"\xff "), (r"(?<=\w)\W", b"a\xffb"), (r"\udcff", b"a\xff"),
    (r"[\udc80-\udcff]+", b"\x80\x81a"), (r"x*", b"\xffx\xff"),
]

ERRORS = [
    r"(", r")", r"a)", r"[a", r"*", r"a**", r"a{2}{3}", r"\q", r"(?P<1>a)", r"(?P=x)", r"\1", r"(a)\2", r"(?L)a",
    r"a(?i)b", r"(?<name>a)", r"[z-a]", r"[\w-z]", r"\x4", r"\u12", r"\U0011FFFF", r"(?P<a>x)(?P<a>y)", r"(a\1)",
    r"x{3,2}", r"(?a-u:x)", r"(?-a:x)", r"(?au)x", r"(?(2)a|b)", r"(?(1)a|b|c)", r"\8",
]
# Valid Python that lexzone refuses (regex_errc::unsupported): no Unicode name table; PCRE2's repeat limit.
UNSUPPORTED = [r"\N{DIGIT ONE}", r"x{70000}", r"x{1,70000}"]

SWEEPS = [
    (r"\w", 0, 0x3400), (r"\W", 0, 0x3400), (r"\d", 0, 0x10000), (r"\D", 0, 0x3000), (r"\s", 0, 0x3100),
    (r"\S", 0, 0x3100), (r"[\s\d]", 0, 0x3100), (r"[^\w\s]", 0, 0x3100), (r"\w", 0x10000, 0x20000),
    (r"\d", 0x10000, 0x20000), (r".", 0, 0x800), (r"(?i)[a-z]", 0, 0x2200), (r"(?i)[^a-z]", 0, 0x2200),
    (r"(?i)k", 0, 0x2200), (r"(?i)s", 0, 0x2200), (r"(?i)i", 0, 0x2200), (r"(?i)ς", 0, 0x2000), (r"(?i)[α-ω]", 0, 0x2000),
    (r"(?i)[а-я]", 0, 0x2000), (r"(?i)[ᲀ-ᲈ]", 0, 0xA700), (r"(?i)[À-ž]", 0, 0x2200), (r"(?i)[𐐀-𐑏]", 0x10000, 0x10500),
    (r"(?i)[\u0100-\u024f]", 0, 0x2C80), (r"(?i)\w", 0, 0x2200), (r"(?ai)[a-z]", 0, 0x2200), (r"(?a)\w", 0, 0x800),
]


def sweep_subject(lo, hi):
    return "".join(chr(c) for c in range(lo, hi) if not 0xD800 <= c <= 0xDFFF)


def runs(s, pattern):
    out = []
    for m in re.finditer(pattern, s):
        b, e = boff(s, m.start()), boff(s, m.end())
        if out and out[-1][1] == b:
            out[-1][1] = e
        else:
            out.append([b, e])
    return out


def case_lines():
    lines = []
    subjects = [(p, s) for p, s in CASES] + [(p, b.decode("utf-8", "surrogateescape")) for p, b in BYTE_CASES]
    for pattern, s in subjects:
        rx = re.compile(pattern)
        base = {"pattern": pattern, **subject_fields(s)}
        positions = sorted({0, 1, len(s) // 2, len(s)})
        for pos in positions:
            if pos <= len(s):
                lines.append({**base, "op": "search", "pos": boff(s, pos), "result": span(s, rx.search(s, pos))})
        lines.append({**base, "op": "match", "pos": 0, "result": span(s, rx.match(s))})
        if len(s) > 1:
            lines.append({**base, "op": "match", "pos": boff(s, 1), "result": span(s, rx.match(s, 1))})
        lines.append({**base, "op": "fullmatch", "pos": 0, "result": span(s, rx.fullmatch(s))})
        lines.append({**base, "op": "finditer", "pos": 0, "result": [span(s, m) for m in rx.finditer(s)]})
        m = rx.search(s)
        if m is not None and rx.groups:
            lines.append({**base, "op": "groups", "pos": 0,
                          "result": [None if m.start(g) < 0 else [boff(s, m.start(g)), boff(s, m.end(g))]
                                     for g in range(rx.groups + 1)]})
    for pattern in ERRORS:
        try:
            re.compile(pattern)
            raise SystemExit("Python accepts %r: not an error case" % pattern)
        except re.error:
            pass
        lines.append({"pattern": pattern, "op": "error", "result": "syntax"})
    for pattern in UNSUPPORTED:
        re.compile(pattern)
        lines.append({"pattern": pattern, "op": "error", "result": "unsupported"})
    for pattern, lo, hi in SWEEPS:
        lines.append({"pattern": pattern, "op": "sweep", "range": [lo, hi], "result": runs(sweep_subject(lo, hi), pattern)})
    return lines


# ---- spaCy's tokenizer regexes ----------------------------------------------------------------------------
def msgpack(b):
    def rd(i):
        t = b[i]
        if t <= 0x7F:
            return t, i + 1
        if 0x80 <= t <= 0x8F:
            return rmap(i + 1, t & 0xF)
        if 0x90 <= t <= 0x9F:
            return rarr(i + 1, t & 0xF)
        if 0xA0 <= t <= 0xBF:
            n = t & 0x1F
            return b[i + 1:i + 1 + n].decode(), i + 1 + n
        if t == 0xC0:
            return None, i + 1
        if t in (0xC2, 0xC3):
            return t == 0xC3, i + 1
        for code, size in ((0xD9, 1), (0xDA, 2), (0xDB, 4)):
            if t == code:
                n = int.from_bytes(b[i + 1:i + 1 + size], "big")
                return b[i + 1 + size:i + 1 + size + n].decode(), i + 1 + size + n
        if t in (0xDC, 0xDD):
            size = 2 if t == 0xDC else 4
            return rarr(i + 1 + size, int.from_bytes(b[i + 1:i + 1 + size], "big"))
        if t in (0xDE, 0xDF):
            size = 2 if t == 0xDE else 4
            return rmap(i + 1 + size, int.from_bytes(b[i + 1:i + 1 + size], "big"))
        if t == 0xCC:
            return b[i + 1], i + 2
        raise ValueError("msgpack type 0x%x" % t)

    def rmap(i, n):
        d = {}
        for _ in range(n):
            k, i = rd(i)
            v, i = rd(i)
            d[k] = v
        return d, i

    def rarr(i, n):
        a = []
        for _ in range(n):
            v, i = rd(i)
            a.append(v)
        return a, i

    v, i = rd(0)
    assert i == len(b)
    return v


FR_PROBES = ["a-sexualisé", "A-SEXUALISÉS", "aujourd'hui", "Aujourd’hui", "prud'homme", "arc-en-ciel", "Saint-Étienne",
             "week-end", "c'est-à-dire", "peut-être", "l'avion", "rendez-vous", "porte-monnaie", "porte-monnaies", "anti-âge"]
PER_LANG = 100


def strings_for(lang_dir, lang):
    out, seen = [], set()

    def add(s):
        if s and s not in seen and len(out) < PER_LANG:
            seen.add(s)
            out.append(s)

    path = os.path.join(lang_dir, lang + "_cases.jsonl")
    if lang == "fr":
        for p in FR_PROBES:
            add(p)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        for row in rows:
            for chunk in row["text"].split():
                add(chunk)
                add(chunk[1:])
                add(chunk[:-1])
            for tok in row["tokens"]:
                add(tok)
    return out


def spacy_lines(lang_dir):
    lines = []
    for name in sorted(os.listdir(lang_dir)):
        if not name.endswith(".tokenizer"):
            continue
        lang = name[: -len(".tokenizer")]
        with open(os.path.join(lang_dir, name), "rb") as f:
            rules = msgpack(f.read())
        rx = {k: re.compile(rules[k]) if rules[k] is not None else None
              for k in ("prefix_search", "suffix_search", "infix_finditer", "token_match", "url_match")}
        for s in strings_for(lang_dir, lang):
            def length(m):
                return -1 if m is None else boff(s, m.end()) - boff(s, m.start())
            row = {"lang": lang, "s": s,
                   "prefix": length(rx["prefix_search"].search(s)),
                   "suffix": length(rx["suffix_search"].search(s)),
                   "infix": [span(s, m) for m in rx["infix_finditer"].finditer(s)],
                   "token_match": None if rx["token_match"] is None else rx["token_match"].match(s) is not None,
                   "url_match": rx["url_match"].match(s) is not None}
            lines.append(row)
    return lines


def write(path, lines):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    print("%s: %d lines, %d bytes" % (path, len(lines), os.path.getsize(path)))


if __name__ == "__main__":
    write(os.path.join(OUT, "regex_cases.jsonl"), case_lines())
    lang_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "spacy_lang")
    if os.path.isdir(lang_dir):
        write(os.path.join(OUT, "regex_spacy_cases.jsonl"), spacy_lines(lang_dir))
    else:
        print("no %s: regex_spacy_cases.jsonl not written" % lang_dir)
