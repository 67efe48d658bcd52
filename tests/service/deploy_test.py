#!/usr/bin/env python3
"""Checks deploy/ against the service (CTest: service.deploy, labels "service" and "deploy").

usage: deploy_test.py PATH/TO/ner_service PATH/TO/deploy

Images cannot be built here (no registry, no Docker daemon), so this reads deploy/Dockerfile and the
Kubernetes manifests (deploy/k8s/*.yaml, with python3-yaml) and checks them against the binary:
  - Dockerfile: multi-stage from Debian bookworm; the last stage holds the binary and the model's data
    only and runs as a numeric non-root user; the port it exposes is the one its entrypoint passes;
  - Deployment: the container port is the entrypoint's --port; liveness on /healthz and readiness (and
    startup) on /readyz at that port; Prometheus scrape annotations name that port and /metrics;
    terminationGracePeriodSeconds >= preStop sleep + --shutdown-timeout (whose default, from --help, is
    10 s); runAsNonRoot with the Dockerfile's user; cpu limit == --threads; memory request == limit >= `ner_service --memory-estimate`
    for the same arguments, with --socket-buffer-bytes set;
  - Service, HPA and PodDisruptionBudget select or target the Deployment's pods; the Service's target
    port is the container's; the HPA scales on CPU; the PDB leaves the HPA's minimum room to drain;
  - the binary accepts the entrypoint and the Deployment's arguments together (data paths mapped to
    examples/data, --host/--port to loopback): it starts, /healthz, /readyz and /metrics answer 200 at
    the probes' paths, and SIGTERM ends it with status 0 within --shutdown-timeout.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

import harness as h

try:
    import yaml
except ImportError:  # python3-yaml (.ci/install-deps.sh)
    print("deploy_test: python3-yaml is missing (Debian: python3-yaml): cannot read the manifests")
    sys.exit(1)


def dockerfile_stages(path):
    """[(from, [instructions])] with continuation lines joined."""
    text = open(path).read()
    text = re.sub(r"\\\n", " ", text)
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append((rest.split()[0], []))
        elif stages:
            stages[-1][1].append((word.upper(), rest.strip()))
    return stages


def memory_bytes(q):
    units = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "K": 1000, "M": 10 ** 6, "G": 10 ** 9}
    m = re.fullmatch(r"(\d+)([KMG]i?)?", str(q))
    if not m:
        raise h.Failure("cannot read the quantity %r" % q)
    return int(m.group(1)) * units.get(m.group(2) or "", 1)


def flag(args, name, default=None):
    return args[args.index(name) + 1] if name in args else default


def help_defaults(binary):
    """{flag: default} from `ner_service --help` (printed from the options' own initial values)."""
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=60).stdout
    return dict(re.findall(r"^\s+(--[a-z-]+) .*\(default ([^()]*)\)$", out, re.M))


def main():
    binary, deploy = sys.argv[1], sys.argv[2]
    c = h.Checks("deploy")
    data_dir = os.path.join(os.path.dirname(os.path.abspath(deploy)), "examples", "data")

    # ---- Dockerfile
    stages = dockerfile_stages(os.path.join(deploy, "Dockerfile"))
    c.check(len(stages) >= 2, "the Dockerfile is multi-stage (%d stages)" % len(stages))
    c.check(all(base.startswith("debian:bookworm") for base, _ in stages), "every stage is Debian bookworm: %r" % (
        [b for b, _ in stages]))
    final = dict()
    for word, rest in stages[-1][1]:
        final.setdefault(word, []).append(rest)
    copies = final.get("COPY", [])
    copied = [src for line in copies for src in line.split()[:-1] if not src.startswith("--")]
    c.check(sorted(os.path.basename(s) for s in copied) == ["base_words.txt", "ner_service", "patterns.jsonl"],
            "the final stage holds the binary and its data only: %r" % copied)
    c.check("RUN" not in final, "the final stage installs nothing")
    user = final.get("USER", [""])[-1]
    c.check(re.fullmatch(r"[1-9]\d*(:\d+)?", user) is not None, "a numeric non-root USER: %r" % user)
    entrypoint = json.loads(final["ENTRYPOINT"][-1])
    image_args = entrypoint[1:]
    defaults = help_defaults(binary)
    # The shutdown deadline's default is 10 s (issue #14); the manifests' grace period is checked below.
    c.check(defaults.get("--shutdown-timeout") == "10", "--shutdown-timeout defaults to 10 s: %r" % (
        defaults.get("--shutdown-timeout"),))
    port = int(flag(image_args, "--port", defaults.get("--port")))
    c.check(final.get("EXPOSE", [""])[-1].split("/")[0] == str(port), "EXPOSE matches --port %d" % port)
    c.check(flag(image_args, "--host") == "0.0.0.0", "the image listens on every address")

    # ---- manifests
    docs = []
    k8s = os.path.join(deploy, "k8s")
    for name in sorted(os.listdir(k8s)):
        if name.endswith(".yaml") and name != "kustomization.yaml":
            with open(os.path.join(k8s, name)) as f:
                docs += [d for d in yaml.safe_load_all(f) if d]
    kinds = {d["kind"]: d for d in docs}
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        c.check(kind in kinds, "a %s" % kind)
    with open(os.path.join(k8s, "kustomization.yaml")) as f:
        listed = yaml.safe_load(f)["resources"]
    c.check(sorted(listed) == sorted(n for n in os.listdir(k8s) if n.endswith(".yaml") and n != "kustomization.yaml"),
            "kustomization.yaml lists every manifest: %r" % listed)
    dep = kinds["Deployment"]
    pod = dep["spec"]["template"]
    labels = pod["metadata"]["labels"]
    c.check(dep["spec"]["selector"]["matchLabels"].items() <= labels.items(), "the Deployment selects its pods")
    spec = pod["spec"]
    (container,) = spec["containers"]
    args = [str(a) for a in container.get("args", [])]
    all_args = image_args + args
    ports = {p.get("name"): p["containerPort"] for p in container["ports"]}
    c.check(list(ports.values()) == [port], "the container port is --port %d: %r" % (port, ports))

    def probe_port(p):
        v = p["httpGet"]["port"]
        return ports.get(v) if isinstance(v, str) else v
    c.check(container["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness on /healthz")
    c.check(container["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness on /readyz")
    c.check(container.get("startupProbe", {}).get("httpGet", {}).get("path", "/readyz") == "/readyz",
            "the startup probe waits for /readyz")
    for name in ("livenessProbe", "readinessProbe", "startupProbe"):
        if name in container:
            c.check(probe_port(container[name]) == port, "%s on port %d" % (name, port))
    ann = pod["metadata"].get("annotations", {})
    c.check(ann.get("prometheus.io/scrape") == "true", "prometheus.io/scrape")
    c.check(ann.get("prometheus.io/port") == str(port), "prometheus.io/port is %d" % port)
    c.check(ann.get("prometheus.io/path") == "/metrics", "prometheus.io/path is /metrics")
    shutdown = int(flag(all_args, "--shutdown-timeout", defaults.get("--shutdown-timeout")))
    pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    grace = spec["terminationGracePeriodSeconds"]
    c.check(grace >= pre_stop + shutdown + 1, "terminationGracePeriodSeconds %d >= preStop %d + --shutdown-timeout %d"
            " (+1)" % (grace, pre_stop, shutdown))
    sc = spec.get("securityContext", {})
    c.check(sc.get("runAsNonRoot") is True, "runAsNonRoot")
    c.check(str(sc.get("runAsUser")) == user.split(":")[0], "runAsUser %r is the Dockerfile's USER %r" % (
        sc.get("runAsUser"), user))
    res = container["resources"]
    threads = flag(all_args, "--threads")
    c.check(threads is not None and str(res["limits"]["cpu"]) == threads, "cpu limit %r == --threads %r" % (
        res["limits"]["cpu"], threads))
    limit = memory_bytes(res["limits"]["memory"])
    c.check(memory_bytes(res["requests"]["memory"]) == limit, "memory request == limit (no overcommit)")
    # The kernel's socket buffers count against the limit (cgroup v2): fixed, so that the formula bounds them.
    c.check(int(flag(all_args, "--socket-buffer-bytes", "0")) > 0,
            "--socket-buffer-bytes is set (0, the kernel's autotuning, is beyond the formula)")
    mapped = [os.path.join(data_dir, os.path.basename(a)) if a.startswith("/usr/share/lexzone/") else a for a in all_args]
    estimate = subprocess.run([binary] + mapped + ["--memory-estimate"], capture_output=True, text=True, timeout=60)
    c.check(estimate.returncode == 0, "--memory-estimate accepts the arguments: %s" % estimate.stderr[-300:])
    total = int(re.search(r"^total\s+(\d+) bytes", estimate.stdout, re.M).group(1)) if estimate.returncode == 0 else 0
    c.check(limit >= total, "memory limit %d MiB >= the formula's %.1f MiB" % (limit >> 20, total / (1 << 20)))
    print("memory limit %d MiB, formula %.1f MiB; cpu %s, --threads %s; grace %d s" % (
        limit >> 20, total / (1 << 20), res["limits"]["cpu"], threads, grace))

    svc = kinds["Service"]
    c.check(svc["spec"]["selector"].items() <= labels.items(), "the Service selects the pods")
    for p in svc["spec"]["ports"]:
        t = p["targetPort"]
        c.check((ports.get(t) if isinstance(t, str) else t) == port, "the Service targets port %d: %r" % (port, t))
    hpa = kinds["HorizontalPodAutoscaler"]["spec"]
    c.check(hpa["scaleTargetRef"]["kind"] == "Deployment" and hpa["scaleTargetRef"]["name"] == dep["metadata"]["name"],
            "the HPA scales the Deployment")
    c.check([m["resource"]["name"] for m in hpa["metrics"] if m["type"] == "Resource"] == ["cpu"], "the HPA uses CPU")
    pdb = kinds["PodDisruptionBudget"]["spec"]
    c.check(pdb["selector"]["matchLabels"].items() <= labels.items(), "the PDB selects the pods")
    c.check(pdb.get("minAvailable", 0) < hpa["minReplicas"], "the PDB (minAvailable %r) lets one of the HPA's %d "
            "minimum replicas drain" % (pdb.get("minAvailable"), hpa["minReplicas"]))

    # ---- the binary with these arguments
    run_args = [a for a in mapped]
    for name, value in (("--host", h.HOST), ("--port", "0")):
        run_args[run_args.index(name) + 1] = value
    proc = subprocess.Popen([binary] + run_args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        c.check(line.startswith("listening on http://"), "the service starts with the manifests' arguments: %r %r" % (
            line, proc.stderr.read() if proc.poll() is not None else ""))
        if line.startswith("listening on http://"):
            p = int(line.strip().rsplit(":", 1)[1])
            deadline = time.monotonic() + 60 * h.slow_factor()
            ready = None
            while time.monotonic() < deadline:
                ready, _, _ = h.request(p, "GET", container["readinessProbe"]["httpGet"]["path"])
                if ready == 200:
                    break
                time.sleep(0.05)
            c.check(ready == 200, "readiness probe path answers 200")
            live, _, _ = h.request(p, "GET", container["livenessProbe"]["httpGet"]["path"])
            c.check(live == 200, "liveness probe path answers 200")
            met, _, body = h.request(p, "GET", ann.get("prometheus.io/path", "/metrics"))
            c.check(met == 200 and b"lexzone_ready 1" in body, "the scrape path answers metrics")
            t0 = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            rc = proc.wait(shutdown + 5)
            c.check(rc == 0 and time.monotonic() - t0 <= shutdown, "SIGTERM: exit %r after %.1f s (--shutdown-timeout %d)"
                    % (rc, time.monotonic() - t0, shutdown))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    return c.finish()


if __name__ == "__main__":
    h.main_guard(main)
