#!/usr/bin/env python3
"""Generates include/lexzone/detail/unicode_tables.hpp from Python's own `unicodedata`.

The tables give, for every code point, exactly what Python's `str` methods look at (so lexzone's
`str_isalpha`, `str_istitle`, `append_lower`, ... agree with CPython of the same Unicode version):

* a *class* per code point, found by a two-stage lookup (`stage1[cp >> 8]` picks a 256-entry block,
  the block's byte picks the class); a class is a general category plus property bits;
* the simple lowercase mapping as runs of (first, last, delta, stride), plus the few multi-code-point
  full lowercase mappings (U+0130), as `str.lower()` applies them;
* spaCy's ALPHA_LOWER character class (spacy/lang/char_classes.py, MIT, Explosion AI) as sorted ranges:
  the TLD part of spaCy's URL_MATCH pattern uses it.

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

# spaCy's ALPHA_LOWER (spacy/lang/char_classes.py: the lowercase Latin, Cyrillic, Greek, Tatar,
# Ukrainian and Macedonian letters it lists, plus its "uncased" script blocks), merged into ranges.
SPACY_ALPHA_LOWER = """
0061-007A 00DF-00F6 00F8-00FF 0101 0103 0105 0107 0109 010B 010D 010F 0111 0113 0115 0117 0119 011B
011D 011F 0121 0123 0125 0127 0129 012B 012D 012F 0131 0133 0135 0137-0138 013A 013C 013E 0140 0142
0144 0146 0148-0149 014B 014D 014F 0151 0153 0155 0157 0159 015B 015D 015F 0161 0163 0165 0167 0169
016B 016D 016F 0171 0173 0175 0177 017A 017C 017E-0180 0183 0185 0188 018C-018D 0192 0195 0199-019B
019E 01A1 01A3 01A5 01A8 01AA-01AB 01AD 01B0 01B4 01B6 01B9-01BA 01BD-01BF 01C6 01C9 01CC 01CE 01D0
01D2 01D4 01D6 01D8 01DA 01DC-01DD 01DF 01E1 01E3 01E5 01E7 01E9 01EB 01ED 01EF-01F0 01F3 01F5 01F9
01FB 01FD 01FF 0201 0203 0205 0207 0209 020B 020D 020F 0211 0213 0215 0217 0219 021B 021D 021F 0221
0223 0225 0227 0229 022B 022D 022F 0231 0233-0239 023C 023F-0240 0242 0247 0249 024B 024D 024F-02AF
03AC-03AF 03B1-03C9 03CC-03CE 0430-0451 0453-045A 045C-045D 0491 0497 04A3 04AF 04BB 04D9 04E9
0591-05F4 0620-064A 066E-06D5 06E5-06FF 0750-077F 08A0-08BD 0900-09FF 0B80-0CFF 0D80-0DFF 10A0-137F
1D00-1D25 1D6B-1D77 1D79-1D9A 1E01 1E03 1E05 1E07 1E09 1E0B 1E0D 1E0F 1E11 1E13 1E15 1E17 1E19 1E1B
1E1D 1E1F 1E21 1E23 1E25 1E27 1E29 1E2B 1E2D 1E2F 1E31 1E33 1E35 1E37 1E39 1E3B 1E3D 1E3F 1E41 1E43
1E45 1E47 1E49 1E4B 1E4D 1E4F 1E51 1E53 1E55 1E57 1E59 1E5B 1E5D 1E5F 1E61 1E63 1E65 1E67 1E69 1E6B
1E6D 1E6F 1E71 1E73 1E75 1E77 1E79 1E7B 1E7D 1E7F 1E81 1E83 1E85 1E87 1E89 1E8B 1E8D 1E8F 1E91 1E93
1E95-1E9D 1E9F 1EA1 1EA3 1EA5 1EA7 1EA9 1EAB 1EAD 1EAF 1EB1 1EB3 1EB5 1EB7 1EB9 1EBB 1EBD 1EBF 1EC1
1EC3 1EC5 1EC7 1EC9 1ECB 1ECD 1ECF 1ED1 1ED3 1ED5 1ED7 1ED9 1EDB 1EDD 1EDF 1EE1 1EE3 1EE5 1EE7 1EE9
1EEB 1EED 1EEF 1EF1 1EF3 1EF5 1EF7 1EF9 1EFB 1EFD 1EFF 2C61 2C65-2C66 2C68 2C6A 2C6C 2C71 2C73-2C74
2C76-2C7B 2E80-2FDF 2FF0-303F 31C0-31EF 3200-4DBF 4E00-9FFF A723 A725 A727 A729 A72B A72D A72F-A731
A733 A735 A737 A739 A73B A73D A73F A741 A743 A745 A747 A749 A74B A74D A74F A751 A753 A755 A757 A759
A75B A75D A75F A761 A763 A765 A767 A769 A76B A76D A76F A771-A778 A77A A77C A77F A781 A783 A785 A787
A78C A78E A791 A793-A795 A797 A799 A79B A79D A79F A7A1 A7A3 A7A5 A7A7 A7A9 A7AF A7B5 A7B7 A7B9 A7FA
AB30-AB5A AB60-AB64 AC00-D7AF F900-FAFF FB1D-FBB1 FBD3-FD3D FD50-FDC7 FDF0-FDFB FE30-FE4F FE70-FEFC
FF41-FF5A 1EE00-1EEBB 1F200-1F2FF 20000-2A6DF 2A700-2EBEF 2F800-2FA1F
"""

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


def parse_ranges(text):
    out = []
    for item in text.split():
        lo, _, hi = item.partition("-")
        out.append((int(lo, 16), int(hi or lo, 16)))
    out.sort()
    for (_, a_hi), (b_lo, _) in zip(out, out[1:]):
        assert a_hi < b_lo, "ranges overlap"
    return out


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
    alpha_lower = parse_ranges(SPACY_ALPHA_LOWER)
    w = []
    w.append("// Generated by tools/gen_unicode_tables.py from Python %s's unicodedata (Unicode %s)."
             % (".".join(map(str, sys.version_info[:3])), unicodedata.unidata_version))
    w.append("// Do not edit: change the script and run it again.")
    w.append("//")
    w.append("// Per code point: general category and the properties CPython's str methods read, by a")
    w.append("// two-stage lookup; lowercase mapping runs; spaCy's ALPHA_LOWER class (Explosion AI, MIT).")
    w.append("#pragma once")
    w.append("")
    w.append("#include <cstdint>")
    w.append("")
    w.append("namespace lexzone::detail::ucd {")
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
    w.append("/// An inclusive range of code points.")
    w.append("struct cp_range {")
    w.append("  char32_t first;")
    w.append("  char32_t last;")
    w.append("};")
    w.append("")
    w.append("/// spaCy's ALPHA_LOWER character class (spacy/lang/char_classes.py), sorted, disjoint.")
    w.append("inline constexpr cp_range spacy_alpha_lower[] = {")
    items = ["{0x%04X, 0x%04X}" % r for r in alpha_lower]
    for i in range(0, len(items), 6):
        w.append("    " + ", ".join(items[i:i + 6]) + ",")
    w.append("};")
    w.append("")
    w.append("}  // namespace lexzone::detail::ucd")
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(w) + "\n")
    print("%s: %d classes, %d blocks, %d lowercase runs, %d special, %d ALPHA_LOWER ranges, %d bytes"
          % (path, len(classes), len(ordered), len(runs), len(multi), len(alpha_lower), os.path.getsize(path)))


if __name__ == "__main__":
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "include", "lexzone", "detail", "unicode_tables.hpp")
    emit(out)
