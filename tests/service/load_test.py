#!/usr/bin/env python3
"""Load test of examples/ner_service (CTest: service.load_test, label "service").

usage: load_test.py PATH/TO/ner_service [--requests N] [--clients N] [--seed S]

Starts the service (--threads 2, short timeouts for the hostile clients), then sends N requests (default
100,000; a tenth under ASan, a twentieth under TSan) of unique, production-like text from 4 keep-alive
clients on 127.0.0.1: mostly /v1/ner, some /v1/ner/batch, about 2 % malformed requests that must be refused
with the expected status. Meanwhile a hostile client on other loopback addresses keeps attacking: slow
headers, idle connections, a client that never reads its large response, oversized and chunked bodies, a
gzip bomb, smuggling, a pipelined burst, a header flood, conflicting framing. Checks:
  - no unexpected status, transport error or malformed response for the well-behaved clients (0
    unexpected errors), and the expected outcome for every hostile action;
  - every e-mail address put into a text comes back as an EMAIL entity; every entity's character offsets
    select its text;
  - /metrics at the end: no transient strings, no open zone, the permanent layer unchanged, request
    counters equal to what the clients received, histogram consistent, nothing buffered;
  - RSS at the end within +2 % of RSS after the warm-up (the first 10 %), both taken once the hostile
    connections are gone (not under sanitizers: their allocators keep memory by design);
  - SIGTERM while a request is in flight: it is answered, the service exits with code 0.
Prints the throughput and the service's CPU time per request (requests per CPU-second: the figure
deploy/README.md sizes replicas with).
"""

import argparse
import gzip
import http.client
import json
import signal
import threading
import time

import harness as h

RSS_GROWTH_LIMIT = 0.02
TIME_BUDGET = 240.0  # seconds for the load phase (CTest's timeout is 300)
MAX_BODY = 1 << 20
MAX_LEFT_OPEN = 60  # slow, idle and non-reading connections the hostile client keeps at most


TOO_LONG = b'{"text": "' + b"a" * MAX_BODY + b'"}'
TOO_LONG_GZIP = gzip.compress(TOO_LONG)


def malformed(i):
    """The i-th malformed request: (method, path, body, extra headers, expected status). A list body is
    sent chunked (no Content-Length: only the service's own count can refuse it)."""
    too_long = TOO_LONG
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
        ("POST", "/v1/ner", TOO_LONG_GZIP, {"Content-Encoding": "gzip"}, 413),
        ("POST", "/v1/ner", b'{"text": "x"}', {"Content-Encoding": "zstd"}, 415),
        ("GET", "/v1/ner", None, {}, 405),
        ("POST", "/v1/no-such-endpoint", b'{"text": "x"}', {}, 404),
    ]
    return cases[i % len(cases)]


class Hostile:
    """Attacks from 127.0.0.2 and up while the load runs; each action checks its own outcome."""

    def __init__(self, test):
        self.t = test
        self.port = test.svc.port
        self.stop = threading.Event()
        self.pause = threading.Event()
        self.idle_now = threading.Event()
        self.actions = {}
        self.open = []  # sockets left open on purpose (slow, idle, not reading), closed by the service
        self.k = 0

    def addr(self):
        self.k += 1
        return h.hostile_address(self.k % 40)

    def run(self):
        acts = [self.slowloris, self.idle, self.not_reading, self.big_chunked, self.gzip_bomb, self.smuggle,
                self.pipelined, self.header_flood, self.conflicting_framing, self.request_line]
        n = 0
        while not self.stop.is_set():
            if self.pause.is_set():
                self.idle_now.set()
                time.sleep(0.05)
                continue
            self.idle_now.clear()
            act = acts[n % len(acts)]
            n += 1
            try:
                act()
                self.actions[act.__name__] = self.actions.get(act.__name__, 0) + 1
            except OSError as e:
                self.t.error("hostile %s: %s: %s" % (act.__name__, type(e).__name__, e))
            still_open = []
            for s in self.open:
                if s.closed_by_peer(0):
                    s.close()
                else:
                    still_open.append(s)
            self.open = still_open
            while len(self.open) > MAX_LEFT_OPEN:  # a steady number of hostile connections: the warm-up sees it
                self.open.pop(0).close()
            time.sleep(0.05)
        self.idle_now.set()

    def send_expect(self, data, status, what):
        """Sends `data` on a new connection (the service may close before the end) and expects `status`."""
        s = h.raw(self.port, self.addr())
        try:
            s.sendall(data)
        except OSError:
            pass
        self.expect(s, status, what)

    def expect(self, s, status, what):
        r = s.read_response()
        if r is None or r[0] != status:
            self.t.error("hostile %s: %r, expected %d" % (what, r and (r[0], r[2][:100]), status))
        elif not s.closed_by_peer(5 * h.slow_factor()):
            self.t.error("hostile %s: the connection stays open after %d" % (what, status))
        s.close()

    def slowloris(self):
        for _ in range(3):
            s = h.raw(self.port, self.addr())
            s.sendall(b"POST /v1/ner HTTP/1.1\r\nHo")
            self.open.append(s)

    def idle(self):
        for _ in range(10):
            self.open.append(h.raw(self.port, self.addr()))

    def not_reading(self):
        s = h.raw(self.port, self.addr())
        s.sock.setsockopt(h.socket.SOL_SOCKET, h.socket.SO_RCVBUF, 4096)
        s.sendall(h.http_request("POST", "/v1/ner", h.ner_body(h.dense_email_text(self.k, 100000))))
        self.open.append(s)

    def big_chunked(self):
        s = h.raw(self.port, self.addr())
        s.sendall(b"POST /v1/ner HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            for _ in range(3):
                s.sendall(b"100000\r\n" + b"a" * 0x100000 + b"\r\n")
        except OSError:
            pass
        self.expect(s, 413, "chunked body past the limit")

    def gzip_bomb(self):
        z = gzip.compress(b'{"text": "' + b" " * (4 * MAX_BODY) + b'"}')
        self.send_expect(h.http_request("POST", "/v1/ner", z, {"Content-Encoding": "gzip"}), 413, "gzip bomb")

    def smuggle(self):
        hidden = h.http_request("POST", "/v1/ner", h.ner_body("smuggled@hidden.example"))
        self.send_expect(b"POST /v1/ner HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n" % len(TOO_LONG)
                         + TOO_LONG + b"\r\n" + hidden, 413, "smuggling")

    def pipelined(self):
        s = h.raw(self.port, self.addr(), timeout=30 * h.slow_factor())
        n = 20
        s.sendall(b"".join(h.http_request("POST", "/v1/ner", h.ner_body("burst %d mail burst%d@x.io" % (i, i)))
                           for i in range(n)))
        for i in range(n):
            r = s.read_response()
            if r is None or r[0] != 200 or ("burst%d@x.io" % i).encode() not in r[2]:
                self.t.error("hostile pipelined: response %d is %r" % (i, r and (r[0], r[2][:100])))
                break
        s.close()

    def header_flood(self):
        self.send_expect(b"GET /healthz HTTP/1.1\r\nHost: t\r\n" + b"X-Flood: yes\r\n" * 5000, 431, "header flood")

    def conflicting_framing(self):
        self.send_expect(b"POST /v1/ner HTTP/1.1\r\nHost: t\r\nContent-Length: 13\r\nContent-Length: 13\r\n\r\n"
                         b'{"text": "x"}', 400, "two Content-Length")

    def request_line(self):
        self.send_expect(b"GET /" + b"a" * 200000, 414, "request line without end")


class LoadTest:
    def __init__(self, binary, requests, clients, seed):
        self.binary = binary
        self.total = requests
        self.clients = clients
        self.seed = seed
        self.checkpoint = max(2000, requests // 10)
        self.lock = threading.Lock()
        self.next_index = 0
        self.errors = []
        self.received = {}  # status -> count of responses the clients received (/metrics included)
        self.ok_requests = self.refused = self.texts = self.entities = self.emails = 0
        self.deadline = None
        self.svc = None

    def error(self, what):
        with self.lock:
            if len(self.errors) < 1000:
                self.errors.append(what)

    def record(self, status):
        with self.lock:
            self.received[status] = self.received.get(status, 0) + 1

    def take(self, limit):
        with self.lock:
            if self.next_index >= limit or time.monotonic() > self.deadline:
                return None
            i = self.next_index
            self.next_index += 1
            return i

    def call(self, conn, method, path, body=None, headers=None):
        if isinstance(body, list):
            status, _, data = conn.request(method, path, headers=headers, chunks=body)
        else:
            status, _, data = conn.request(method, path, body, headers)
        self.record(status)
        return status, data

    def check_result(self, result, text, emails, where):
        problems = h.check_entities(result, text, emails)
        for p in problems:
            self.error("%s: %s" % (where, p))
        with self.lock:
            self.emails += len(emails)
        return len(result.get("ents", [])) if isinstance(result, dict) else 0

    def one(self, conn, maker, i):
        if i % 50 == 17:
            method, path, body, headers, expected = malformed(i // 50)
            status, data = self.call(conn, method, path, body, headers)
            if status != expected:
                self.error("request %d (%s %s, malformed): status %d, expected %d: %r" % (
                    i, method, path, status, expected, data[:200]))
                return False
            try:
                if not isinstance(json.loads(data).get("error"), str):
                    raise ValueError("no error member")
            except ValueError as e:
                self.error("request %d: refusal without a JSON error body (%s): %r" % (i, e, data[:200]))
            with self.lock:
                self.refused += 1
            return True
        if i % 10 == 3:
            items = [maker.text(i) for _ in range(maker.rng.randrange(2, 9))]
            status, data = self.call(conn, "POST", "/v1/ner/batch", json.dumps({"texts": [t for t, _ in items]}).encode())
            if status != 200:
                self.error("request %d (batch): status %d: %r" % (i, status, data[:200]))
                return True
            results = json.loads(data).get("results")
            if not isinstance(results, list) or len(results) != len(items):
                self.error("request %d (batch): %d results for %d texts" % (i, len(results or []), len(items)))
                return True
            ents = sum(self.check_result(r, t, em, "request %d[%d]" % (i, k))
                       for k, (r, (t, em)) in enumerate(zip(results, items)))
            n_texts = len(items)
        else:
            text, emails = maker.text(i)
            status, data = self.call(conn, "POST", "/v1/ner", json.dumps({"text": text}, ensure_ascii=(i % 2 == 0)).encode())
            if status != 200:
                self.error("request %d: status %d: %r" % (i, status, data[:200]))
                return True
            ents = self.check_result(json.loads(data), text, emails, "request %d" % i)
            n_texts = 1
        with self.lock:
            self.ok_requests += 1
            self.texts += n_texts
            self.entities += ents
        return True

    def client(self, w, barrier, hostile):
        maker = h.TextMaker(self.seed * 1000 + w)
        conn = h.Client(self.svc.port, timeout=60 * h.slow_factor())
        try:
            for limit in (self.checkpoint, self.total):
                while True:
                    i = self.take(limit)
                    if i is None:
                        break
                    try:
                        self.one(conn, maker, i)
                    except (OSError, ValueError) as e:
                        self.error("request %d: %s: %s" % (i, type(e).__name__, e))
                        conn.close()
                if limit == self.checkpoint:
                    # Not left idle at the barrier: the checkpoint may outlast --idle-timeout, and the next
                    # request would then meet a connection the service closed. The client reconnects.
                    conn.close()
                    if barrier.wait() == 0:
                        self.rss_checkpoint = self.quiet_rss(hostile, conn)
                    barrier.wait()
        except threading.BrokenBarrierError:
            self.error("client %d: the checkpoint barrier broke" % w)
        except Exception as e:  # a client must never die silently
            self.error("client %d: %s: %s" % (w, type(e).__name__, e))
            barrier.abort()
        finally:
            conn.close()

    def quiet_rss(self, hostile, conn):
        """RSS once the hostile client is paused and every connection it left open is gone."""
        hostile.pause.set()
        hostile.idle_now.wait(60)
        deadline = time.monotonic() + 30 * h.slow_factor()
        m = {}
        while time.monotonic() < deadline:
            status, data = self.call(conn, "GET", "/metrics")
            m = h.parse_metrics(data.decode())
            if m.get("lexzone_connections_open", 99) <= self.clients + 1 and m.get("lexzone_buffered_bytes") == 0 \
                    and m.get("lexzone_requests_in_flight") == 0:
                break
            time.sleep(0.2)
        else:
            self.error("the hostile connections were not all closed within 30 s: %r open" % m.get(
                "lexzone_connections_open"))
        time.sleep(0.3)
        rss = self.svc.rss()
        print("quiet point after %d requests: RSS %.2f MB, pooled buffers %.0f KB, zone pool %.0f KB" % (
            self.next_index, rss / 1e6, m.get("lexzone_pooled_buffer_bytes", 0) / 1e3,
            m.get("lexzone_pooled_bytes", 0) / 1e3), flush=True)
        hostile.pause.clear()
        return rss

    def run(self):
        args = ["--header-timeout", "2", "--idle-timeout", "3", "--write-timeout", "2", "--body-timeout", "3"]
        self.svc = h.Service(self.binary, args, threads=2)
        try:
            return self.run_started()
        finally:
            self.svc.kill()

    def run_started(self):
        svc = self.svc
        before = svc.metrics()
        self.deadline = time.monotonic() + TIME_BUDGET
        hostile = Hostile(self)
        barrier = threading.Barrier(self.clients, timeout=TIME_BUDGET)
        threads = [threading.Thread(target=self.client, args=(w, barrier, hostile), daemon=True)
                   for w in range(self.clients)]
        hostile_thread = threading.Thread(target=hostile.run, daemon=True)
        self.rss_checkpoint = None
        samples = []  # (requests taken, RSS), every half second, for the summary
        sampling = threading.Event()

        def sample():
            while not sampling.wait(0.5):
                try:
                    samples.append((self.next_index, svc.rss()))
                except OSError:
                    return
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu0, t0 = svc.cpu_seconds(), time.monotonic()
        hostile_thread.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIME_BUDGET + 30)
        elapsed = time.monotonic() - t0
        cpu = svc.cpu_seconds() - cpu0
        sampling.set()
        sampler.join(5)
        if any(t.is_alive() for t in threads):
            raise h.Failure("client threads still running after %.0f s" % elapsed)
        if self.next_index < self.total:
            self.error("time budget of %.0f s exceeded after %d requests" % (TIME_BUDGET, self.next_index))
        conn = h.Client(svc.port, timeout=60)
        rss_end = self.rss_end = self.quiet_rss(hostile, conn)
        hostile.stop.set()
        hostile_thread.join(60)
        for s in hostile.open:
            s.close()

        # The service counts a response once written: read /metrics until it agrees (5 tries).
        for _ in range(5):
            expected = dict(self.received)
            status, data = self.call(conn, "GET", "/metrics")
            after = h.parse_metrics(data.decode())
            counted = {int(k.split('"')[1]): int(v) for k, v in after.items() if k.startswith("lexzone_requests_total{")}
            if all(counted.get(k, 0) >= v for k, v in expected.items()):
                break
            time.sleep(0.1)
        conn.close()

        def expect(cond, what):
            if not cond:
                self.error("metrics: " + what)
        for name in ("lexzone_transient_strings", "lexzone_open_zones", "lexzone_transient_lexemes",
                     "lexzone_zone_bytes", "lexzone_buffered_bytes", "lexzone_requests_in_flight"):
            expect(after.get(name) == 0, "%s = %r at the end, expected 0" % (name, after.get(name)))
        for name in ("lexzone_permanent_strings", "lexzone_permanent_lexemes"):
            expect(after.get(name) == before.get(name), "%s changed under load: %r -> %r" % (
                name, before.get(name), after.get(name)))
        # Every response a client received was counted (hostile responses add to the service's counts).
        for code, n in expected.items():
            expect(counted.get(code, 0) >= n, "lexzone_requests_total{code=%d} = %r < %d received" % (
                code, counted.get(code), n))
        expect(after.get("lexzone_request_duration_seconds_count") == sum(counted.values()),
               "histogram count %r != responses %d" % (after.get("lexzone_request_duration_seconds_count"),
                                                        sum(counted.values())))
        # Texts: the clients', the hostile pipelined bursts' (20 each) and non-readers' (1 each).
        texts = self.texts + 20 * hostile.actions.get("pipelined", 0) + hostile.actions.get("not_reading", 0)
        expect(after.get("lexzone_texts_total") == texts, "lexzone_texts_total %r != texts sent %d" % (
            after.get("lexzone_texts_total"), texts))
        growth = (rss_end - self.rss_checkpoint) / self.rss_checkpoint if self.rss_checkpoint else float("inf")
        if not h.sanitized() and growth > RSS_GROWTH_LIMIT:
            self.error("RSS grew %.2f %% (%.1f MB -> %.1f MB) from the warm-up to the end (limit %.0f %%)" % (
                100 * growth, self.rss_checkpoint / 1e6, rss_end / 1e6, 100 * RSS_GROWTH_LIMIT))

        in_flight = self.shutdown_with_request_in_flight()
        requests = self.next_index
        print("requests:            %d in %.1f s from %d keep-alive clients: %.0f requests/s" % (
            requests, elapsed, self.clients, requests / elapsed if elapsed > 0 else 0))
        print("                     %d answered 200 (%d texts, %d entities), %d malformed refused as expected" % (
            self.ok_requests, self.texts, self.entities, self.refused))
        print("service CPU:         %.1f s: %.0f requests per CPU-second (%.0f texts per CPU-second)" % (
            cpu, requests / cpu if cpu else 0, self.texts / cpu if cpu else 0))
        print("hostile actions:     " + ", ".join("%s %d" % kv for kv in sorted(hostile.actions.items())))
        print("e-mails checked:     %d" % self.emails)
        print("RSS:                 %.1f MB after the warm-up (%d requests), %.1f MB at the end: %+.2f %% (limit +%.0f %%%s)"
              % (self.rss_checkpoint / 1e6, self.checkpoint, rss_end / 1e6, 100 * growth, 100 * RSS_GROWTH_LIMIT,
                 "; not asserted under sanitizers" if h.sanitized() else ""))
        if samples:
            step = max(1, len(samples) // 8)
            curve = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
            print("RSS curve (/proc):   " + ", ".join("%d: %.1f MB" % (n, r / 1e6) for n, r in curve))
        print("rejections:          " + ", ".join("%s %d" % (k.split('"')[1], v) for k, v in sorted(after.items())
                                                  if k.startswith("lexzone_rejected_total") and v))
        print("latency:             mean %.2f ms over %d responses" % (
            1000 * after["lexzone_request_duration_seconds_sum"] / max(1, after["lexzone_request_duration_seconds_count"]),
            after["lexzone_request_duration_seconds_count"]))
        print("shutdown:            SIGTERM -> exit code %r; in-flight batch answered %s" % (
            self.svc.proc.returncode, in_flight))
        print("unexpected errors:   %d" % len(self.errors))
        for e in self.errors[:20]:
            print("  " + e)
        return not self.errors

    def shutdown_with_request_in_flight(self):
        maker = h.TextMaker(self.seed * 1000 + 999)
        conn = http.client.HTTPConnection(h.HOST, self.svc.port, timeout=60 * h.slow_factor())
        h.request(self.svc.port, "GET", "/healthz", conn=conn)
        texts = [maker.text(10 ** 6 + k)[0] for k in range(400)]
        conn.request("POST", "/v1/ner/batch", body=json.dumps({"texts": texts}).encode(),
                     headers={"Content-Type": "application/json"})
        time.sleep(0.05)
        self.svc.signal(signal.SIGTERM)
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
        rc = self.svc.wait(30 * h.slow_factor())
        if rc != 0:
            self.error("shutdown: exit code %r, expected 0" % rc)
        return outcome


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--requests", type=int, default=h.scaled(100000))
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seed", type=int, default=2026)
    a = ap.parse_args()
    if a.requests < 2000 or a.clients < 1:
        ap.error("--requests must be at least 2000 and --clients at least 1")
    ok = LoadTest(a.binary, a.requests, a.clients, a.seed).run()
    print("load_test: %s" % ("PASSED" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    h.main_guard(main)
