#!/usr/bin/env python3
"""Checks that every public function of lexzone's public headers documents its complexity and what it throws.

The project's style rule: "Each public declaration says what it does, its complexity, ownership and lifetime
(which zone's close ends it), thread safety, and what it throws." This script checks the two clauses that can be
checked mechanically, complexity and throws, on every public function declaration; `.ci/lint.sh` runs it.

Usage:  python3 tools/check_api_docs.py [--list] [header.hpp ...]
        (default: every include/lexzone/**/*.hpp but include/lexzone/detail/)
Output: one line per finding, `file:line: missing Complexity|Throws: <declaration start>` (both kinds joined
        by ", " when both are missing); exit status 1 if there is any finding, 0 otherwise.
        --list prints every declaration the rules check instead (to review what the parser sees).

Rules:
- Public headers: include/lexzone/**/*.hpp except include/lexzone/detail/ (internals).
- Checked: every function declaration or definition that is public: free functions (and function templates),
  member functions, constructors, destructors, conversion functions and operators, including hidden friends
  defined in the class, in a `public:` section of a class (or the default-public part of a struct or union),
  of a class that is itself public (a class nested in a private or protected section is not).
- Not checked: anything in a `namespace detail` (or `...::detail`, `...::detail::x`) or an anonymous
  namespace; private and protected members; concepts; `= delete` and `= default` declarations; deduction
  guides; out-of-class definitions of members (`T X<A>::f(...) {`: the declaration in the class is checked);
  friend declarations without a body; function bodies (local classes, lambdas); preprocessor lines.
- The doc comment of a declaration: the `///` lines right above it (blank lines, preprocessor lines and plain
  `//` comments in between are skipped, as Doxygen skips them), plus a `///<` comment on any line of its head.
  A declaration with no doc comment of its own right below another one, with no line between them (a group
  documented once, e.g. overloads), shares the doc comment of the group's first declaration.
- Complexity clause: the doc comment has a "Complexity...:" clause ("Complexity: O(n).", "Complexity of `f`:
  ...", "Complexity, lifetime and throws: as `f`.") or mentions an O(...) bound.
- Throws clause: the doc comment mentions "throws" or "throw" (any case: "Throws: nothing.",
  "Throws: `unknown_hash` ..."), unless the function is `noexcept` (or `noexcept(true)`) or is a
  destructor (implicitly noexcept) not marked `noexcept(false)`. A conditional `noexcept(expr)` needs the
  clause.
- Class-level comments are not inherited by members (thread safety may be stated once per class, but this
  script does not check thread safety).
- A construct the script cannot parse is skipped, never an error: the script errs towards silence
  (a brace it cannot match ends the scan of that file with a note on stderr, without failing).
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
INCLUDE = os.path.join(ROOT, "include", "lexzone")

# "Complexity: ...", "Complexity of `f`: ...", "Complexity, throws: as `f`." (a colon ends the clause's head), or
# an O(...) bound anywhere.
COMPLEXITY_RE = re.compile(r"\b[Cc]omplexity\b[^.:]{0,60}:|\bO\(")
THROWS_RE = re.compile(r"\bthrows?\b", re.IGNORECASE)


def public_headers():
    out = []
    for dirpath, dirnames, filenames in os.walk(INCLUDE):
        rel = os.path.relpath(dirpath, INCLUDE)
        if rel == "detail" or rel.startswith("detail" + os.sep):
            dirnames[:] = []
            continue
        dirnames.sort()
        for f in sorted(filenames):
            if f.endswith(".hpp"):
                out.append(os.path.join(dirpath, f))
    return out


def blank_comments_and_literals(text):
    """Returns `text` with comments, string and character literals and preprocessor lines replaced by spaces
    (newlines kept, so offsets and line numbers stay the same)."""
    out = list(text)
    n = len(text)
    i = 0
    line_start = True  # only whitespace since the last newline

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    def quoted_end(start):
        """One past the literal opened by the quote at `start` (its closing quote, or the end of its line or
        of the text when it is not closed); a backslash escapes the next character."""
        quote = text[start]
        j = start + 1
        while j < n and text[j] != quote and text[j] != "\n":
            j += 2 if text[j] == "\\" else 1
        return min(j + 1, n)

    while i < n:
        c = text[i]
        if c == "\n":
            line_start = True
            i += 1
            continue
        if line_start and c == "#":  # preprocessor line, with its continuations
            j = i
            while j < n:
                if text[j] == "\n" and text[j - 1] != "\\":
                    break
                if text.startswith("/*", j):  # a block comment that starts on the directive line
                    e = text.find("*/", j + 2)
                    j = n if e < 0 else e + 2
                    continue
                j += 1
            blank(i, j)
            i = j
            continue
        if not c.isspace():
            line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
            i = j
            continue
        if c == '"':
            # Raw string: an R right before the quote, itself after a non-identifier character or a prefix.
            m = re.search(r"(?:^|[^A-Za-z0-9_])(?:u8|u|U|L)?R$", text[max(0, i - 4):i])
            if m:
                d = re.match(r'"([^()\\\s]{0,16})\(', text[i:])
                if d:
                    end = text.find(")" + d.group(1) + '"', i)
                    j = n if end < 0 else end + len(d.group(1)) + 2
                    blank(i, j)
                    i = j
                    continue
            j = quoted_end(i)
            blank(i, j)
            i = j
            continue
        if c == "'":
            # A digit separator (1'000) when the token before it is a number.
            k = i
            while k > 0 and (text[k - 1].isalnum() or text[k - 1] in "_'."):
                k -= 1
            if k < i and text[k].isdigit():
                i += 1
                continue
            j = quoted_end(i)
            blank(i, j)
            i = j
            continue
        i += 1
    return "".join(out)


def doc_lines(lines):
    """For each line (0-based): the `///` text if the line is only a doc comment, else None; and the `///<`
    trailing comment on the line, if any."""
    own, trailing = [], []
    for ln in lines:
        s = ln.strip()
        if s.startswith("///") and not s.startswith("///<") and not s.startswith("////"):
            own.append(s[3:])
        else:
            own.append(None)
        k = ln.find("///<")
        trailing.append(ln[k + 4:] if k >= 0 else None)
    return own, trailing


OPERATOR_RE = re.compile(r"\boperator\s*(\(\s*\)|\[\s*\]|<=>|->\*?|<<=?|>>=?|[-+*/%^&|~!=<>]=?|&&|\|\||\+\+|--|,"
                         r"|\bnew\b(\s*\[\s*\])?|\bdelete\b(\s*\[\s*\])?|\"\"\s*\w+)")


def normalize_operators(s):
    """Replaces an operator's name by `operator_` so that its symbols do not look like brackets or `=`."""
    return OPERATOR_RE.sub("operator_", s)


def strip_template_headers(s):
    """Removes leading `template <...>` headers (and a `requires` clause right after one, when it is a simple
    one). Returns None when the brackets do not balance."""
    s = s.lstrip()
    while True:
        m = re.match(r"(?:export\s+)?template\s*<", s)
        if not m:
            return s
        depth, paren, i = 1, 0, m.end()
        while i < len(s) and depth:
            ch = s[i]
            if ch == "(":
                paren += 1
            elif ch == ")":
                paren -= 1
            elif paren == 0 and ch == "<":
                depth += 1
            elif paren == 0 and ch == ">":
                depth -= 1
            i += 1
        if depth:
            return None
        s = strip_requires_clause(s[i:].lstrip())
        if s is None:
            return None


def _skip_balanced(s, open_ch, close_ch):
    """The index after the group that opens at s[0] (== open_ch), or -1. Brackets of other kinds nest too."""
    depth = 0
    for k, ch in enumerate(s):
        if ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return k + 1
    return -1


def strip_requires_clause(s):
    """Removes a requires-clause at the start of `s` (`requires C<T>`, `requires (e)`,
    `requires requires (p) { ... }`, joined by && and ||). Returns None when it cannot be parsed."""
    if not re.match(r"requires\b", s):
        return s
    s = s[len("requires"):].lstrip()
    while True:
        if re.match(r"requires\b", s):  # a requires-expression
            s = s[len("requires"):].lstrip()
            if s.startswith("("):
                k = _skip_balanced(s, "(", ")")
                if k < 0:
                    return None
                s = s[k:].lstrip()
            if not s.startswith("{"):
                return None
            k = _skip_balanced(s, "{", "}")
        elif s.startswith("("):
            k = _skip_balanced(s, "(", ")")
        else:
            m = re.match(r"!?\s*(::)?\w+(\s*::\s*\w+)*\s*", s)
            if not m:
                return None
            k = m.end()
            if s[k:].startswith("<"):
                j = _skip_balanced(s[k:], "<", ">")
                k = -1 if j < 0 else k + j
        if k < 0:
            return None
        s = s[k:].lstrip()
        if s.startswith("&&") or s.startswith("||"):
            s = s[2:].lstrip()
            continue
        return s


def top_level(s):
    """Yields (index, char) of the characters of `s` outside any (), [], {} group."""
    depth = 0
    for i, ch in enumerate(s):
        if ch in "([{":
            if depth == 0:
                yield i, ch
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                yield i, ch
        elif depth == 0:
            yield i, ch


def first_top_paren(s):
    for i, ch in top_level(s):
        if ch == "(":
            return i
    return -1


def matching_paren(s, i):
    depth = 0
    for k in range(i, len(s)):
        if s[k] in "([{":
            depth += 1
        elif s[k] in ")]}":
            depth -= 1
            if depth == 0:
                return k
    return -1


def has_top_level_assign(s):
    """Whether `s` (operators normalized) has a `=` that is not `==`, `<=`, `>=`, `!=` outside brackets."""
    for i, ch in top_level(s):
        if ch == "=":
            prev = s[i - 1] if i else ""
            nxt = s[i + 1] if i + 1 < len(s) else ""
            if prev not in "=<>!" and nxt != "=":
                return True
    return False


def init_list_colon(s):
    """For a function head `s` (operators normalized), whether a constructor's member-initializer list
    follows its parameter list (a single `:` outside brackets after the first top-level group)."""
    p = first_top_paren(s)
    if p < 0:
        return False
    q = matching_paren(s, p)
    if q < 0:
        return False
    rest = s[q + 1:]
    for i, ch in top_level(rest):
        if ch == ":":
            if (i + 1 < len(rest) and rest[i + 1] == ":") or (i and rest[i - 1] == ":"):
                continue
            return True
    return False


class Scope:
    def __init__(self, kind, public, access=None):
        self.kind = kind  # "namespace" | "class" | "skip" (detail namespace, enum, function body, ...)
        self.public = public  # whether declarations in it can be public at all
        self.access = access  # for classes: "public" | "private" | "protected"


class Decl:
    def __init__(self, line, end_line, head, scope_kind):
        self.line = line  # 1-based, first line after template headers
        self.first_line = line  # 1-based, first line of the declaration (template header included)
        self.end_line = end_line
        self.head = head
        self.scope_kind = scope_kind
        self.shown = head


def classify_function(text):
    """Returns the function head (template headers stripped) if `text` declares a function that the rules
    check, else None."""
    t = strip_template_headers(text)
    if t is None or not t:
        return None
    t = re.sub(r"^(\[\[.*?\]\]\s*)+", "", t, flags=re.S)
    if re.match(r"(concept|using|typedef|static_assert|namespace|extern|class|struct|union|enum|return|"
                r"template|requires|public|private|protected|case|default)\b", t):
        return None
    norm = normalize_operators(t)
    p = first_top_paren(norm)
    if p < 0:
        return None
    prefix = norm[:p]
    if has_top_level_assign(prefix) or "=" in prefix:
        return None  # a variable initialised with a call, `auto x = f(...)`
    if not re.search(r"[\w~>]\s*$", prefix):
        return None  # `(` not after a name: a function pointer member or something else
    if re.search(r"=\s*(delete|default)\s*;?\s*$", norm):
        return None
    if re.match(r"friend\b", t) and not t.rstrip().endswith("{"):
        return None  # a friend declaration: the function is documented where it is declared
    name_part = prefix.rstrip()
    # Out-of-class member definitions: a qualified name whose qualifier is a class, `X<A>::f` or `X::f`.
    m = re.search(r"([\w>]+)\s*::\s*~?\s*(\w+)\s*$", name_part)
    if m and not re.search(r"\b(lexzone|std)\s*::\s*~?\s*\w+\s*$", name_part):
        return None
    # Deduction guides: `Name(args) -> Name<...>;` with no return type before the name.
    if re.fullmatch(r"(explicit\s*(\(.*\))?\s*)?\w+\s*", name_part):
        q = matching_paren(norm, p)
        if q > 0 and re.match(r"\s*->", norm[q + 1:]):
            return None
    # A macro call with no return type that does not end in a body or `;` cannot be told apart; keep it.
    return t


def is_noexcept(head):
    norm = normalize_operators(head)
    p = first_top_paren(norm)
    q = matching_paren(norm, p) if p >= 0 else -1
    tail = norm[q + 1:] if q >= 0 else norm
    prefix = norm[:p] if p >= 0 else ""
    if re.search(r"\bnoexcept\s*\(\s*false\s*\)", tail):
        return False
    if re.search(r"\bnoexcept\s*\(\s*true\s*\)", tail) or re.search(r"\bnoexcept\b(?!\s*\()", tail):
        return True
    if re.search(r"~\s*\w+\s*$", prefix):
        return True  # destructors are implicitly noexcept
    return False


def scan(path):
    """Returns the list of (Decl, doc text) of the public function declarations of `path`."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    code = blank_comments_and_literals(text)
    lines = text.split("\n")
    own_doc, trailing_doc = doc_lines(lines)

    # line number (1-based) of each offset
    line_of = []
    ln = 1
    for ch in code:
        line_of.append(ln)
        if ch == "\n":
            ln += 1
    line_of.append(ln)

    scopes = [Scope("namespace", True)]
    decls = []
    buf = []  # characters of the declaration being read
    buf_start = None  # offset of its first non-space character
    paren = 0  # ( and [ depth inside the declaration
    inner = 0  # depth of braces that belong to the declaration (initialisers, requires-expressions)
    skip_depth = 0  # brace depth inside a skipped block (function body, enum, detail namespace)
    note = None

    def reset():
        nonlocal buf, buf_start, paren, inner
        buf, buf_start, paren, inner = [], None, 0, 0

    def cur_public():
        s = scopes[-1]
        if not s.public:
            return False
        return s.kind != "class" or s.access == "public"

    def record(end_offset, head_text):
        if buf_start is None or not cur_public():
            return
        head = classify_function(head_text)
        if head is None:
            return
        # The line of the first non-template token.
        stripped = strip_template_headers(head_text) or head_text
        off = buf_start + (len(head_text) - len(head_text.lstrip())) + (len(head_text.strip()) - len(stripped.strip()))
        d = Decl(line_of[min(off, len(code) - 1)], line_of[min(end_offset, len(code) - 1)], head,
                 scopes[-1].kind)
        d.first_line = line_of[buf_start]
        # What the report shows: the declaration as written, `//` comments dropped.
        shown = re.sub(r"//[^\n]*", " ", text[off:end_offset + 1])
        d.shown = " ".join(shown.split())
        decls.append(d)

    n = len(code)
    i = 0
    while i < n:
        c = code[i]
        top = scopes[-1]
        if top.kind == "skip":
            if c == "{":
                skip_depth += 1
            elif c == "}":
                skip_depth -= 1
                if skip_depth == 0:
                    scopes.pop()
                    reset()
            i += 1
            continue

        if c.isspace() and buf_start is None:
            i += 1
            continue
        if buf_start is None:
            buf_start = i

        if c in "([":
            paren += 1
        elif c in ")]":
            paren -= 1
        elif paren == 0 and inner > 0 and c == "{":
            inner += 1
        elif paren == 0 and inner > 0 and c == "}":
            inner -= 1
        elif paren or inner:
            pass
        elif c == ":" and top.kind == "class" and "".join(buf).strip() in (
                "public", "private", "protected") and code[i + 1:i + 2] != ":":
            top.access = "".join(buf).strip()
            reset()
            i += 1
            continue
        elif c == ";":
            head_text = "".join(buf)
            record(i, head_text + ";")
            reset()
            i += 1
            continue
        elif c == "}":
            # closes the enclosing namespace or class
            reset()
            if len(scopes) == 1:
                note = "unbalanced '}' at line %d" % line_of[i]
                break
            scopes.pop()
            i += 1
            continue
        elif c == "{":
            head_text = "".join(buf)
            t = strip_template_headers(head_text)
            if t is None:
                t = head_text
            t = re.sub(r"^(\[\[.*?\]\]\s*)+", "", t.strip(), flags=re.S)
            norm = normalize_operators(t)
            stripped_end = head_text.rstrip()
            if re.match(r"(inline\s+)?namespace\b", t):
                name = t.split(None, 1)[1] if len(t.split(None, 1)) > 1 else ""
                if not name.strip() or re.search(r"\bdetail\b", name):
                    scopes.append(Scope("skip", False))
                    skip_depth = 1
                else:
                    scopes.append(Scope("namespace", top.public))
                reset()
            elif re.match(r"extern\b", t) and "(" not in t:
                scopes.append(Scope("namespace", cur_public()))  # extern "C" { (the literal is blanked)
                reset()
            elif re.match(r"(class|struct|union)\b", t):
                default = "private" if t.startswith("class") else "public"
                # a class defined out of its enclosing class (`X<A>::inner`) is taken as public
                scopes.append(Scope("class", cur_public(), default))
                reset()
            elif re.search(r"\bconcept\b", t.split("=")[0]):
                inner = 1  # the braces of a requires-expression in a concept's definition
                buf.append(c)
                i += 1
                continue
            elif re.match(r"enum\b", t):
                scopes.append(Scope("skip", False))
                skip_depth = 1
                reset()
            elif re.search(r"\brequires\s*$", stripped_end) or (
                    stripped_end.endswith(")") and _requires_paren(stripped_end)):
                inner = 1  # a requires-expression
                buf.append(c)
                i += 1
                continue
            elif has_top_level_assign(norm):
                inner = 1  # `x = {...}` or a lambda: part of the declaration
                buf.append(c)
                i += 1
                continue
            elif first_top_paren(norm) >= 0:
                prev = stripped_end[-1:] if stripped_end else ""
                if init_list_colon(norm) and prev not in ")}":
                    inner = 1  # a member initialiser `m_{...}` before the body
                    buf.append(c)
                    i += 1
                    continue
                # a function definition: check its head, skip its body
                record(i, head_text + "{")
                scopes.append(Scope("skip", False))
                skip_depth = 1
                reset()
            else:
                inner = 1  # `T x{...};`
                buf.append(c)
                i += 1
                continue
            i += 1
            continue
        buf.append(c)
        i += 1

    if note:
        print("check_api_docs: %s: %s; the rest of the file is not checked" % (_shown_path(path), note),
              file=sys.stderr)

    # Doc comments.
    results = []
    by_end = {}
    for d in decls:
        doc = _doc_above(d.first_line, own_doc, lines)
        if doc is None:
            prev = by_end.get(d.first_line - 1)
            if prev is not None:  # a group documented once
                doc = prev[1]
        extra = [trailing_doc[k - 1] for k in range(d.line, d.end_line + 1) if trailing_doc[k - 1] is not None]
        full = "\n".join(([doc] if doc else []) + extra)
        by_end[d.end_line] = (d, doc)
        results.append((d, full))
    return results


def _requires_paren(s):
    """Whether `s` ends with `requires (...)`."""
    depth = 0
    for k in range(len(s) - 1, -1, -1):
        if s[k] == ")":
            depth += 1
        elif s[k] == "(":
            depth -= 1
            if depth == 0:
                return bool(re.search(r"\brequires\s*$", s[:k]))
    return False


def _doc_above(first_line, own_doc, lines):
    """The `///` block above 1-based line `first_line`, skipping blank, preprocessor and `//` lines; None if none."""
    k = first_line - 2
    while k >= 0 and own_doc[k] is None and (not lines[k].strip() or lines[k].lstrip().startswith(("#", "//"))):
        k -= 1
    block = []
    while k >= 0 and own_doc[k] is not None:
        block.append(own_doc[k])
        k -= 1
    if not block:
        return None
    return "\n".join(reversed(block))


def _shown_path(path):
    """`path` relative to the repository when it is inside it (as compilers print it from there)."""
    rel = os.path.relpath(os.path.abspath(path), ROOT)
    return path if rel.startswith("..") else rel


def main(argv):
    args = argv[1:]
    listing = "--list" in args
    args = [a for a in args if a != "--list"]
    files = args or public_headers()
    findings = 0
    for path in files:
        for d, doc in scan(path):
            if listing:
                print("%s:%d: checked: %s" % (_shown_path(path), d.line, d.shown[:100]))
                continue
            missing = []
            if not COMPLEXITY_RE.search(doc):
                missing.append("Complexity")
            if not THROWS_RE.search(doc) and not is_noexcept(d.head):
                missing.append("Throws")
            if missing:
                findings += 1
                start = d.shown[:100] + ("..." if len(d.shown) > 100 else "")
                print("%s:%d: missing %s: %s" % (_shown_path(path), d.line, ", ".join(missing), start))
    if findings:
        print("check_api_docs: %d public declarations lack a Complexity or Throws clause (see tools/check_api_docs.py)"
              % findings, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
