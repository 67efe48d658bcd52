"""Shared helpers of the ner_service tests (tests/service/*.py): starting the service, raw HTTP on
sockets (for what http.client will not send), /proc figures, metrics, production-like texts.

Loopback only. Hostile clients connect from other loopback addresses (127.0.0.2 and up: every 127/8
address reaches the loopback interface on Linux), so that the per-address connection cap meets them and
not the well-behaved clients on 127.0.0.1.

Sanitizer builds: CTest passes LEXZONE_SANITIZE (the CMake option's value). Under a sanitizer, RSS is
the sanitizer's (ASan's quarantine, TSan's shadow memory) and the code runs 2-15x slower: `sanitized()`
tells the tests to skip RSS assertions and `scaled(n)` to do less, while every functional check runs.
"""

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"


def sanitizer():
    """The sanitizers of this build ("" for none), from LEXZONE_SANITIZE."""
    return os.environ.get("LEXZONE_SANITIZE", "").strip()


def sanitized():
    return sanitizer() != ""


def scaled(n, asan=10, tsan=20, minimum=1):
    """`n`, divided for sanitizer builds (TSan is the slowest)."""
    s = sanitizer()
    if "thread" in s:
        return max(minimum, n // tsan)
    if s:
        return max(minimum, n // asan)
    return n


def slow_factor():
    """How much longer waits may take in this build."""
    s = sanitizer()
    return 6.0 if "thread" in s else 3.0 if s else 1.0


class Failure(Exception):
    pass


class Checks:
    """Collects failed checks; a test fails if any was recorded."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.passed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failures.append(what)
            print("FAIL: " + what, flush=True)
        return cond

    def finish(self):
        if self.failures:
            print("%s: FAILED (%d of %d checks)" % (self.name, len(self.failures), len(self.failures) + self.passed))
            return 1
        print("%s: PASSED (%d checks)" % (self.name, self.passed))
        return 0


class Service:
    """A ner_service process on 127.0.0.1 with --port 0; `args` are added to the command line."""

    def __init__(self, binary, args=(), threads=2, wait_ready=True):
        self.binary = binary
        cmd = [binary, "--host", HOST, "--port", "0", "--threads", str(threads)] + [str(a) for a in args]
        self.stderr_lines = []
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(60 * slow_factor())
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        if not line or not line[0].startswith("listening on http://"):
            self.kill()
            raise Failure("the service did not print 'listening on ...' (got %r; stderr %r)" % (
                line[0] if line else None, "".join(self.stderr_lines)[-500:]))
        self.port = int(line[0].strip().rsplit(":", 1)[1])
        if wait_ready:
            self.wait_ready()

    def _drain_stderr(self):
        for l in self.proc.stderr:
            self.stderr_lines.append(l)

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout * slow_factor()
        while time.monotonic() < deadline:
            try:
                status, _, _ = request(self.port, "GET", "/readyz", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise Failure("/readyz did not answer 200 within %.0f s" % (timeout * slow_factor()))

    @property
    def pid(self):
        return self.proc.pid

    def rss(self):
        """Resident set size (bytes) from /proc/PID/statm."""
        with open("/proc/%d/statm" % self.pid) as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def peak_rss(self):
        """Peak resident set size since start or the last reset_peak_rss (VmHWM, bytes)."""
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return 0

    def reset_peak_rss(self):
        """Resets VmHWM to the current RSS (Linux: "5" into clear_refs)."""
        with open("/proc/%d/clear_refs" % self.pid, "w") as f:
            f.write("5")

    def cpu_seconds(self):
        """User + system CPU time the service used so far."""
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def metrics(self):
        status, _, body = request(self.port, "GET", "/metrics")
        if status != 200:
            raise Failure("/metrics answered %d" % status)
        return parse_metrics(body.decode("utf-8"))

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        """The exit status, or None if still running after `timeout` seconds."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=30):
        """SIGTERM and wait; returns the exit status (None: it had to be killed)."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.signal()
        rc = self.wait(timeout * slow_factor())
        if rc is None:
            self.kill()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stderr_text(self):
        return "".join(self.stderr_lines)


def parse_metrics(text):
    """Prometheus text -> {name or name{labels}: float}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        out[name] = float(value)
    return out


def request(port, method, path, body=None, headers=None, timeout=30, conn=None):
    """One request with http.client; returns (status, headers dict with lower-case names, body bytes)."""
    own = conn is None
    c = conn or http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        h = {"Content-Type": "application/json"} if body is not None else {}
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        if own:
            c.close()


def connect(port, source="127.0.0.1", timeout=10):
    """A raw TCP connection from loopback address `source`."""
    return socket.create_connection((HOST, port), timeout=timeout, source_address=(source, 0))


def hostile_address(i):
    """Loopback source address number i of the hostile clients (127.0.0.2 upwards)."""
    return "127.0.%d.%d" % ((i + 2) // 254, (i + 2) % 254 or 1)


class RawSocket:
    """A socket that remembers bytes read past one response (pipelining)."""

    def __init__(self, sock):
        self.sock = sock
        self.pending = b""

    def recv(self, n):
        return self.sock.recv(n)

    def sendall(self, data):
        self.sock.sendall(data)

    def settimeout(self, t):
        self.sock.settimeout(t)

    def close(self):
        self.sock.close()

    def read_response(self, head_only=False):
        """Reads one HTTP/1.1 response: (status, headers dict with lower-case names, body bytes), or None if
        the connection closed first. Bytes past it (pipelined responses) stay for the next call. Needs
        Content-Length (the service always sends it)."""
        buf = self.pending
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                self.pending = buf
                return None
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = 0 if head_only or status in (100, 204) else int(headers.get("content-length", "0"))
        while len(rest) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                self.pending = b""
                return None
            rest += chunk
        self.pending = rest[n:]
        return status, headers, rest[:n]

    def closed_by_peer(self, timeout):
        """True if the service closes the connection (EOF or reset) within `timeout` seconds, reading and
        dropping what it sends meanwhile. With a timeout of 0: whether it has already closed it, reading
        nothing (a peek, the socket's mode unchanged: a client that does not read stays one)."""
        if timeout == 0:
            # Non-blocking for the peek only: with a timeout set, Python would first wait for it.
            previous = self.sock.gettimeout()
            self.sock.settimeout(0)
            try:
                return self.sock.recv(1, socket.MSG_PEEK) == b""
            except (BlockingIOError, InterruptedError):
                return False
            except OSError:  # reset
                return True
            finally:
                self.sock.settimeout(previous)
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except (socket.timeout, BlockingIOError):  # a timeout of 0 makes the socket non-blocking
            return False
        except OSError:
            return True


def raw(port, source="127.0.0.1", timeout=10):
    return RawSocket(connect(port, source, timeout))


class Client:
    """A keep-alive HTTP/1.1 client on a raw socket: cheaper than http.client (whose header parsing costs
    more than the service's answer), so that a few Python threads can load the service. Reconnects after
    a response that closes the connection."""

    def __init__(self, port, source="127.0.0.1", timeout=60):
        self.port, self.source, self.timeout = port, source, timeout
        self.sock = None

    def request(self, method, path, body=None, headers=None, chunks=None):
        """(status, headers, body). `chunks`: send the body chunked, in these pieces."""
        if self.sock is None:
            self.sock = raw(self.port, self.source, self.timeout)
            self.sock.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        head = ["%s %s HTTP/1.1\r\nHost: test\r\n" % (method, path)]
        for k, v in (headers or {}).items():
            head.append("%s: %s\r\n" % (k, v))
        if chunks is not None:
            head.append("Transfer-Encoding: chunked\r\n\r\n")
            data = "".join(head).encode() + b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
        else:
            if body is not None:
                head.append("Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body))
            head.append("\r\n")
            data = "".join(head).encode() + (body or b"")
        try:
            self.sock.sendall(data)
        except OSError:
            pass  # the service may refuse before reading it all: its answer is still there to read
        r = self.sock.read_response(head_only=method == "HEAD")
        if r is None:
            self.close()
            raise ConnectionError("the connection closed without a response")
        if r[1].get("connection") == "close":
            self.close()
        return r

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def http_request(method, path, body=b"", headers=None, chunked=False):
    """The bytes of one request (Host included; Content-Length unless chunked or given)."""
    h = {"Host": "test"}
    if body and not chunked:
        h["Content-Length"] = str(len(body))
    if chunked:
        h["Transfer-Encoding"] = "chunked"
    h.update(headers or {})
    head = "%s %s HTTP/1.1\r\n" % (method, path) + "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
    if chunked:
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
    return head.encode("latin-1") + body


def ner_body(text):
    return json.dumps({"text": text}).encode("utf-8")


# ---- production-like text ---------------------------------------------------------------------------------

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
        return "%0*x" % (n, self.rng.getrandbits(4 * n))

    def email(self, i):
        r = self.rng
        return "%s%s%s%d@%s.%s" % (r.choice(FIRST).lower(), r.choice("._"), r.choice(LAST).lower(),
                                   i * 100 + r.randrange(100), r.choice(DOMAINS), r.choice(TLDS))

    def text(self, i, words=(8, 40)):
        """Returns (text, e-mail addresses in it)."""
        r = self.rng
        parts, emails = [], []
        for _ in range(r.randrange(*words)):
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


def dense_email_text(seed, size=1000000):
    """About `size` bytes of short, unique e-mail addresses: the densest entity traffic (one EMAIL entity
    per 8 bytes or so), the worst case for the response size and the zone."""
    r = random.Random(seed)
    out, n = [], 0
    while n < size - 24:
        e = "%s%d@%s.io" % (r.choice("abcdefghijklmnopqrstuvwxyz"), r.randrange(100000), r.choice("xyz"))
        out.append(e)
        n += len(e) + 1
    return " ".join(out)


def check_entities(result, text, emails):
    """Problems (strings) with one text's result: its shape, every entity's offsets selecting its text
    (code points, as Python indexes str), and every e-mail address in `emails` found as an EMAIL."""
    problems = []
    if not isinstance(result, dict) or not isinstance(result.get("ents"), list) \
            or not isinstance(result.get("tokens"), int):
        return ["bad result shape %r" % (result,)]
    found = set()
    for e in result["ents"]:
        if not all(k in e for k in ("text", "label", "start_char", "end_char")):
            problems.append("entity without text/label/start_char/end_char: %r" % (e,))
            continue
        if text[e["start_char"]:e["end_char"]] != e["text"]:
            problems.append("offsets %d..%d select %r, entity text is %r" % (
                e["start_char"], e["end_char"], text[e["start_char"]:e["end_char"]], e["text"]))
        if e["label"] == "EMAIL":
            found.add(e["text"])
    for addr in emails:
        if addr not in found:
            problems.append("e-mail %r not returned as EMAIL" % addr)
    return problems


def health_checks(port, n, interval, timeout=None, source="127.0.0.1"):
    """Sends n GET /healthz, one every `interval` seconds, each on a new connection with `timeout` (2 s
    times `slow_factor()` if None); returns how many answered 200 in time."""
    if timeout is None:
        timeout = 2.0 * slow_factor()
    ok = 0
    for _ in range(n):
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(source, 0))
            try:
                status, _, body = request(port, "GET", "/healthz", conn=c)
                if status == 200 and json.loads(body) == {"status": "ok"}:
                    ok += 1
            finally:
                c.close()
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(max(0.0, interval - (time.monotonic() - t0)))
    return ok


def raise_fd_limit():
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, ValueError, OSError):
        pass


def main_guard(fn):
    """Runs fn() -> exit status; a Failure is a failed test with its message."""
    try:
        sys.exit(fn())
    except Failure as e:
        print("FAILED: %s" % e)
        sys.exit(1)
