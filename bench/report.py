#!/usr/bin/env python3
"""Reads the Google Benchmark JSON files that bench/run.sh writes (bench/results/*.json) and writes
bench/results/report.md: the goals with their measured ratio and PASS/MISS, comparisons with the
baselines, and the median of every benchmark.

Usage: bench/report.py [RESULTS_DIR]   (Python 3 standard library only)

Per-item costs are 1e9 / items_per_second: CPU time for ordinary benchmarks, wall time for those
that use real or manual time (threads, zone close). A median is Google Benchmark's "median"
aggregate when the run had repetitions, else the median of the runs found.
"""

import json
import re
import statistics
import sys
from pathlib import Path

# Name parts that only describe how a benchmark ran, not what it measures.
DROP_PART = re.compile(r"^(iterations:\d+|manual_time|real_time|process_time|min_time:[^/]+|repeats:\d+)$")
TIME_SCALE_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
META = {
    "name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
    "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit",
    "aggregate_name", "aggregate_unit", "label", "error_occurred", "error_message",
}


def key_of(name):
    return "/".join(p for p in name.split("/") if not DROP_PART.match(p))


def entry_of(b):
    scale = TIME_SCALE_NS.get(b.get("time_unit", "ns"), 1.0)
    return {
        "real_ns": float(b.get("real_time", 0.0)) * scale,
        "cpu_ns": float(b.get("cpu_time", 0.0)) * scale,
        "iterations": b.get("iterations", 0),
        "reps": b.get("repetitions", 1),
        "counters": {k: float(v) for k, v in b.items() if k not in META and isinstance(v, (int, float))},
    }


def median_entry(entries):
    if len(entries) == 1:
        return entries[0]
    names = set().union(*(e["counters"] for e in entries))
    return {
        "real_ns": statistics.median(e["real_ns"] for e in entries),
        "cpu_ns": statistics.median(e["cpu_ns"] for e in entries),
        "iterations": entries[0]["iterations"],
        "reps": len(entries),
        "counters": {n: statistics.median(e["counters"][n] for e in entries if n in e["counters"]) for n in names},
    }


def load(results_dir):
    """Returns (binaries: {binary: [keys in order]}, medians: {key: entry}, errors: {key: msg}, contexts)."""
    binaries, medians, errors, contexts = {}, {}, {}, {}
    for path in sorted(results_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            errors[path.name] = f"unreadable: {e}"
            continue
        contexts[path.stem] = data.get("context", {})
        order, runs, aggregates = [], {}, {}
        for b in data.get("benchmarks", []):
            key = key_of(b.get("run_name", b.get("name", "?")))
            if key not in order:
                order.append(key)
            if b.get("error_occurred"):
                errors[key] = b.get("error_message", "error")
            elif b.get("run_type") == "aggregate":
                if b.get("aggregate_name") == "median":
                    aggregates[key] = entry_of(b)
            else:
                runs.setdefault(key, []).append(entry_of(b))
        for key in order:
            if key in aggregates:
                medians[key] = aggregates[key]
            elif key in runs:
                medians[key] = median_entry(runs[key])
        binaries[path.stem] = order
    return binaries, medians, errors, contexts


class Metrics:
    def __init__(self, medians, process=None):
        self.m = medians
        self.process = process or {}  # whole-process measurements (results/process/*.json), by name

    def has(self, key):
        return key in self.m

    def ns_per_item(self, key):
        e = self.m.get(key)
        if e is None:
            return None
        ips = e["counters"].get("items_per_second")
        return 1e9 / ips if ips else None

    def items_per_second(self, key):
        e = self.m.get(key)
        return None if e is None else e["counters"].get("items_per_second")

    def counter(self, key, name):
        e = self.m.get(key)
        return None if e is None else e["counters"].get(name)

    def cpu_ns(self, key):
        e = self.m.get(key)
        return None if e is None else e["cpu_ns"]

    def sizes(self, family):
        """The numeric arguments measured for `family`, ascending."""
        out = []
        for k in self.m:
            if k.startswith(family + "/") and k[len(family) + 1:].isdigit():
                out.append(int(k[len(family) + 1:]))
        return sorted(out)

    def largest(self, family, want):
        """The key family/want if measured, else family/N with the largest N measured (quick runs)."""
        if f"{family}/{want}" in self.m:
            return f"{family}/{want}", want
        sizes = self.sizes(family)
        if not sizes:
            return None, None
        n = max(sizes)
        return f"{family}/{n}", n


def fmt_ns(ns):
    if ns is None:
        return "n/a"
    if ns >= 1e9:
        return f"{ns / 1e9:.3g} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.3g} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.3g} µs"
    return f"{ns:.3g} ns"


def fmt_num(v):
    if v is None:
        return "n/a"
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.3g}G"
    if a >= 1e6:
        return f"{v / 1e6:.3g}M"
    if a >= 1e4:
        return f"{v / 1e3:.3g}k"
    return f"{v:.3g}"


def size_label(n):
    if n is None:
        return "?"
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def verdict(value, target, higher_is_better=False):
    if value is None:
        return "n/a"
    ok = value >= target if higher_is_better else value <= target
    return "PASS" if ok else "MISS"


def info(result):
    """A result beside a goal, for a configuration the goal is not about (the opt-in learning)."""
    return f"({result}, opt-in)"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def goal_rows(mx):
    rows = []

    def ratio_goal(text, key, base_key, target):
        a, b = mx.ns_per_item(key), mx.ns_per_item(base_key)
        r = ratio(a, b)
        measured = "n/a" if r is None else f"{r:.2f}× ({fmt_ns(a)} vs {fmt_ns(b)} per item)"
        rows.append((text, measured, f"≤ {target}×", verdict(r, target)))

    ratio_goal("add hit, permanent layer, vs bare XXH3 + robin_map probe",
               "BM_AddHit_LexzonePermanent", "BM_AddHit_BareProbe", 1.25)
    ratio_goal("add hit through a zone (permanent strings) vs bare probe",
               "BM_AddHit_LexzoneZone", "BM_AddHit_BareProbe", 1.25)
    ratio_goal("add miss into a zone vs bare insert", "BM_AddMiss_LexzoneZone", "BM_AddMiss_BareInsert", 1.25)

    key, n = mx.largest("BM_ZoneClose_Lexzone", 100000)
    v = mx.counter(key, "ns_per_entry") if key else None
    note = "" if n in (None, 100000) else f" (at {size_label(n)}: quick run)"
    spacy = mx.counter(f"BM_ZoneClose_SpacyStyle/{n}", "ns_per_entry") if n else None
    if v is None:
        measured = "n/a"
    elif spacy is None:
        measured = f"{v:.3g} ns/entry{note}"
    else:
        measured = f"{v:.3g} ns/entry{note}; spaCy-style rollback {spacy:.3g} ns/entry"
    rows.append(("zone close at 100k entries (close alone)", measured, "≤ 3 ns/entry", verdict(v, 3.0)))

    floor, spacy = mx.ns_per_item("BM_ZoneOpenClose_Empty_Baseline"), mx.ns_per_item("BM_ZoneOpenClose_Empty_SpacyStyle")
    for what, key in (("string store", "BM_ZoneOpenClose_Empty_Lexzone"), ("vocab", "BM_ZoneOpenClose_Empty_LexzoneVocab")):
        v = mx.ns_per_item(key)
        measured = "n/a" if v is None else (f"{fmt_ns(v)} (loop + opaque call: {fmt_ns(floor)}; "
                                            f"spaCy-style flag flip: {fmt_ns(spacy)})")
        rows.append((f"empty zone open + close, {what}", measured, "≤ 30 ns", verdict(v, 30.0)))

    for layer in ("Permanent", "Zone"):
        key, n = mx.largest(f"BM_Memory_Lexzone{layer}", 1000000)
        v = mx.counter(key, "overhead_per_string") if key else None
        total = mx.counter(key, "bytes_per_string") if key else None
        note = "" if n in (None, 1000000) else f" (at {size_label(n)}: quick run)"
        measured = "n/a" if v is None else f"{v:.1f} B/string over the raw bytes ({total:.1f} B/string in all){note}"
        rows.append((f"memory overhead at 1M strings, {layer.lower()} layer", measured, "≤ 24 B/string",
                     verdict(v, 24.0)))

    for layer in ("Permanent", "Zone"):
        key, n = mx.largest(f"BM_Memory_Vocab{layer}", 1000000)
        v = mx.counter(key, "bytes_per_lexeme") if key else None
        raw = mx.counter(f"BM_Memory_RawBytes/{n}", "raw_bytes_per_string") if n else None
        note = "" if n in (None, 1000000) else f" (at {size_label(n)}: quick run)"
        unshrunk = mx.counter(key, "bytes_per_lexeme_unshrunk") if key else None
        after = "" if unshrunk is None else f", after shrink_to_fit (before: {unshrunk:.1f} B)"
        measured = "n/a" if v is None else (f"{v:.1f} B/lexeme, text and attribute strings included{after} "
                                            f"(text alone {raw:.1f} B; spaCy: 398 B){note}" if raw is not None else
                                            f"{v:.1f} B/lexeme{after}{note}")
        rows.append((f"memory per lexeme at 1M lexemes, {layer.lower()} layer", measured, "≤ 96 B/lexeme",
                     verdict(v, 96.0)))

    each, one = mx.ns_per_item("BM_Requests_ZoneEach"), mx.ns_per_item("BM_Requests_OneZone")
    r = ratio(each, one)
    per = mx.counter("BM_Requests_ZoneEach", "tokens_per_request")
    measured = "n/a" if r is None else (f"{r:.3f}× ({fmt_ns(each)} vs {fmt_ns(one)} per token, "
                                        f"{per:.1f} tokens a request)")
    rows.append(("a zone per request vs the same requests in one zone", measured, "≤ 1.05×", verdict(r, 1.05)))
    # The same goals over a vocab with the opt-in learning policy (vocab.hpp; bench_pipeline's
    # `bench_learning`): reported beside the default, which the goals are about.
    each, one = mx.ns_per_item("BM_Requests_ZoneEachLearning"), mx.ns_per_item("BM_Requests_OneZoneLearning")
    r = ratio(each, one)
    measured = "n/a" if r is None else f"{r:.3f}× ({fmt_ns(each)} vs {fmt_ns(one)} per token)"
    rows.append(("the same, with learning (opt-in, not the goal's default: a word created in 2 zones becomes "
                 "permanent, up to 200k; steady state)", measured, "≤ 1.05×", info(verdict(r, 1.05))))

    zones, nozone = mx.items_per_second("BM_Tokenize_Zones/cache:1"), mx.items_per_second("BM_Tokenize_NoZone/cache:1")
    r = ratio(zones, nozone)
    measured = "n/a" if r is None else f"{r:.2f}× ({fmt_num(zones)} vs {fmt_num(nozone)} tokens/s; no-zone words all seen before)"
    rows.append(("tokenizer + vocab in zones vs without zones (same text, repeated)", measured, "≥ 0.95×",
                 verdict(r, 0.95, True)))
    learning = mx.items_per_second("BM_Tokenize_ZonesLearning")
    r = ratio(learning, nozone)
    learned = mx.counter("BM_Tokenize_ZonesLearning", "learned")
    learned_text = "" if learned is None else f"; {learned:,.0f} words learned"
    measured = "n/a" if r is None else f"{r:.2f}× ({fmt_num(learning)} vs {fmt_num(nozone)} tokens/s{learned_text})"
    rows.append(("the same, with learning (opt-in, as above)", measured, "≥ 0.95×", info(verdict(r, 0.95, True))))
    segment = mx.items_per_second("BM_Segment/cache:1")
    r = ratio(zones, segment)
    measured = "n/a" if r is None else f"{r:.2f}× ({fmt_num(zones)} vs {fmt_num(segment)} tokens/s)"
    rows.append(("tokenizer + vocab in zones vs segmentation alone (cache on)", measured, "≥ 0.70×",
                 verdict(r, 0.70, True)))
    rows.append(("tokenizer + vocab in zones, real English text, one core", "n/a" if zones is None else
                 f"{zones / 1e6:.2f} M tokens/s", "≥ 5 M tokens/s", verdict(None if zones is None else zones / 1e6, 5.0, True)))

    rule_goal_rows(mx, rows)

    # Issue #13: the whole pipeline (tokenizer + a 300-pattern entity ruler, a zone per batch of docs)
    # against bare segmentation, in tokens/s.
    pipe, seg = mx.items_per_second("BM_Pipeline_Zones"), mx.items_per_second("BM_Segment/cache:1")
    r = ratio(pipe, seg)
    measured = "n/a" if r is None else f"{r:.2f}× ({fmt_num(pipe)} vs {fmt_num(seg)} tokens/s)"
    rows.append(("tokenizer + entity ruler (300 patterns) in zones vs bare segmentation", measured, "≥ 0.45×",
                 verdict(r, 0.45, True)))
    pipe = mx.items_per_second("BM_Pipeline_ZonesLearning")
    r = ratio(pipe, seg)
    measured = "n/a" if r is None else f"{r:.2f}× ({fmt_num(pipe)} vs {fmt_num(seg)} tokens/s)"
    rows.append(("the same, with learning (opt-in, as above)", measured, "≥ 0.45×", info(verdict(r, 0.45, True))))

    for what, fam in (("vocab zones", "BM_Threads_VocabZones"), ("string-store zones", "BM_Threads_StoreZones"),
                      ("parallel pipe, tokenizer + entity ruler, zones per batch", "BM_ParallelPipe_Zones")):
        one, two, r = one_and_two(mx.items_per_second, fam)
        measured = "n/a" if r is None else f"{r:.2f}× ({fmt_num(two)} vs {fmt_num(one)} items/s)"
        rows.append((f"2 threads vs 1 thread, {what} (wall clock)", measured, "≥ 1.8×", verdict(r, 1.8, True)))
    # No issue's goal, shown for sizing: what runs of 200 lines cost a long-lived pipe against one run.
    short = mx.items_per_second("BM_ParallelPipe_ShortRuns/threads:2")
    one = mx.items_per_second("BM_ParallelPipe_OneRun/threads:2")
    r = ratio(short, one)
    measured = "n/a" if r is None else f"{r:.2f}× ({fmt_num(short)} vs {fmt_num(one)} tokens/s)"
    rows.append(("parallel pipe, 2 threads, runs of 200 lines vs one run, one long-lived pipe (wall clock)",
                 measured, "(none)", "info"))

    p = mx.process.get("ner_threads")
    if p is None:
        measured, r = "n/a", None
    else:
        r = p["speedup"]
        med = p["median_seconds"]
        cpu = p.get("median_cpu_seconds", {})
        cpu_text = f"; CPU time 2 / 1: {cpu['2'] / cpu['1']:.2f}" if cpu.get("1") else ""
        measured = (f"{r:.2f}× ({med['2']:.2f} s vs {med['1']:.2f} s, {p['lines']:,} lines, median of "
                    f"{p['repetitions']} paired runs{cpu_text}; same output: {'yes' if p['identical_output'] else 'NO'})")
        if not p["identical_output"]:
            r = None
    rows.append(("lexzone_ner --threads 2 vs --threads 1, whole process (wall clock)", measured, "≥ 1.7×",
                 verdict(r, 1.7, True)))
    return rows


def rule_goal_rows(mx, rows):
    """Issue #12's goals for the data-driven tokenizer (bench_rules)."""
    loads = {k.split("/", 1)[1]: mx.cpu_ns(k) for k in mx.m if k.startswith("BM_LoadRules/")}
    if loads:
        lang, worst = max(loads.items(), key=lambda kv: kv[1])
        rows.append((f"each spaCy rule file loads (read, parse, compile, special cases), {len(loads)} languages",
                     f"slowest {lang}: {fmt_ns(worst)}", "≤ 50 ms", verdict(worst / 1e6, 50.0)))

    def throughput_goal(text, key, base_key, target):
        a, b = mx.items_per_second(key), mx.items_per_second(base_key)
        r = ratio(a, b)
        measured = "n/a" if r is None else f"{r:.2f}× ({fmt_num(a)} vs {fmt_num(b)} tokens/s)"
        rows.append((text, measured, f"≥ {target}×", verdict(r, target, True)))

    throughput_goal("data-driven engine (spaCy's en file) vs hand-compiled English, real English text, zones",
                    "BM_Tokenize/rules_corpus/cache:1", "BM_Tokenize/fast_corpus/cache:1", 0.5)
    throughput_goal("data-driven engine, German vs English (every chunk through the rules: cache off)",
                    "BM_Tokenize/rules_de/cache:0", "BM_Tokenize/rules_corpus/cache:0", 0.6)


def rule_tokenizer_rows(mx):
    """Tokens/s per core of the rule tokenizer per language and text, cache on and off."""
    rows = []
    for text in ["corpus", "en", "de", "fr", "ru", "el"]:
        on, off = mx.items_per_second(f"BM_Tokenize/rules_{text}/cache:1"), mx.items_per_second(f"BM_Tokenize/rules_{text}/cache:0")
        if on is None and off is None:
            continue
        hits = mx.counter(f"BM_Tokenize/rules_{text}/cache:1", "cache_hit_rate")
        rows.append(("en (shared corpus)" if text == "corpus" else f"{text} (spaCy's {text} test texts)",
                     fmt_num(on), fmt_num(off), "n/a" if hits is None else f"{hits:.0%}"))
    fast_on, fast_off = mx.items_per_second("BM_Tokenize/fast_corpus/cache:1"), mx.items_per_second("BM_Tokenize/fast_corpus/cache:0")
    if fast_on is not None:
        rows.append(("en, hand-compiled fast path (shared corpus)", fmt_num(fast_on), fmt_num(fast_off), ""))
    return rows


def comparison_rows(mx):
    """Informative ratios against the baselines (no goal)."""
    rows = []

    def cmp(text, key, base_key, how="ns_per_item"):
        if how == "ns_per_item":
            a, b = mx.ns_per_item(key), mx.ns_per_item(base_key)
            unit = lambda v: fmt_ns(v) + "/item"
        else:
            a, b = mx.counter(key, how), mx.counter(base_key, how)
            unit = lambda v: "n/a" if v is None else f"{v:.3g} {how}"
        r = ratio(a, b)
        if r is not None:
            rows.append((text, f"{r:.3g}×", unit(a), unit(b)))

    cmp("add hit, permanent vs std::unordered_map interner", "BM_AddHit_LexzonePermanent", "BM_AddHit_StdUnorderedMap")
    cmp("add hit, permanent vs spaCy-style table", "BM_AddHit_LexzonePermanent", "BM_AddHit_SpacyStyle")
    cmp("add hit, zone-layer strings vs bare probe (shuffled)", "BM_AddHit_LexzoneZoneLayer", "BM_AddHit_BareProbeShuffled")
    cmp("add miss, permanent vs bare insert", "BM_AddMiss_LexzonePermanent", "BM_AddMiss_BareInsert")
    cmp("add miss, zone vs std::unordered_map", "BM_AddMiss_LexzoneZone", "BM_AddMiss_StdUnorderedMap")
    cmp("add miss, zone vs spaCy-style zone", "BM_AddMiss_LexzoneZone", "BM_AddMiss_SpacyStyleZone")
    cmp("lookup id → string, permanent vs bare robin_map", "BM_Lookup_LexzonePermanent", "BM_Lookup_BareRobinMap")
    cmp("lookup id → string, permanent vs spaCy-style", "BM_Lookup_LexzonePermanent", "BM_Lookup_SpacyStyle")
    cmp("contains (miss) vs bare probe", "BM_Contains_LexzonePermanentMiss", "BM_Contains_BareMiss")
    for n in (1000, 100000, 1000000):
        cmp(f"zone close at {size_label(n)} vs spaCy-style rollback", f"BM_ZoneClose_Lexzone/{n}",
            f"BM_ZoneClose_SpacyStyle/{n}", "ns_per_entry")
    for n in mx.sizes("BM_Memory_LexzoneZone"):
        for layer in ("Permanent", "Zone"):
            for base in ("BareRobinMap", "StdUnorderedMap"):
                cmp(f"bytes/string at {size_label(n)}, {layer.lower()} layer vs {base}",
                    f"BM_Memory_Lexzone{layer}/{n}", f"BM_Memory_{base}/{n}", "bytes_per_string")
    return rows


def one_and_two(metric, family):
    """`metric` of family/threads:1 and family/threads:2, and their ratio (2 / 1; None when missing)."""
    one, two = metric(f"{family}/threads:1"), metric(f"{family}/threads:2")
    return one, two, ratio(two, one)


def scaling_rows(families, metric, fmt, ratio_fmt):
    """Rows (label, 1 thread, 2 threads, ratio) of the (label, family) pairs measured."""
    rows = []
    for label, family in families:
        one, two, r = one_and_two(metric, family)
        if r is not None:
            rows.append((label, fmt(one), fmt(two), ratio_fmt.format(r)))
    return rows


def thread_rows(mx):
    """CPU time per batch with 1 and 2 threads: equal means the threads do not slow each other down
    (no contention), whatever the wall-clock scaling a busy machine allows."""
    families = [(f, f) for f in ("BM_Threads_VocabZones", "BM_Threads_StoreZones")]
    return scaling_rows(families, mx.cpu_ns, fmt_ns, "{:.3g}×")


PIPE_FAMILIES = [("zones per batch", "BM_ParallelPipe_Zones"), ("no zones (permanent layer)", "BM_ParallelPipe_NoZone")]


def pipe_rows(mx):
    """The parallel pipe with zones per batch and without zones (shared permanent layer): tokens/s with
    1 and 2 worker threads (wall clock) and the scaling."""
    return scaling_rows(PIPE_FAMILIES, mx.items_per_second, fmt_num, "{:.2f}×")


def pipe_cpu_rows(mx):
    """CPU time of the whole process per token with 1 and 2 threads: 2 / 1 above 1 is what the threads
    cost each other (cache lines, allocation, synchronisation), whatever the machine's load."""
    return scaling_rows(PIPE_FAMILIES, lambda key: mx.counter(key, "cpu_ns_per_token"), fmt_ns, "{:.2f}×")


def load_process(results_dir):
    """Whole-process measurements written by bench/ner_threads.py: {name: data}."""
    out = {}
    for path in sorted((results_dir / "process").glob("*.json")):
        try:
            out[path.stem] = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            print(f"report.py: {path}: unreadable: {e}", file=sys.stderr)
    return out


def scaling_section(out, title, text, first_column, rows):
    """Appends a section with a table of 1- and 2-thread figures to `out` (nothing when `rows` is empty)."""
    if not rows:
        return
    out += [f"## {title}", "", text, "", f"| {first_column} | 1 thread | 2 threads | 2 / 1 |", "|---|---|---|---|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    out.append("")


def counters_text(counters):
    skip = {"items_per_second", "bytes_per_second"}
    return ", ".join(f"{k}={fmt_num(v)}" for k, v in sorted(counters.items()) if k not in skip)


def append_table(out, heading, columns, rows):
    """A Markdown section `heading` with a table of `rows` (nothing when there are none)."""
    if not rows:
        return
    out.extend([f"## {heading}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)])
    out.extend("| " + " | ".join(row) + " |" for row in rows)
    out.append("")


def write_report(results_dir):
    """Writes results_dir/report.md; returns (its lines, the goals measured by nobody, the benchmarks
    that reported an error)."""
    binaries, medians, errors, contexts = load(results_dir)
    mx = Metrics(medians, load_process(results_dir))
    out = ["# lexzone benchmark report", ""]
    ctx = next(iter(contexts.values()), {})
    host = ctx.get("host_name", "?")
    cpus = ctx.get("num_cpus", "?")
    mhz = ctx.get("mhz_per_cpu", "?")
    load_avg = ctx.get("load_avg", "?")
    if isinstance(load_avg, list):
        load_avg = " ".join(f"{x:.2f}" for x in load_avg)
    out.append(f"Machine: {host}, {cpus} CPUs at {mhz} MHz, load average {load_avg}; "
               f"libbenchmark build type: {ctx.get('library_build_type', '?')} (Debian's package; the measured code is ours, -O2); corpus: {ctx.get('lexzone_corpus', '?')}; "
               f"quick mode: {ctx.get('lexzone_quick', '?')}; date: {ctx.get('date', '?')}.")
    out.append("")
    out.append("Per-item costs are 1e9 / items_per_second (CPU time, or wall time for real/manual-time "
               "benchmarks). Medians over the repetitions.")
    out.append("")
    out.append("## Goals")
    out.append("")
    out.append("| Goal | Measured | Target | Result |")
    out.append("|---|---|---|---|")
    unmeasured = []
    for goal, measured, target, result in goal_rows(mx):
        out.append(f"| {goal} | {measured} | {target} | **{result}** |")
        if result == "n/a":
            unmeasured.append(goal)
    out.append("")
    out.append("(Ratios are of medians measured in the same run; see the tables below for every benchmark.)")
    out.append("")
    append_table(out, "Rule tokenizer throughput (tokenizer + vocab + doc, zones, one core)",
                 ("Language (text)", "tokens/s, cache on", "tokens/s, cache off", "cache hit rate"),
                 rule_tokenizer_rows(mx))
    append_table(out, "Comparisons with the baselines", ("Comparison", "Ratio", "lexzone", "baseline"),
                 comparison_rows(mx))
    rss = [(name, mx.counter(f"BM_Memory_RssAfterZones_{name}", "rss_growth_kib"),
            mx.counter(f"BM_Memory_RssAfterZones_{name}", "rss_first_zone_kib"),
            mx.counter(f"BM_Memory_RssAfterZones_{name}", "zones")) for name in ("Lexzone", "SpacyStyle")]
    rss = [r for r in rss if r[1] is not None]
    if rss:
        out.append("## RSS over many zones of 100k new strings")
        out.append("")
        out.append("| Design | RSS growth after the zones (KiB) | Zones | Left by the first zone (KiB) |")
        out.append("|---|---|---|---|")
        for name, growth, first, zones in rss:
            out.append(f"| {name} | {growth:.0f} | {zones:.0f} | {first:.0f} |")
        out.append("")
    scaling_section(out, "Thread contention (CPU time per 10k-token batch)",
                    "Equal CPU time per batch with 2 threads means no contention; the wall-clock goal above "
                    "also needs two idle cores.", "Benchmark", thread_rows(mx))
    scaling_section(out, "Parallel pipe: tokenizer + entity ruler (300 patterns), tokens/s (wall clock)",
                    "Without zones the workers add every new word to the shared permanent layer and contend for "
                    "its write lock and cache lines; private zones share nothing but reads (expected: better "
                    "scaling with zones; issue #13 on 16 cores: 13.3× with zones, 5.4× without).",
                    "Mode", pipe_rows(mx))
    scaling_section(out, "Parallel pipe: CPU time of the process per token",
                    "Equal with 1 and 2 threads means the threads cost each other nothing; a busy machine "
                    "lowers the wall-clock scaling above but not this (waiting for a lock is not CPU time).",
                    "Mode", pipe_cpu_rows(mx))
    out.append("## Every benchmark (median)")
    for binary, keys in binaries.items():
        out.append("")
        out.append(f"### {binary}")
        out.append("")
        out.append("| Benchmark | Time | CPU | Per item | Items/s | Counters |")
        out.append("|---|---|---|---|---|---|")
        for key in keys:
            if key in errors and key not in medians:
                out.append(f"| {key} | error: {errors[key]} | | | | |")
                continue
            e = medians.get(key)
            if e is None:
                continue
            out.append(f"| {key} | {fmt_ns(e['real_ns'])} | {fmt_ns(e['cpu_ns'])} | {fmt_ns(mx.ns_per_item(key))} | "
                       f"{fmt_num(e['counters'].get('items_per_second'))} | {counters_text(e['counters'])} |")
    file_errors = {k: v for k, v in errors.items() if k.endswith(".json")}
    if file_errors:
        out.append("")
        out.append("## Unreadable result files")
        out.append("")
        for k, v in file_errors.items():
            out.append(f"- {k}: {v}")
    out.append("")
    (results_dir / "report.md").write_text("\n".join(out))
    return out, unmeasured, sorted(errors)


def main(argv):
    """report.py [--strict] [results_dir]: writes the report and prints its goals. Exit status 1 when the
    directory is missing, or, with --strict (bench/run.sh's full runs), when a goal could not be measured
    (its benchmark missing from the results) or a benchmark reported an error; a filtered run leaves goals
    unmeasured by design and is not strict."""
    args = argv[1:]
    strict = "--strict" in args
    args = [a for a in args if a != "--strict"]
    results_dir = Path(args[0]) if args else Path(__file__).resolve().parent / "results"
    if not results_dir.is_dir():
        print(f"report.py: no results directory {results_dir}", file=sys.stderr)
        return 1
    lines, unmeasured, errors = write_report(results_dir)
    goals_end = lines.index("(Ratios are of medians measured in the same run; see the tables below for every benchmark.)")
    print("\n".join(lines[:goals_end]))
    print(f"Wrote {results_dir / 'report.md'}")
    if not strict:
        return 0
    for goal in unmeasured:
        print(f"report.py: goal not measured (a benchmark is missing from the results): {goal}", file=sys.stderr)
    for key in errors:
        print(f"report.py: {key} reported an error", file=sys.stderr)
    return 1 if unmeasured or errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
