#!/usr/bin/env python3
"""Generates include/lexzone/detail/unicode_tables.hpp from Python's own `unicodedata`.

The tables give, for every code point, exactly what Python's `str` methods look at (so lexzone's
`str_isalpha`, `str_istitle`, `append_lower`, ... agree with CPython of the same Unicode version):

* a *class* per code point, found by a two-stage lookup (`stage1[cp >> 8]` picks a 256-entry block,
  the block's byte picks the class); a class is a general category plus property bits;
* the simple lowercase mapping as runs of (first, last, delta, stride), plus the few multi-code-point
  full lowercase mappings (U+0130), as `str.lower()` applies them.

Only Unicode properties are generated here. spaCy's character classes that are lists of code points
(ALPHA, ALPHA_LOWER, ICONS, ...) are not Unicode properties: include/lexzone/lang/char_classes.hpp holds them.

Every property is read back from CPython itself (`str.isalpha()`, `str.islower()`, final-sigma behaviour
of `str.lower()`), never from a hand-made list, and the script checks its own tables against CPython
for every code point before writing.

Usage:  python3 tools/gen_unicode_tables.py [output.hpp]
"""
import os
import sys
import unicodedata

MAX_CP = 0x110000
SHIFT = 8
BLOCK = 1 << SHIFT

CATEGORIES = ("Lu Ll Lt Lm Lo Mn Mc Me Nd Nl No Pc Pd Ps Pe Pi Pf Po "
              "Sm Sc Sk So Zs Zl Zp Cc Cf Cs Co Cn").split()

# Property bits (the order is the bit number). Names and meanings as in CPython's unicodectype.c.
FLAGS = [
    ("alpha", "str.isalpha(): general category L*"),
    ("decimal", "str.isdecimal(): Numeric_Type=Decimal (category Nd)"),
    ("digit", "str.isdigit(): Numeric_Type=Digit or Decimal"),
    ("numeric", "str.isnumeric(): any Numeric_Type"),
    ("space", "str.isspace(): category Zs or bidi class WS, B or S"),
    ("lowercase", "Lowercase property (str.islower() of one code point)"),
    ("uppercase", "Uppercase property (str.isupper() of one code point)"),
    ("titlecase", "category Lt"),
    ("cased", "Cased property: Lowercase, Uppercase or Lt"),
    ("case_ignorable", "Case_Ignorable property (final-sigma context of str.lower())"),
    ("changes_when_lowered", "str.lower() maps it to something else (look it up in the lowercase runs)"),
]
BIT = {name: 1 << i for i, (name, _) in enumerate(FLAGS)}

# Characters allowed in the string literals that hold the blocks: printable ASCII without '"', '\\'
# and '?' (no escapes, no trigraph look-alikes). A block byte b stands for class `b - 0x20`.
ALPHABET = [c for c in range(0x20, 0x7F) if chr(c) not in '"\\?']

SIGMA = 0x3A3


def case_ignorable(ch):
    """Case_Ignorable, read from the final-sigma rule of CPython's str.lower()."""
    after_then_cased = ("A\u03a3" + ch + "b").lower()[1]
    at_end = ("A\u03a3" + ch).lower()[1]
    return after_then_cased == "\u03c3" and at_end == "\u03c2"


def properties(cp):
    ch = chr(cp)
    bits = 0
    if ch.isalpha():
        bits |= BIT["alpha"]
    if ch.isdecimal():
        bits |= BIT["decimal"]
    if ch.isdigit():
        bits |= BIT["digit"]
    if ch.isnumeric():
        bits |= BIT["numeric"]
    if ch.isspace():
        bits |= BIT["space"]
    lower, upper = ch.islower(), ch.isupper()
    title = unicodedata.category(ch) == "Lt"
    if lower:
        bits |= BIT["lowercase"]
    if upper:
        bits |= BIT["uppercase"]
    if title:
        bits |= BIT["titlecase"]
    if lower or upper or title:
        bits |= BIT["cased"]
    if cp != SIGMA and case_ignorable(ch):
        bits |= BIT["case_ignorable"]
    if cp == SIGMA or ch.lower() != ch:
        bits |= BIT["changes_when_lowered"]
    return CATEGORIES.index(unicodedata.category(ch)), bits


def lower_tables():
    """Simple mappings as runs (first, last, delta, stride) and the multi-code-point ones."""
    runs, multi = [], []
    for cp in range(MAX_CP):
        if cp == SIGMA:
            mapped = "\u03c3"  # the context-free form; the final-sigma rule is applied in code
        else:
            mapped = chr(cp).lower()
        if mapped == chr(cp):
            continue
        if len(mapped) != 1:
            multi.append((cp, [ord(c) for c in mapped]))
            continue
        delta = ord(mapped) - cp
        if runs:
            first, last, d, stride = runs[-1]
            if d == delta and stride in (0, 1) and cp == last + 1:
                runs[-1] = (first, cp, d, 1)
                continue
            if d == delta and stride in (0, 2) and cp == last + 2:
                runs[-1] = (first, cp, d, 2)
                continue
        runs.append((cp, cp, delta, 0))
    return [(f, l, d, s or 1) for f, l, d, s in runs], multi


def build():
    per_cp = [properties(cp) for cp in range(MAX_CP)]
    classes = sorted(set(per_cp), key=lambda r: (r[0], r[1]))
    # class 0 must be "unassigned" so that an all-zero block means Cn
    cn = (CATEGORIES.index("Cn"), 0)
    classes.remove(cn)
    classes.insert(0, cn)
    assert len(classes) <= len(ALPHABET), "too many classes for the block alphabet"
    class_index = {c: i for i, c in enumerate(classes)}
    blocks, stage1 = {}, []
    for start in range(0, MAX_CP, BLOCK):
        block = tuple(class_index[per_cp[cp]] for cp in range(start, start + BLOCK))
        stage1.append(blocks.setdefault(block, len(blocks)))
    assert len(blocks) <= 256, "stage1 entries must fit in one byte"
    runs, multi = lower_tables()

    # Self-check: the tables answer like CPython for every code point.
    ordered = sorted(blocks.items(), key=lambda kv: kv[1])
    for cp in range(MAX_CP):
        cls = classes[ordered[stage1[cp >> SHIFT]][0][cp & (BLOCK - 1)]]
        assert cls == per_cp[cp], hex(cp)
    mapped = {}
    for first, last, delta, stride in runs:
        for cp in range(first, last + 1, stride):
            mapped[cp] = cp + delta
    for cp in range(MAX_CP):
        if cp == SIGMA:
            continue
        want = chr(cp).lower()
        if len(want) == 1:
            assert chr(mapped.get(cp, cp)) == want, hex(cp)
    return classes, ordered, stage1, runs, multi


def emit(path):
    classes, ordered, stage1, runs, multi = build()
    w = []
    w.append("// Generated by tools/gen_unicode_tables.py from Python %s's unicodedata (Unicode %s)."
             % (".".join(map(str, sys.version_info[:3])), unicodedata.unidata_version))
    w.append("// Do not edit: change the script and run it again.")
    w.append("//")
    w.append("// Per code point: general category and the properties CPython's str methods read, by a")
    w.append("// two-stage lookup; lowercase mapping runs.")
    w.append("#pragma once")
    w.append("")
    w.append("#include <cstdint>")
    w.append("")
    w.append('#include "../config.hpp"  // LEXZONE_ABI_NAMESPACE')
    w.append("")
    w.append("namespace lexzone::inline LEXZONE_ABI_NAMESPACE::detail::ucd {")
    w.append("")
    w.append('/// The Unicode version the tables were generated from.')
    w.append('inline constexpr char unicode_version[] = "%s";' % unicodedata.unidata_version)
    w.append("")
    w.append("/// General categories, in this order.")
    w.append("enum class category : std::uint8_t {")
    w.append("  " + ", ".join(CATEGORIES))
    w.append("};")
    w.append("")
    w.append("/// Property bits of `char_class::flags`.")
    w.append("enum flag : std::uint16_t {")
    for i, (name, doc) in enumerate(FLAGS):
        w.append("  %s = 1u << %d,  ///< %s" % (name, i, doc))
    w.append("};")
    w.append("")
    w.append("/// What one class of code points is.")
    w.append("struct char_class {")
    w.append("  category cat;")
    w.append("  std::uint16_t flags;")
    w.append("};")
    w.append("")
    w.append("/// Classes, indexed by (block byte - 0x20); the entries for '\"', '\\\\' and '?' are unused.")
    w.append("inline constexpr char_class classes[] = {")
    by_byte = {ALPHABET[i]: c for i, c in enumerate(classes)}
    row = []
    for b in range(0x20, 0x20 + (max(ALPHABET[: len(classes)]) - 0x20) + 1):
        cat, bits = by_byte.get(b, (CATEGORIES.index("Cn"), 0))
        row.append("{category::%s, 0x%03X}" % (CATEGORIES[cat], bits))
    for i in range(0, len(row), 6):
        w.append("    " + ", ".join(row[i:i + 6]) + ",")
    w.append("};")
    w.append("")
    w.append("inline constexpr unsigned shift = %d;" % SHIFT)
    w.append("")
    w.append("/// Block number of each 256-code-point range (index: cp >> shift).")
    w.append("inline constexpr std::uint8_t stage1[%d] = {" % len(stage1))
    for i in range(0, len(stage1), 32):
        w.append("    " + ",".join(str(v) for v in stage1[i:i + 32]) + ",")
    w.append("};")
    w.append("")
    w.append("/// Blocks: one byte per code point (index: cp & 0xFF), naming its class as byte - 0x20.")
    w.append("inline constexpr char stage2[%d][%d] = {" % (len(ordered), BLOCK + 1))
    for block, _ in ordered:
        w.append('    "' + "".join(chr(ALPHABET[c]) for c in block) + '",')
    w.append("};")
    w.append("")
    w.append("/// Simple lowercase mapping: every `stride`-th code point of [first, last] maps to cp + delta.")
    w.append("struct lower_run {")
    w.append("  char32_t first;")
    w.append("  char32_t last;")
    w.append("  std::int32_t delta;")
    w.append("  std::uint32_t stride;")
    w.append("};")
    w.append("")
    w.append("inline constexpr lower_run lower_runs[] = {")
    items = ["{0x%04X, 0x%04X, %d, %d}" % r for r in runs]
    for i in range(0, len(items), 4):
        w.append("    " + ", ".join(items[i:i + 4]) + ",")
    w.append("};")
    w.append("")
    w.append("/// Full lowercase mappings to more than one code point (SpecialCasing, unconditional).")
    w.append("struct lower_special {")
    w.append("  char32_t cp;")
    w.append("  char32_t mapped[3];")
    w.append("};")
    w.append("")
    w.append("inline constexpr lower_special lower_specials[] = {")
    for cp, seq in multi:
        assert len(seq) <= 3
        w.append("    {0x%04X, {%s}}," % (cp, ", ".join("0x%04X" % c for c in seq + [0] * (3 - len(seq)))))
    w.append("};")
    w.append("")
    w.append("}  // namespace lexzone::detail::ucd")
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(w) + "\n")
    print("%s: %d classes, %d blocks, %d lowercase runs, %d special, %d bytes"
          % (path, len(classes), len(ordered), len(runs), len(multi), os.path.getsize(path)))


if __name__ == "__main__":
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "include", "lexzone", "detail", "unicode_tables.hpp")
    emit(out)
