#!/usr/bin/env python3
"""The HTTP API under load: `remit serve` on SQLite and on PostgreSQL, the main routes hit by wrk
on loopback, in one run.

usage: scripts/bench-api.py [--remit BIN] [--env DIR] [--work DIR] [--backends sqlite,postgres]
                            [--duration 10] [--connections 8] [--threads 2] [--out FILE]
                            [--max-load 1.2] [--load-wait 1200] [--no-second-snapshot]
                            [--pg-bindir DIR] [--pg-options '-c shared_buffers=256MB']

Needs Python 3 (standard library only), `wrk` (Debian: `apt-get install -y wrk`) and, for the
PostgreSQL half, Debian's PostgreSQL server binaries (`initdb`, `pg_ctl`: the newest
/usr/lib/postgresql/<version>/bin, else --pg-bindir, else PATH).

The environment: --env DIR (a bundle), else the demo-size organization generated once under
--work with `remit generate aws-org --size org --org-accounts 12 --seed 1`. Unless
--no-second-snapshot, an earlier state of it is written beside it the way `remit demo` does
(the account with the most users without its last 3 users and 3 roles, and 3 of its users
without their managed policies) and captured a month before, so that /api/diff and the
dashboard's trend have two snapshots.

For each backend:

1. A fresh store. SQLite: a new --data-dir under --work. PostgreSQL: a throw-away cluster
   (`initdb` into a temporary directory, `pg_ctl start` on a free loopback port with its socket
   in that directory; as root both run as the `postgres` user, as the tests' harness does;
   server settings are PostgreSQL's defaults plus --pg-options), stopped and removed at the end.
2. `remit snapshot` of the earlier state (taken 30 days ago) and of the environment (now), as
   environment `bench`; `remit user add bench --role auditor`; `remit token create --scope read`.
3. Cold: for each route, a fresh `remit serve` process and one request (urllib, timed): what
   the first caller of that route waits for after a restart. Routes that need the snapshot's
   analysis (identity page, who-can) load it from the store here; the process caches it.
4. One `remit serve` for the load: every route requested once (warm-up), then 5 requests one
   after the other (idle: the median), then `wrk -t THREADS -c CONNECTIONS -d DURATION --latency
   --timeout 60s -H 'Authorization: Bearer TOKEN'` per route, one route at a time. Every wrk
   run must answer only 2xx. Requests/s, p50, p90 and p99 come from wrk's latency
   distribution; server CPU per request from the server's (and PostgreSQL's) /proc CPU time.

Before steps 3 and 4 the script waits until the 1-minute load average is below --max-load
(polled every 30 s, at most --load-wait seconds): the machine may be shared. The load, and the
CPU time the rest of the machine used during each wrk run ("others", from /proc/stat minus the
server, PostgreSQL and wrk), are recorded with every row.

Routes: /api/dashboard, /api/principals?limit=50, /api/findings?limit=50, /api/findings/{id}
(the most severe finding), /api/principals/{arn} (the identity page of the dashboard's riskiest
identity), /api/who-can?action=s3:GetObject&resource=BUCKET/x (the S3 bucket with the most
findings), /api/search?q=admin, /api/diff (with two snapshots), /healthz.

Results: a Markdown table per backend and one of both side by side on stdout; everything
(machine, versions, loads, wrk's raw output) as JSON in --out (default WORK/results.json).
"""
import argparse
import datetime
import glob
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV_NAME = "bench"
USER = "bench"
PASSWORD = "Bench-api-load-test-1"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd, env=None, ok=(0,)):
    """Runs cmd; its stdout. A failure stops the benchmark."""
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def wait_for_quiet(max_load, max_wait):
    """Waits until the 1-minute load is below max_load (or max_wait passes); the wait and load."""
    started = time.monotonic()
    while True:
        load = loadavg()
        waited = time.monotonic() - started
        if load[0] < max_load:
            return {"waited_s": round(waited), "load": load, "quiet": True}
        if waited >= max_wait:
            log(f"load {load[0]:.2f} still >= {max_load} after {waited:.0f} s: measuring anyway")
            return {"waited_s": round(waited), "load": load, "quiet": False}
        log(f"load average {load[0]:.2f} >= {max_load}: waiting (other work on this machine)")
        time.sleep(30)


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def children_of(pid):
    out = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(stat.split("/")[2]))
        except (OSError, IndexError, ValueError):
            pass
    return out


def machine_ticks():
    """(busy, total) CPU ticks of the whole machine."""
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return total - idle, total


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gib": round(mem_kib / 2**20, 1),
            "kernel": os.uname().release}


def unprivileged():
    """(uid, gid) to run PostgreSQL as when this process is root (`postgres`, else `nobody`)."""
    if os.geteuid() != 0:
        return None
    import pwd
    for name in ("postgres", "nobody"):
        try:
            p = pwd.getpwnam(name)
            return p.pw_uid, p.pw_gid
        except KeyError:
            pass
    raise SystemExit("running as root, but there is no `postgres` or `nobody` user to run PostgreSQL as")


def find_pg_bindir(given):
    if given:
        if not os.path.isfile(os.path.join(given, "initdb")):
            raise SystemExit(f"--pg-bindir {given}: no initdb there")
        return given
    versions = []
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        v = d.split("/")[-2]
        if v.isdigit() and os.path.isfile(os.path.join(d, "initdb")):
            versions.append((int(v), d))
    if versions:
        return max(versions)[1]
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if os.path.isfile(os.path.join(d, "initdb")) and os.path.isfile(os.path.join(d, "pg_ctl")):
            return d
    raise SystemExit("no PostgreSQL server binaries (initdb, pg_ctl): apt-get install -y postgresql, or --pg-bindir")


class PgCluster:
    """A throw-away PostgreSQL cluster on a free loopback port, socket in its own directory."""

    def __init__(self, bindir, options):
        self.bindir = bindir
        self.dir = tempfile.mkdtemp(prefix="remit-bench-pg-")
        self.run_as = unprivileged()
        if self.run_as:
            os.chown(self.dir, *self.run_as)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "remit", "-E", "UTF8", "--locale=C",
                  "--no-instructions")
        for _ in range(5):
            self.port = free_port()
            opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 {options}".strip()
            proc = self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o", opts, "start",
                             check=False)
            if proc.returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise SystemExit(f"PostgreSQL did not start:\n{open(self.log).read()[-3000:]}")
        self.url = f"postgres://remit@127.0.0.1:{self.port}/postgres"
        self.version = self._run("postgres", "--version").stdout.strip()
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            self.pid = int(f.readline())

    def _run(self, program, *args, check=True):
        cmd = [os.path.join(self.bindir, program), *args]
        if self.run_as:
            uid, gid = self.run_as
            cmd = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=self.dir, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise SystemExit(f"{program} failed:\n{proc.stderr[-3000:]}")
        return proc

    def cpu_ticks(self):
        """The postmaster's, its live backends' and its exited backends' CPU time: a backend
        that exits moves its time into the postmaster's cutime, so deltas stay right."""
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            own = sum(int(x) for x in fields[11:15])
        except (OSError, IndexError, ValueError):
            own = 0
        return own + sum(cpu_ticks(c) for c in children_of(self.pid))

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    """`remit serve` on a free loopback port."""

    def __init__(self, remit, store_args, logfile):
        self.port = free_port()
        self.log = open(logfile, "a")
        self.proc = subprocess.Popen([remit, *store_args, "serve", "--listen", f"127.0.0.1:{self.port}"],
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"remit serve exited {self.proc.returncode}: see {logfile}")
            try:
                # A TCP connection, not a request: the first request is what we time.
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"remit serve did not listen within 60 s: see {logfile}")
                time.sleep(0.05)
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def get(base, path, token):
    """One request: (seconds, status, body bytes)."""
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=600) as resp:
            body = resp.read()
            status = resp.status
    except urllib.error.HTTPError as e:
        body = e.read()
        status = e.code
    return time.perf_counter() - started, status, body


def get_json(base, path, token):
    _, status, body = get(base, path, token)
    if status != 200:
        raise SystemExit(f"GET {path}: {status} {body[:500]!r}")
    return json.loads(body)


def discover(base, token, two_snapshots):
    """The routes, with a finding, an identity and a bucket of this snapshot."""
    dashboard = get_json(base, "/api/dashboard", token)
    riskiest = dashboard.get("riskiest") or []
    if riskiest:
        principal = riskiest[0]["principal"]
    else:
        principal = get_json(base, "/api/principals?limit=1", token)["items"][0]["arn"]
    finding = get_json(base, "/api/findings?limit=1", token)["items"][0]["id"]
    buckets = get_json(base, "/api/resources?" + urllib.parse.urlencode(
        {"q": "arn:aws:s3:::", "sort": "findings", "order": "desc", "limit": 50}), token)["items"]
    buckets = [b["arn"] for b in buckets if b["arn"].startswith("arn:aws:s3:::") and "/" not in b["arn"]]
    if not buckets:
        raise SystemExit("no S3 bucket in this environment: who-can needs one")
    q = urllib.parse.quote
    routes = [
        ("dashboard", "/api/dashboard"),
        ("principals (list)", "/api/principals?limit=50"),
        ("findings (list)", "/api/findings?limit=50"),
        ("finding", f"/api/findings/{q(finding, safe='')}"),
        ("identity page", f"/api/principals/{q(principal, safe='')}"),
        ("who-can", "/api/who-can?" + urllib.parse.urlencode({"action": "s3:GetObject", "resource": f"{buckets[0]}/x"})),
        ("search", "/api/search?q=admin"),
    ]
    if two_snapshots:
        routes.append(("diff", "/api/diff"))
    routes.append(("healthz", "/healthz"))
    return routes, {"finding": finding, "principal": principal, "bucket": buckets[0]}


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"wrk latency `{text}`")
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def to_bytes(text):
    m = re.fullmatch(r"([\d.]+)([KMGT]?B)", text.strip())
    scale = {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}
    return float(m.group(1)) * scale[m.group(2)] if m else None


def parse_wrk(out):
    r = {}
    for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.M):
        r[f"p{pct}_ms"] = to_ms(value)
    m = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", out)
    r["requests"] = int(m.group(1))
    r["read_bytes"] = to_bytes(m.group(3))
    r["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    return r


def run_wrk(base, path, token, args, server, pg):
    """wrk against one route; its figures with the CPU each side used."""
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s", "--timeout", "60s",
           "--latency", "-H", f"Authorization: Bearer {token}", base + path]
    load_before = loadavg()
    server_before = cpu_ticks(server.proc.pid)
    pg_before = pg.cpu_ticks() if pg else 0
    busy_before, total_before = machine_ticks()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after, total_after = machine_ticks()
    server_s = (cpu_ticks(server.proc.pid) - server_before) / CLK_TCK
    pg_s = ((pg.cpu_ticks() - pg_before) / CLK_TCK) if pg else 0.0
    if proc.returncode != 0:
        raise SystemExit(f"wrk failed on {path}: {proc.stderr[-2000:]}")
    r = parse_wrk(proc.stdout)
    wrk_s = (children_after.ru_utime + children_after.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
    busy_s = (busy_after - busy_before) / CLK_TCK
    wall_cpu_s = (total_after - total_before) / CLK_TCK
    r.update({
        "server_cpu_ms_per_request": server_s * 1000 / max(r["requests"], 1),
        # PostgreSQL's CPU is summed over its live processes: a backend that exits during the run
        # takes its CPU with it, and the difference can come out below zero. Unknown, then.
        "postgres_cpu_ms_per_request": (pg_s * 1000 / max(r["requests"], 1) if pg_s >= 0 else None) if pg else None,
        "cpu_s": {"server": round(server_s, 2), "postgres": round(pg_s, 2), "wrk": round(wrk_s, 2),
                  "machine_busy": round(busy_s, 2), "machine_total": round(wall_cpu_s, 2),
                  "others": round(max(busy_s - server_s - pg_s - wrk_s, 0.0), 2)},
        "load_before": load_before, "load_after": loadavg(), "wrk_output": proc.stdout,
    })
    if r["non_2xx"] or r["socket_errors"]:
        raise SystemExit(f"wrk on {path}: {r['non_2xx']} non-2xx answers, {r['socket_errors']} socket errors:\n"
                         f"{proc.stdout}")
    return r


def write_earlier(env, earlier):
    """The environment a month before, as `remit demo` writes it: in the account with the most
    users, its last 3 users and 3 roles did not exist yet and 3 users had no managed policies."""
    shutil.rmtree(earlier, ignore_errors=True)
    os.makedirs(earlier)
    for name in ("bundle.json", "organization", "accounts", "identity-center"):
        src = os.path.join(env, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(earlier, name))
        elif os.path.isfile(src):
            shutil.copy(src, os.path.join(earlier, name))
    best = None
    for path in glob.glob(os.path.join(earlier, "accounts", "*", "authorization-details.json")):
        try:
            doc = json.load(open(path))
        except (OSError, ValueError):
            continue
        n = len(doc.get("UserDetailList") or [])
        if best is None or n > best[0]:
            best = (n, path, doc)
    if best is None:
        raise SystemExit(f"{env}: no accounts/*/authorization-details.json to derive an earlier state from")
    _, path, doc = best
    for key in ("UserDetailList", "RoleDetailList"):
        items = doc.get(key) or []
        doc[key] = items[: max(len(items) - 3, 0)]
    for user in [u for u in doc["UserDetailList"] if u.get("AttachedManagedPolicies")][:3]:
        user["AttachedManagedPolicies"] = []
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def bench_backend(backend, args, remit, env_dir, earlier):
    log(f"== {backend}")
    pg = None
    data_dir = os.path.join(args.work, f"data-{backend}")
    shutil.rmtree(data_dir, ignore_errors=True)
    store_args = ["--data-dir", data_dir]
    result = {"backend": backend}
    servers = []
    try:
        if backend == "postgres":
            pg = PgCluster(find_pg_bindir(args.pg_bindir), args.pg_options)
            store_args += ["--database", pg.url]
            result["postgres"] = {"version": pg.version, "options": args.pg_options or "defaults"}
            log(f"{pg.version} on 127.0.0.1:{pg.port}")
        now = int(time.time())
        captures = []
        for path, taken in ([(earlier, now - 30 * 86400)] if earlier else []) + [(env_dir, now)]:
            started = time.monotonic()
            out = run([remit, *store_args, "snapshot", path, "--name", ENV_NAME, "--taken-at", iso(taken),
                       "--format", "json"], ok=(0, 1))
            s = json.loads(out)
            captures.append({"snapshot": s["snapshot"], "seconds": round(time.monotonic() - started, 2),
                             "principals": s["summary"].get("principals"), "resources": s["summary"].get("resources"),
                             "findings": s["summary"].get("findings"), "new_blobs": s["new_blobs"], "blobs": s["blobs"]})
            log(f"snapshot {s['snapshot']}: {captures[-1]}")
        result["captures"] = captures
        run([remit, *store_args, "user", "add", USER, "--role", "auditor"], env=dict(os.environ, REMIT_PASSWORD=PASSWORD))
        token = run([remit, *store_args, "token", "create", "--user", USER, "--name", "bench-api", "--scope", "read",
                     "--days", "1"]).strip().splitlines()[-1].strip()
        logfile = os.path.join(args.work, f"serve-{backend}.log")
        if os.path.exists(logfile):
            os.remove(logfile)

        server = Server(remit, store_args, logfile)
        servers.append(server)
        routes, picked = discover(server.base, token, earlier is not None)
        server.stop()
        servers.remove(server)
        result["picked"] = picked

        result["quiet_before_cold"] = wait_for_quiet(args.max_load, args.load_wait)
        cold = {}
        for name, path in routes:
            server = Server(remit, store_args, logfile)
            servers.append(server)
            seconds, status, body = get(server.base, path, token)
            server.stop()
            servers.remove(server)
            if status != 200:
                raise SystemExit(f"GET {path}: {status} {body[:500]!r}")
            cold[name] = seconds * 1000
            log(f"cold {name}: {seconds * 1000:.1f} ms")

        server = Server(remit, store_args, logfile)
        servers.append(server)
        rows = []
        for name, path in routes:
            warm_s, status, body = get(server.base, path, token)
            if status != 200:
                raise SystemExit(f"GET {path}: {status} {body[:500]!r}")
            idle = [get(server.base, path, token)[0] * 1000 for _ in range(5)]
            rows.append({"route": name, "path": path, "cold_ms": cold[name], "warmup_ms": warm_s * 1000,
                         "idle_ms": statistics.median(idle), "response_bytes": len(body)})
        result["quiet_before_load"] = wait_for_quiet(args.max_load, args.load_wait)
        for row in rows:
            log(f"wrk {row['route']}: {args.duration} s, {args.threads} threads, {args.connections} connections")
            row.update(run_wrk(server.base, row["path"], token, args, server, pg))
            log(f"  {row['rps']:.0f} req/s, p50 {row['p50_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms; "
                f"load {row['load_before'][0]:.2f} -> {row['load_after'][0]:.2f}, others {row['cpu_s']['others']} CPU s")
        result["rows"] = rows
        server.stop()
        servers.remove(server)
    finally:
        for s in servers:
            s.stop()
        if pg:
            pg.stop()
    return result


def ms(x):
    if x is None:
        return ""
    if x < 1:
        return f"{x:.2f}"
    if x < 10:
        return f"{x:.1f}"
    return f"{x:,.0f}"


def print_tables(results):
    for r in results:
        title = "SQLite" if r["backend"] == "sqlite" else f"PostgreSQL ({r['postgres']['version']})"
        print(f"\n### {title}\n")
        pg = r["backend"] == "postgres"
        head = "| route | cold, first request (ms) | idle (ms) | requests/s | p50 (ms) | p90 (ms) | p99 (ms) | server CPU per request (ms) |"
        if pg:
            head += " PostgreSQL CPU per request (ms) |"
        head += " answer (KiB) | 1-min load before / after |"
        print(head)
        print("|" + "---|" * (head.count("|") - 1))
        for row in r["rows"]:
            line = (f"| {row['route']} | {ms(row['cold_ms'])} | {ms(row['idle_ms'])} | {row['rps']:,.0f} | "
                    f"{ms(row['p50_ms'])} | {ms(row['p90_ms'])} | {ms(row['p99_ms'])} | "
                    f"{ms(row['server_cpu_ms_per_request'])} |")
            if pg:
                line += f" {ms(row['postgres_cpu_ms_per_request'])} |"
            line += f" {row['response_bytes'] / 1024:,.1f} | {row['load_before'][0]:.2f} / {row['load_after'][0]:.2f} |"
            print(line)
    if len(results) > 1:
        print("\n### Side by side\n")
        names = ["SQLite" if r["backend"] == "sqlite" else "PostgreSQL" for r in results]
        head = "| route |" + "".join(f" {n} req/s | {n} p50 / p99 (ms) |" for n in names)
        print(head)
        print("|" + "---|" * (head.count("|") - 1))
        for i, row in enumerate(results[0]["rows"]):
            line = f"| {row['route']} |"
            for r in results:
                x = r["rows"][i]
                line += f" {x['rps']:,.0f} | {ms(x['p50_ms'])} / {ms(x['p99_ms'])} |"
            print(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--remit", help="a release build of remit (default: built now with cargo)")
    ap.add_argument("--env", help="a bundle directory (default: the demo-size organization, generated under --work)")
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "bench-api"))
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--duration", type=int, default=10, help="seconds of wrk per route")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", help="the JSON results (default WORK/results.json)")
    ap.add_argument("--max-load", type=float, default=1.2, help="wait for a 1-minute load below this")
    ap.add_argument("--load-wait", type=int, default=1200, help="at most this many seconds")
    ap.add_argument("--no-second-snapshot", action="store_true", help="one snapshot only (no /api/diff)")
    ap.add_argument("--pg-bindir", help="PostgreSQL's initdb and pg_ctl (default: the newest Debian cluster version)")
    ap.add_argument("--pg-options", default="", help="extra server options, e.g. '-c shared_buffers=256MB'")
    args = ap.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in backends:
        if b not in ("sqlite", "postgres"):
            raise SystemExit(f"--backends: `{b}`: expected sqlite or postgres")
    if not shutil.which("wrk"):
        raise SystemExit("no wrk: apt-get install -y wrk")
    os.makedirs(args.work, exist_ok=True)
    remit = args.remit
    if not remit:
        subprocess.run(["cargo", "build", "--release", "-p", "remit-cli"], cwd=ROOT, check=True)
        remit = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "remit")
    remit = os.path.abspath(remit)
    env_dir = args.env
    if not env_dir:
        env_dir = os.path.join(args.work, "env-org12-seed1")
        if not os.path.exists(os.path.join(env_dir, "bundle.json")):
            log("generating the demo-size organization (org, 12 accounts, seed 1)")
            shutil.rmtree(env_dir, ignore_errors=True)
            run([remit, "generate", "aws-org", "--size", "org", "--org-accounts", "12", "--seed", "1", "--out", env_dir])
    env_dir = os.path.abspath(env_dir)
    earlier = None
    if not args.no_second_snapshot:
        earlier = os.path.join(args.work, "env-earlier")
        write_earlier(env_dir, earlier)
    info = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(),
        "remit": run([remit, "--version"]).strip(), "wrk": (subprocess.run(["wrk", "--version"], capture_output=True,
                                                                           text=True).stdout.splitlines() or [""])[0],
        "env": os.path.basename(env_dir), "duration_s": args.duration, "connections": args.connections,
        "threads": args.threads, "max_load": args.max_load, "command": " ".join(sys.argv),
    }
    log(f"{info['remit']}; {info['machine']['cpus']} CPUs ({info['machine']['cpu_model']}); load {loadavg()}")
    results = [bench_backend(b, args, remit, env_dir, earlier) for b in backends]
    out = args.out or os.path.join(args.work, "results.json")
    with open(out, "w") as f:
        json.dump({"info": info, "results": results}, f, indent=2)
    print(f"{info['date']}; {info['remit']}; {info['wrk']}; {info['machine']['cpus']} CPUs "
          f"({info['machine']['cpu_model']}), {info['machine']['memory_gib']} GiB; "
          f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s per route")
    for r in results:
        c = r["captures"][-1]
        print(f"{r['backend']}: snapshot {c['snapshot']} ({c['principals']} principals, {c['resources']} resources, "
              f"{c['findings']} open findings) captured in {c['seconds']} s; load before cold "
              f"{r['quiet_before_cold']['load'][0]:.2f} (waited {r['quiet_before_cold']['waited_s']} s), before wrk "
              f"{r['quiet_before_load']['load'][0]:.2f} (waited {r['quiet_before_load']['waited_s']} s); "
              f"others' CPU during wrk {sum(x['cpu_s']['others'] for x in r['rows']):.1f} s of "
              f"{sum(x['cpu_s']['machine_total'] for x in r['rows']):.1f} s")
    print_tables(results)
    log(f"results: {out}")


if __name__ == "__main__":
    main()
