#!/usr/bin/env python3
"""Measures the constants of ner_service's memory formula (examples/ner_service/memory_estimate.hpp and
README.md, "Memory") on this machine. Not a CTest test: run it by hand on a Release build when the service
or the model changes, and copy the figures into memory_estimate.hpp.

usage: measure_memory.py PATH/TO/ner_service [--runs N] [--allocator]

Figures (each the median of --runs service starts):
  start_bytes        RSS after start, one worker, tokenizer cache off
  worker_bytes       each further worker (pipeline copy, cache off): (RSS at 4 workers - at 1) / 3
  cache_entry_bytes  (RSS with 200,000 cache entries - with none) / 200,000, one worker: what is resident
                     at start (the formula takes the full cache's 163 B: memory_estimate.hpp)
  work_per_body_byte a worker's peak for one request of 1 MiB, over its body and response, per body byte,
                     the worst of several kinds of text (a token a byte, quadratic matches before them,
                     dense e-mails, one-letter words, one long token, a batch of 1,000 texts, non-ASCII
                     words), with the default tokenizer cache
  connection_bytes   RSS per idle connection (2,000 connections)
and the peak of a combined worst case (every worker busy with 1 MiB requests, the buffered budget full of
bodies, connections with half-sent headers) against the formula.

--allocator compares glibc settings instead (README.md, "Memory"): for each, the RSS kept after 8 requests
of 1 MiB dense with e-mail addresses (2 at a time; RSS 1 s after the last answer, over RSS before), and
the RSS drift of the load test (40,000 requests with the hostile client; end over warm-up), --runs times.
"""

import argparse
import contextlib
import http.client
import io
import json
import statistics
import subprocess
import threading
import time

import harness as h

MIB = 1024 * 1024


def median_of(runs, fn):
    return statistics.median(fn() for _ in range(runs))


def settled_rss(svc):
    time.sleep(0.5)
    return svc.rss()


def start_rss(binary, args, threads):
    svc = h.Service(binary, args, threads=threads)
    try:
        return settled_rss(svc)
    finally:
        svc.stop()


def texts_of_1mib():
    """(name, path, body) of about 1 MiB each."""
    words = " ".join("abcdefghijklmnopqrstuvwxyz"[i % 26] for i in range(MIB // 2 - 16))
    one_token = "x" * (MIB - 16)
    maker = h.TextMaker(5)
    batch = []
    size = 0
    while len(batch) < 1000:
        t = maker.text(len(batch), words=(60, 80))[0]
        batch.append(t)
        size += len(t) + 4
        if size > MIB - 2048:
            break
    uni = " ".join(h.UNICODE_WORDS[i % len(h.UNICODE_WORDS)] + str(i) for i in range(60000))
    uni = uni[:uni.rfind(" ", 0, MIB // 2 - 16)]
    # The worst kinds (2026-12-07): a token a byte, in chunks of 96 bytes that the tokenizer's cache keeps
    # (its pieces, their cache references and the doc's tokens at once: 88 bytes a token); and before
    # them, as many "Mr. " as the match limits let through with 200, quadratic matches on top of the doc.
    punct = b"!" * 95 + b" "
    mr = b"Mr. " * 1900
    return [
        ("punctuation tokens", "/v1/ner", b'{"text":"' + punct * ((MIB - 12) // len(punct)) + b'"}'),
        ("matches + punctuation", "/v1/ner", b'{"text":"' + mr + punct * ((MIB - 12 - len(mr)) // len(punct)) + b'"}'),
        ("dense e-mails", "/v1/ner", h.ner_body(h.dense_email_text(11, MIB - 64))),
        ("one-letter words", "/v1/ner", h.ner_body(words)),
        ("one long token", "/v1/ner", h.ner_body(one_token)),
        ("batch of %d texts" % len(batch), "/v1/ner/batch", json.dumps({"texts": batch}).encode()),
        ("non-ASCII words", "/v1/ner", json.dumps({"text": uni}, ensure_ascii=False).encode()),
    ]


def work_factor(binary, runs):
    worst = 0.0
    for name, path, body in texts_of_1mib():
        def one():
            svc = h.Service(binary, [], threads=1)  # the default tokenizer cache: chunks it keeps cost more
            try:
                h.request(svc.port, "POST", "/v1/ner", h.ner_body("warm up a@b.io"))
                before = settled_rss(svc)
                svc.reset_peak_rss()
                status, _, data = h.request(svc.port, "POST", path, body, timeout=300)
                peak = svc.peak_rss()
                if status != 200:
                    raise h.Failure("%s: status %d %r" % (name, status, data[:200]))
                return (peak - before - len(body) - len(data)) / len(body), len(data)
            finally:
                svc.stop()
        samples = [one() for _ in range(runs)]
        f = statistics.median(s[0] for s in samples)
        print("  %-22s %7d KB body, %7d KB response: %.2f bytes per body byte" % (
            name, len(body) // 1024, samples[0][1] // 1024, f), flush=True)
        worst = max(worst, f)
    return worst


def connection_bytes(binary, runs, n=2000):
    h.raise_fd_limit()

    def one():
        svc = h.Service(binary, ["--max-connections", str(n + 100), "--max-connections-per-ip", str(n),
                                 "--idle-timeout", "300"], threads=1)
        try:
            before = settled_rss(svc)
            socks = [h.raw(svc.port, "127.0.0.7") for _ in range(n)]
            deadline = time.monotonic() + 30
            while svc.metrics().get("lexzone_connections_open", 0) < n + 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            after = settled_rss(svc)
            for s in socks:
                s.close()
            return (after - before) / n
        finally:
            svc.stop()
    return median_of(runs, one)


def combined(binary, threads=2):
    """Every worker busy with 1 MiB requests of the worst kind, the budget full of bodies, 500 half-sent headers."""
    h.raise_fd_limit()
    budget = 16 * MIB
    args = ["--max-buffered-bytes", str(budget), "--max-connections", "1000", "--max-connections-per-ip", "1000",
            "--header-timeout", "60", "--body-timeout", "60", "--queue-depth", "64"]
    svc = h.Service(binary, args, threads=threads)
    try:
        est = subprocess.run([binary, "--threads", str(threads), "--max-connections", "1000",
                              "--max-buffered-bytes", str(budget), "--memory-estimate"],
                             capture_output=True, text=True, check=True).stdout
        before = settled_rss(svc)
        svc.reset_peak_rss()
        half = [h.raw(svc.port, "127.0.0.8") for _ in range(500)]
        for s in half:
            s.sendall(b"POST /v1/ner HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"p" * 16000)
        punct = b"!" * 95 + b" "  # the worst kind of text (work_factor): a token a byte
        body = b'{"text":"' + punct * ((MIB - 12) // len(punct)) + b'"}'
        uploads = []
        for i in range(12):  # bodies held while their request waits: fill the budget
            s = h.raw(svc.port, h.hostile_address(i), timeout=300)
            s.sendall(h.http_request("POST", "/v1/ner", body))
            uploads.append(s)
        for s in uploads:
            s.read_response()
        peak = svc.peak_rss()
        for s in half + uploads:
            s.close()
        print("combined worst case (%d workers, budget %d MiB, 500 half-sent 16 KB headers): RSS %.1f MB at rest, "
              "peak %.1f MB" % (threads, budget // MIB, before / 1e6, peak / 1e6))
        print("formula for these options:\n" + est)
    finally:
        svc.stop()


ALLOCATOR_CONFIGS = [
    ("service defaults (trim after >= 1 MiB, tcache off)", []),
    ("no malloc_trim", ["--trim-threshold", "0"]),
    ("tcache on (glibc default: 7)", ["--malloc-tcache", "7"]),
    ("tcache on, no malloc_trim", ["--malloc-tcache", "7", "--trim-threshold", "0"]),
    ("1 arena (M_ARENA_MAX 1), tcache on, no trim", ["--malloc-arenas", "1", "--malloc-tcache", "7",
                                                     "--trim-threshold", "0"]),
    ("2 arenas, tcache on, no trim", ["--malloc-arenas", "2", "--malloc-tcache", "7", "--trim-threshold", "0"]),
]


def retention(binary, args):
    svc = h.Service(binary, args, threads=2)
    try:
        for i in range(20):
            h.request(svc.port, "POST", "/v1/ner", h.ner_body("warm up %d a@b.io" % i))
        before = settled_rss(svc)
        bodies = [h.ner_body(h.dense_email_text(100 + i, 1000000)) for i in range(8)]

        def client(k):
            conn = http.client.HTTPConnection(h.HOST, svc.port, timeout=300)
            for i in range(k, 8, 2):
                h.request(svc.port, "POST", "/v1/ner", bodies[i], conn=conn)
            conn.close()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(1.0)
        return before, svc.rss()
    finally:
        svc.stop()


def drift(binary, args, requests=40000):
    import load_test
    orig = h.Service.__init__

    def init(self, b, a=(), threads=2, wait_ready=True):
        orig(self, b, list(a) + args, threads, wait_ready)
    h.Service.__init__ = init
    try:
        t = load_test.LoadTest(binary, requests, 4, 7)
        with contextlib.redirect_stdout(io.StringIO()):  # its report is not needed here
            t.run()
        return t.rss_checkpoint, t.rss_end
    finally:
        h.Service.__init__ = orig


def allocator(binary, runs):
    print("%-48s %22s %22s" % ("glibc settings", "kept after 8 x 1 MiB", "drift over 40k req."))
    for name, args in ALLOCATOR_CONFIGS:
        kept = [retention(binary, args) for _ in range(runs)]
        drifts = [drift(binary, args) for _ in range(runs)]
        print("%-48s %22s %22s" % (
            name, ", ".join("%+.1f MB" % ((a - b) / 1e6) for b, a in kept),
            ", ".join("%+.2f %%" % (100.0 * (e - w) / w) for w, e in drifts)), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--allocator", action="store_true")
    a = ap.parse_args()
    b, runs = a.binary, a.runs
    if a.allocator:
        allocator(b, runs)
        return 0
    s1 = median_of(runs, lambda: start_rss(b, ["--cache-entries", "0"], 1))
    s4 = median_of(runs, lambda: start_rss(b, ["--cache-entries", "0"], 4))
    c1 = median_of(runs, lambda: start_rss(b, ["--cache-entries", "200000"], 1))
    print("start_bytes        %d  (%.1f MB)" % (s1, s1 / 1e6))
    print("worker_bytes       %d" % ((s4 - s1) / 3))
    print("cache_entry_bytes  %.1f" % ((c1 - s1) / 200000))
    print("work_per_body_byte (worst of):", flush=True)
    print("work_per_body_byte %.2f" % work_factor(b, runs))
    print("connection_bytes   %d" % connection_bytes(b, runs))
    combined(b)
    return 0


if __name__ == "__main__":
    h.main_guard(main)
