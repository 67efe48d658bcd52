#!/usr/bin/env python3
"""Load test of examples/ner_service (CTest: service.load_test, label "service").

usage: load_test.py PATH/TO/ner_service [--requests N] [--connections N] [--seed S]

Starts the service on 127.0.0.1 with --port 0 --threads 2, reads the port it prints, then sends N
(default 20,000) requests of unique, production-like text (names, e-mail addresses, URLs, IDs, numbers,
non-ASCII words, random words) over keep-alive connections, one client thread each: mostly /v1/ner, some
/v1/ner/batch, and some malformed requests that must be refused with the expected status (400, 413, and
404/405). Checks:
  - no unexpected status, transport error or malformed response;
  - every e-mail address put into a text comes back as an EMAIL entity, and every entity's character
    offsets select its text (code points, as Python indexes str);
  - /metrics at the end: lexzone_transient_strings == 0, lexzone_open_zones == 0, the permanent layer
    unchanged since start, request counters equal to what was sent, histogram count consistent;
  - resident memory grew by at most 2 % from after the first 1,000 requests to the end;
  - SIGTERM while a request is in flight: that request completes, the service exits with code 0.
Standard library only; loopback only; every loop is bounded in count and in time.
"""

import argparse
import gzip
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"
CHECKPOINT = 1000           # RSS reference: after this many requests
RSS_GROWTH_LIMIT = 0.02     # 2 %
TIME_BUDGET = 200.0         # seconds for the whole load phase (CTest's timeout is 300)
MAX_BODY = 1 << 20          # the service's default --max-body-bytes

WORDS = ("the of and to in is for that with on as it be this by are from or at an not can will you if "
         "package version file system use support new now default data server user should which all has "
         "build changes configuration release available option library install running error when more "
         "time about their other into only some after first also any where most process request network "
         "service memory update security kernel driver module interface function command program source "
         "directory output input message account customer order payment invoice shipping address contact "
         "please thanks regards meeting tomorrow report issue ticket deadline project team manager review "
         "approved pending failed success warning debug token session").split()
UNICODE_WORDS = ["café", "naïve", "Zürich", "São", "Kraków", "東京", "Привет", "mañana", "Ærøskøbing",
                 "😀", "niño", "Ελλάδα", "coöperate", "résumé"]
FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Wei", "Fatima", "Hiroshi", "Olga",
         "Ahmed", "Priya", "Lars", "Ines", "Mateo", "Chloe", "Kwame", "Aiko", "Dmitri", "Lucia"]
LAST = ["Smith", "Johnson", "Garcia", "Miller", "Nguyen", "Kim", "Patel", "Ivanov", "Schmidt", "Rossi",
        "Tanaka", "Silva", "Dubois", "Kowalski", "Okafor", "Haddad", "Novak", "Yilmaz", "Fischer", "Moreau"]
DOMAINS = ["example", "mail", "corp", "acme", "globex", "initech", "hooli", "contoso", "fabrikam", "tailspin"]
TLDS = ["com", "org", "net", "io", "de", "fr", "dev"]


class TextMaker:
    """Unique production-like texts: request `i` always gets tokens no other request has."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def hexid(self, n):
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def email(self, i):
        r = self.rng
        return "%s%s%s%d@%s.%s" % (r.choice(FIRST).lower(), r.choice("._"), r.choice(LAST).lower(),
                                   i * 100 + r.randrange(100), r.choice(DOMAINS), r.choice(TLDS))

    def text(self, i):
        """Returns (text, e-mail addresses in it)."""
        r = self.rng
        parts, emails = [], []
        for _ in range(r.randrange(8, 40)):
            k = r.randrange(100)
            if k < 55:
                parts.append(r.choice(WORDS))
            elif k < 62:
                parts.append(r.choice(FIRST) + " " + r.choice(LAST))
            elif k < 67:
                parts.append(r.choice(UNICODE_WORDS))
            elif k < 72:
                parts.append("https://%s.%s/%s/%s?id=%s" % (r.choice(DOMAINS), r.choice(TLDS), r.choice(WORDS),
                                                           r.choice(WORDS), self.hexid(8)))
            elif k < 80:
                parts.append(r.choice(["ORD-%d" % r.randrange(100000, 999999), "#%d" % r.randrange(100000),
                                       "%s-%s-%s" % (self.hexid(8), self.hexid(4), self.hexid(4)),
                                       "CVE-20%d-%d" % (r.randrange(10, 26), r.randrange(1000, 50000))]))
            elif k < 88:
                parts.append(r.choice(["%d" % r.randrange(1000), "%d.%02d" % (r.randrange(100000), r.randrange(100)),
                                       "$%d.%02d" % (r.randrange(5000), r.randrange(100)),
                                       "%d:%02d" % (r.randrange(1, 13), r.randrange(60))]))
            elif k < 94:
                w = list(r.choice(WORDS) + r.choice(WORDS))
                r.shuffle(w)
                parts.append("".join(w))  # typo-like junk
            else:
                e = self.email(i)
                emails.append(e)
                parts.append(e)
        if not emails and r.randrange(3) != 0:  # two texts in three carry an address
            e = self.email(i)
            emails.append(e)
            parts.insert(r.randrange(len(parts) + 1), e)
        parts.append("REQ-%06d-%s" % (i, self.hexid(6)))  # unique in every request
        return " ".join(parts) + r.choice([".", "?", "!", ""]), emails


def malformed(i):
    """The i-th malformed request: (method, path, body, extra headers, expected status). A list body is
    sent with chunked transfer encoding (no Content-Length, so only the service's own check can refuse it)."""
    too_long = b'{"text": "' + b"a" * MAX_BODY + b'"}'
    cases = [
        ("POST", "/v1/ner", b'{"text": "unterminated', {}, 400),
        ("POST", "/v1/ner", b'{"txt": "wrong member"}', {}, 400),
        ("POST", "/v1/ner", b'{"text": 42}', {}, 400),
        ("POST", "/v1/ner", b'["not", "an", "object"]', {}, 400),
        ("POST", "/v1/ner/batch", b'{"texts": "not an array"}', {}, 400),
        ("POST", "/v1/ner/batch", b'{"texts": ["fine", 7]}', {}, 400),
        ("POST", "/v1/ner", b'{"text": "invalid \xff\xfe UTF-8 %d"}' % i, {}, 400),
        ("POST", "/v1/ner", b'{"text": "lone surrogate \\ud800"}', {}, 400),
        ("POST", "/v1/ner", b'{"text": "deep", "x": ' + b"[" * 100 + b"]" * 100 + b"}", {}, 400),
        ("POST", "/v1/ner", b"", {}, 400),
        ("POST", "/v1/ner", too_long, {}, 413),
        ("POST", "/v1/ner", [too_long[k:k + 65536] for k in range(0, len(too_long), 65536)], {}, 413),
        ("POST", "/v1/ner", gzip.compress(too_long), {"Content-Encoding": "gzip"}, 413),
        ("GET", "/v1/ner", None, {}, 405),
        ("POST", "/v1/no-such-endpoint", b'{"text": "x"}', {}, 404),
    ]
    return cases[i % len(cases)]


def parse_metrics(text):
    """Prometheus text -> {name or name{labels}: float}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        out[name] = float(value)
    return out


class Failure(Exception):
    pass


class LoadTest:
    def __init__(self, binary, requests, connections, seed):
        self.binary = binary
        self.total = requests
        self.connections = connections
        self.seed = seed
        self.lock = threading.Lock()
        self.next_index = 0
        self.errors = []              # unexpected outcomes (strings)
        self.sent_by_status = {}      # status -> count, every response received (metrics requests too)
        self.ok_requests = 0
        self.refused_as_expected = 0
        self.texts = 0
        self.entities = 0
        self.emails_checked = 0
        self.rss_checkpoint = None
        self.deadline = None
        self.proc = None
        self.port = None

    # ---- bookkeeping ------------------------------------------------------------------------------------
    def error(self, what):
        with self.lock:
            if len(self.errors) < 1000:
                self.errors.append(what)

    def record(self, status):
        with self.lock:
            self.sent_by_status[status] = self.sent_by_status.get(status, 0) + 1

    def take(self, limit):
        with self.lock:
            if self.next_index >= limit or time.monotonic() > self.deadline:
                return None
            i = self.next_index
            self.next_index += 1
            return i

    # ---- the service ------------------------------------------------------------------------------------
    def start(self):
        self.proc = subprocess.Popen([self.binary, "--host", HOST, "--port", "0", "--threads", "2"],
                                     stdout=subprocess.PIPE, text=True)
        line = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(60)
        if not line or not line[0].startswith("listening on http://"):
            self.proc.kill()
            raise Failure("the service did not print 'listening on ...' (got %r)" % (line[0] if line else None))
        self.port = int(line[0].strip().rsplit(":", 1)[1])
        print("service pid %d listening on port %d" % (self.proc.pid, self.port), flush=True)

    def proc_rss(self):
        """The service's resident set size from /proc (0 where unavailable)."""
        try:
            with open("/proc/%d/statm" % self.proc.pid) as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return 0

    def connect(self):
        return http.client.HTTPConnection(HOST, self.port, timeout=30)

    def call(self, conn, method, path, body=None, headers=None):
        """One request; returns (status, body bytes). Transport errors propagate."""
        h = {"Content-Type": "application/json"} if body is not None else {}
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        self.record(resp.status)
        return resp.status, data

    def metrics(self, conn):
        status, data = self.call(conn, "GET", "/metrics")
        if status != 200:
            raise Failure("/metrics answered %d" % status)
        return parse_metrics(data.decode("utf-8"))

    # ---- checks -----------------------------------------------------------------------------------------
    def check_result(self, result, text, emails, where):
        if not isinstance(result, dict) or not isinstance(result.get("ents"), list) \
                or not isinstance(result.get("tokens"), int):
            self.error("%s: bad result shape %r" % (where, result))
            return 0
        if text.strip() and result["tokens"] <= 0:
            self.error("%s: no tokens for a non-empty text" % where)
        found = set()
        for e in result["ents"]:
            if not all(k in e for k in ("text", "label", "start_char", "end_char")):
                self.error("%s: entity without text/label/start_char/end_char: %r" % (where, e))
                continue
            if text[e["start_char"]:e["end_char"]] != e["text"]:
                self.error("%s: offsets %d..%d select %r, entity text is %r" % (
                    where, e["start_char"], e["end_char"], text[e["start_char"]:e["end_char"]], e["text"]))
            if e["label"] == "EMAIL":
                found.add(e["text"])
        for addr in emails:
            if addr not in found:
                self.error("%s: e-mail %r not returned as EMAIL (ents: %r)" % (where, addr, result["ents"]))
        with self.lock:
            self.emails_checked += len(emails)
        return len(result["ents"])

    def one(self, conn, maker, i):
        """Sends request i on conn and checks the answer."""
        if i % 50 == 17:  # about 2 % malformed
            method, path, body, headers, expected = malformed(i // 50)
            status, data = self.call(conn, method, path, body, headers)
            if status != expected:
                self.error("request %d (%s %s, malformed): status %d, expected %d: %r" % (
                    i, method, path, status, expected, data[:200]))
                return
            try:
                err = json.loads(data)
                if not isinstance(err.get("error"), str):
                    raise ValueError("no error member")
            except ValueError as e:
                self.error("request %d: refusal without a JSON error body (%s): %r" % (i, e, data[:200]))
                return
            with self.lock:
                self.refused_as_expected += 1
            return
        if i % 10 == 3:  # batch
            items = [maker.text(i) for _ in range(maker.rng.randrange(2, 9))]
            body = json.dumps({"texts": [t for t, _ in items]}).encode("utf-8")
            status, data = self.call(conn, "POST", "/v1/ner/batch", body)
            if status != 200:
                self.error("request %d (batch): status %d: %r" % (i, status, data[:200]))
                return
            results = json.loads(data).get("results")
            if not isinstance(results, list) or len(results) != len(items):
                self.error("request %d (batch): %r results for %d texts" % (i, results, len(items)))
                return
            ents = sum(self.check_result(r, t, em, "request %d[%d]" % (i, k))
                       for k, (r, (t, em)) in enumerate(zip(results, items)))
            n_texts = len(items)
        else:
            text, emails = maker.text(i)
            body = json.dumps({"text": text}, ensure_ascii=(i % 2 == 0)).encode("utf-8")
            status, data = self.call(conn, "POST", "/v1/ner", body)
            if status != 200:
                self.error("request %d: status %d: %r" % (i, status, data[:200]))
                return
            ents = self.check_result(json.loads(data), text, emails, "request %d" % i)
            n_texts = 1
        with self.lock:
            self.ok_requests += 1
            self.texts += n_texts
            self.entities += ents

    def worker(self, w, barrier):
        maker = TextMaker(self.seed * 1000 + w)
        conn = self.connect()
        try:
            for limit in (CHECKPOINT, self.total):
                while True:
                    i = self.take(limit)
                    if i is None:
                        break
                    try:
                        self.one(conn, maker, i)
                    except (OSError, http.client.HTTPException, ValueError) as e:
                        self.error("request %d: %s: %s" % (i, type(e).__name__, e))
                        conn.close()
                        conn = self.connect()
                if limit == CHECKPOINT:
                    # Everyone has finished the first 1,000: one worker reads the RSS reference.
                    if barrier.wait() == 0:
                        self.rss_checkpoint = self.metrics(conn)["process_resident_memory_bytes"]
                    barrier.wait()
        except threading.BrokenBarrierError:
            self.error("worker %d: the checkpoint barrier broke (another worker failed)" % w)
        except Exception as e:  # a worker must never die silently
            self.error("worker %d: %s: %s" % (w, type(e).__name__, e))
            barrier.abort()
        finally:
            conn.close()

    # ---- the run ----------------------------------------------------------------------------------------
    def run(self):
        self.start()
        try:
            return self.run_started()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)

    def run_started(self):
        conn = self.connect()
        status, data = self.call(conn, "GET", "/healthz")
        if status != 200 or json.loads(data) != {"status": "ok"}:
            raise Failure("/healthz answered %d %r" % (status, data))
        before = self.metrics(conn)
        conn.close()

        self.deadline = time.monotonic() + TIME_BUDGET
        barrier = threading.Barrier(self.connections, timeout=TIME_BUDGET)
        threads = [threading.Thread(target=self.worker, args=(w, barrier), daemon=True)
                   for w in range(self.connections)]
        samples = []  # (requests taken, RSS bytes from /proc), for the summary
        stop_sampling = threading.Event()

        def sample():
            while not stop_sampling.wait(0.5):
                rss = self.proc_rss()
                if rss:
                    samples.append((self.next_index, rss))
        sampler = threading.Thread(target=sample, daemon=True)
        t0 = time.monotonic()
        sampler.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIME_BUDGET + 30)
        stop_sampling.set()
        sampler.join(5)
        self.samples = samples
        elapsed = time.monotonic() - t0
        if any(t.is_alive() for t in threads):
            raise Failure("client threads still running after %.0f s" % elapsed)
        if self.next_index < self.total:
            self.error("time budget of %.0f s exceeded after %d requests" % (TIME_BUDGET, self.next_index))

        # The server counts a response just after writing it: read /metrics until it has caught up (or 5 tries).
        conn = self.connect()
        for _ in range(5):
            end_sent = dict(self.sent_by_status)  # what the server must have counted before this /metrics
            after = self.metrics(conn)
            counted = {int(k.split('"')[1]): int(v) for k, v in after.items()
                       if k.startswith("lexzone_requests_total{")}
            if counted == end_sent:
                break
            time.sleep(0.1)
        conn.close()

        # ---- metrics checks
        def expect(cond, what):
            if not cond:
                self.error("metrics: " + what)
        for name in ("lexzone_transient_strings", "lexzone_open_zones", "lexzone_transient_lexemes",
                     "lexzone_zone_bytes"):
            expect(after.get(name) == 0, "%s = %r at the end, expected 0" % (name, after.get(name)))
        for name in ("lexzone_permanent_strings", "lexzone_permanent_lexemes"):
            expect(after.get(name) == before.get(name),
                   "%s changed under load: %r -> %r" % (name, before.get(name), after.get(name)))
        expect(after.get("lexzone_vocab_size") == after.get("lexzone_permanent_lexemes"),
               "lexzone_vocab_size %r != lexzone_permanent_lexemes %r" % (
                   after.get("lexzone_vocab_size"), after.get("lexzone_permanent_lexemes")))
        expect(counted == end_sent, "lexzone_requests_total %r != responses received %r" % (counted, end_sent))
        expect(after.get("lexzone_request_duration_seconds_count") == sum(counted.values()),
               "histogram count %r != requests %d" % (after.get("lexzone_request_duration_seconds_count"),
                                                      sum(counted.values())))
        expect(after.get('lexzone_request_duration_seconds_bucket{le="+Inf"}')
               == after.get("lexzone_request_duration_seconds_count"), "+Inf bucket != _count")
        expect(after.get("lexzone_texts_total") == self.texts,
               "lexzone_texts_total %r != texts sent %d" % (after.get("lexzone_texts_total"), self.texts))

        rss_end = after["process_resident_memory_bytes"]
        growth = (rss_end - self.rss_checkpoint) / self.rss_checkpoint if self.rss_checkpoint else float("inf")
        if growth > RSS_GROWTH_LIMIT:
            self.error("RSS grew %.2f %% (%.1f MB -> %.1f MB) from request %d to the end (limit %.0f %%)" % (
                100 * growth, (self.rss_checkpoint or 0) / 1e6, rss_end / 1e6, CHECKPOINT, 100 * RSS_GROWTH_LIMIT))

        # ---- graceful shutdown with a request in flight
        in_flight = self.shutdown_with_request_in_flight()

        requests = self.next_index
        print("requests:            %d in %.1f s over %d keep-alive connections: %.0f requests/s" % (
            requests, elapsed, self.connections, requests / elapsed if elapsed > 0 else 0))
        print("                     %d answered 200 (%d texts, %d entities), %d malformed refused as expected" % (
            self.ok_requests, self.texts, self.entities, self.refused_as_expected))
        print("e-mails checked:     %d (each returned as EMAIL with matching offsets)" % self.emails_checked)
        print("RSS:                 %.1f MB at start, %.1f MB after %d requests, %.1f MB at the end: %+.2f %% "
              "(limit +%.0f %%)" % (before["process_resident_memory_bytes"] / 1e6, (self.rss_checkpoint or 0) / 1e6,
                                   CHECKPOINT, rss_end / 1e6, 100 * growth, 100 * RSS_GROWTH_LIMIT))
        if self.samples:
            step = max(1, len(self.samples) // 8)
            curve = self.samples[::step] + ([self.samples[-1]] if (len(self.samples) - 1) % step else [])
            print("RSS curve (/proc):   " + ", ".join("%d: %.1f MB" % (n, r / 1e6) for n, r in curve))
        print("end metrics:         transient_strings=%d open_zones=%d vocab_size=%d permanent_strings=%d "
              "zone_bytes_peak=%d pooled_bytes=%d" % (
                  after["lexzone_transient_strings"], after["lexzone_open_zones"], after["lexzone_vocab_size"],
                  after["lexzone_permanent_strings"], after["lexzone_zone_bytes_peak"],
                  after["lexzone_pooled_bytes"]))
        print("latency:             mean %.2f ms over %d requests" % (
            1000 * after["lexzone_request_duration_seconds_sum"] / max(1, after["lexzone_request_duration_seconds_count"]),
            after["lexzone_request_duration_seconds_count"]))
        print("shutdown:            SIGTERM -> exit code %r; in-flight batch answered %s" % (
            self.proc.returncode, in_flight))
        print("unexpected errors:   %d" % len(self.errors))
        for e in self.errors[:20]:
            print("  " + e)
        return not self.errors

    def shutdown_with_request_in_flight(self):
        """Sends a large batch, then SIGTERM before its answer; returns how the batch was answered."""
        maker = TextMaker(self.seed * 1000 + 999)
        conn = self.connect()
        self.call(conn, "GET", "/healthz")  # the connection is now accepted and served by a worker
        texts = [maker.text(10 ** 6 + k)[0] for k in range(400)]
        conn.request("POST", "/v1/ner/batch", body=json.dumps({"texts": texts}).encode("utf-8"),
                     headers={"Content-Type": "application/json"})
        time.sleep(0.05)  # let the service read it
        self.proc.send_signal(signal.SIGTERM)
        outcome = "no"
        try:
            resp = conn.getresponse()
            data = resp.read()
            results = json.loads(data).get("results") if resp.status == 200 else None
            if resp.status != 200 or not isinstance(results, list) or len(results) != len(texts):
                self.error("shutdown: the in-flight batch got %d %r" % (resp.status, data[:200]))
            else:
                outcome = "200 with %d results" % len(results)
        except (OSError, http.client.HTTPException, ValueError) as e:
            self.error("shutdown: the in-flight batch failed: %s: %s" % (type(e).__name__, e))
        finally:
            conn.close()
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.error("shutdown: the service did not exit within 30 s of SIGTERM")
            return outcome
        if rc != 0:
            self.error("shutdown: exit code %d, expected 0" % rc)
        return outcome


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--connections", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2026)
    a = ap.parse_args()
    if a.requests < CHECKPOINT * 2 or a.connections < 1:
        ap.error("--requests must be at least %d and --connections at least 1" % (CHECKPOINT * 2))
    if not os.access(a.binary, os.X_OK):
        print("load_test: %s is not an executable (build the ner_service target first)" % a.binary)
        return 1
    try:
        ok = LoadTest(a.binary, a.requests, a.connections, a.seed).run()
    except Failure as e:
        print("load_test: FAILED: %s" % e)
        return 1
    print("load_test: %s" % ("PASSED" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
