#!/usr/bin/env python3
"""Mixed concurrent correctness of examples/ner_service (CTest: service.correctness, label "service").

usage: correctness_test.py PATH/TO/ner_service PATH/TO/lexzone_ner PATTERNS.jsonl [--texts N]
                           [--learn-zones N --learn-max M]

The reference is lexzone_ner, the single-threaded command-line tool over the same model (one memory zone
per line): it writes the entities of N unique production-like texts (default 4,000; a tenth under
sanitizers). Then 4 clients send the same texts to the service (--threads 3) at the same time, each in
its own shuffled order and its own mix: /v1/ner, /v1/ner/batch of 1 to 8 texts, gzip-encoded bodies,
bursts of 5 pipelined requests. Every answer must list exactly the reference's entities for its text
(text, label, start and end offsets in code points), and every text must be answered 4 times.

With --learn-zones, the service learns (words a worker meets in that many requests become permanent, up
to --learn-max; default texts: 1,000): the answers must not change, every text is sent 4 times to 3
workers (so some worker meets each text's words twice), and at the end /metrics must show learned words,
no more than the limit, each of them one more permanent lexeme than at start.
"""

import argparse
import gzip
import json
import random
import subprocess
import tempfile
import threading

import harness as h


def reference(lexzone_ner, patterns, texts):
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=True) as f:
        f.write("\n".join(texts) + "\n")
        f.flush()
        out = subprocess.run([lexzone_ner, "--patterns", patterns, f.name], capture_output=True, text=True,
                             check=True, timeout=600).stdout.splitlines()
    if len(out) != len(texts):
        raise h.Failure("lexzone_ner wrote %d lines for %d texts" % (len(out), len(texts)))
    return [[(e["text"], e["label"], e["start_char"], e["end_char"]) for e in json.loads(line)["ents"]]
            for line in out]


def ents_of(result):
    return [(e["text"], e["label"], e["start_char"], e["end_char"]) for e in result["ents"]]


class Run:
    def __init__(self, svc, texts, expected):
        self.svc, self.texts, self.expected = svc, texts, expected
        self.lock = threading.Lock()
        self.answered = [0] * len(texts)
        self.errors = []

    def error(self, what):
        with self.lock:
            if len(self.errors) < 50:
                self.errors.append(what)

    def compare(self, i, result, where):
        got = ents_of(result)
        if got != self.expected[i]:
            self.error("%s, text %d: entities %r, expected %r" % (where, i, got, self.expected[i]))
        with self.lock:
            self.answered[i] += 1

    def request_bytes(self, indices, rng):
        """One request for these texts: single or batch, gzip or not."""
        if len(indices) == 1 and rng.random() < 0.5:
            body = json.dumps({"text": self.texts[indices[0]]}, ensure_ascii=rng.random() < 0.5).encode()
            path = "/v1/ner"
        else:
            body = json.dumps({"texts": [self.texts[i] for i in indices]}).encode()
            path = "/v1/ner/batch"
        headers = {"Content-Type": "application/json"}
        if rng.random() < 0.2:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return path, h.http_request("POST", path, body, headers)

    def check_answer(self, path, indices, r, where):
        if r is None or r[0] != 200:
            self.error("%s: %r" % (where, r and (r[0], r[2][:200])))
            return
        doc = json.loads(r[2])
        if path == "/v1/ner":
            self.compare(indices[0], doc, where)
            return
        results = doc.get("results", [])
        if len(results) != len(indices):
            self.error("%s: %d results for %d texts" % (where, len(results), len(indices)))
            return
        for i, res in zip(indices, results):
            self.compare(i, res, where)

    def client(self, w):
        rng = random.Random(100 + w)
        order = list(range(len(self.texts)))
        rng.shuffle(order)
        sock = h.raw(self.svc.port, timeout=120 * h.slow_factor())
        pos = 0
        try:
            while pos < len(order):
                burst = 5 if rng.random() < 0.1 else 1  # pipelined: 5 requests in one write
                reqs = []
                for _ in range(burst):
                    n = 1 if rng.random() < 0.6 else rng.randrange(1, 9)
                    indices = order[pos:pos + n]
                    pos += n
                    if indices:
                        reqs.append((indices,) + self.request_bytes(indices, rng))
                sock.sendall(b"".join(data for _, _, data in reqs))
                for indices, path, _ in reqs:
                    self.check_answer(path, indices, sock.read_response(), "client %d" % w)
        except OSError as e:
            self.error("client %d: %s: %s" % (w, type(e).__name__, e))
        finally:
            sock.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("lexzone_ner")
    ap.add_argument("patterns")
    ap.add_argument("--texts", type=int)
    ap.add_argument("--learn-zones", type=int, default=0)
    ap.add_argument("--learn-max", type=int, default=0)
    a = ap.parse_args()
    if a.texts is None:
        a.texts = h.scaled(1000 if a.learn_zones else 4000)
    maker = h.TextMaker(4242)
    texts = [maker.text(i)[0] for i in range(a.texts)]
    expected = reference(a.lexzone_ner, a.patterns, texts)
    c = h.Checks("correctness")
    learning = ["--learn-zones", str(a.learn_zones), "--learn-max", str(a.learn_max)] if a.learn_zones else []
    svc = h.Service(a.binary, args=learning, threads=3)
    try:
        at_start = svc.metrics()
        run = Run(svc, texts, expected)
        clients = [threading.Thread(target=run.client, args=(w,)) for w in range(4)]
        for t in clients:
            t.start()
        for t in clients:
            t.join(600)
        for e in run.errors:
            c.check(False, e)
        right = sum(1 for n in run.answered if n == 4)
        c.check(right == len(texts), "%d of %d texts answered right by all 4 clients" % (right, len(texts)))
        print("%d texts x 4 concurrent clients: %d answers, %d entities expected per round" % (
            len(texts), sum(run.answered), sum(len(e) for e in expected)))
        m = svc.metrics()
        c.check(m.get("lexzone_transient_strings") == 0 and m.get("lexzone_open_zones") == 0, "zones closed at the end")
        learned = m.get("lexzone_learned_lexemes")
        if a.learn_zones:
            c.check(learned is not None and 0 < learned <= a.learn_max,
                    "learned %s words, at most %d" % (learned, a.learn_max))
            print("learned %s words (limit %d)" % (learned, a.learn_max))
        else:
            c.check(learned == 0, "no word learned without --learn-zones (%s)" % learned)
        c.check(at_start.get("lexzone_learned_lexemes") == 0, "nothing learned at start (%s)" %
                at_start.get("lexzone_learned_lexemes"))
        c.check(learned is not None and m.get("lexzone_permanent_lexemes") ==
                at_start.get("lexzone_permanent_lexemes") + learned,
                "permanent lexemes: %s at start + %s learned == %s" % (
                    at_start.get("lexzone_permanent_lexemes"), learned, m.get("lexzone_permanent_lexemes")))
        c.check(svc.stop() == 0, "exit status 0 after SIGTERM")
    finally:
        svc.kill()
    return c.finish()


if __name__ == "__main__":
    h.main_guard(main)
