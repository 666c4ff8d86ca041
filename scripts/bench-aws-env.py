#!/usr/bin/env python3
"""Remit next to Cloudsplaining and PMapper on the same generated AWS environments, in one run.

usage: scripts/bench-aws-env.py --peers DIR [--sizes small,medium,large,org] [--seed 1]
                                [--work DIR] [--queries 1000] [--pmapper-sizes small]
                                [--cloudsplaining-sizes small,medium,large,org]

DIR is where `setup.sh` of the peer tools installed them (its `venv/` holds cloudsplaining,
pmapper and moto_server). For each size, the environment is generated (seeded) with
`remit generate aws-org` unless it already exists under --work, then:

- Remit: `cargo bench -p remit-aws-analysis --bench environment -- BUNDLE QUERIES SEED` — import,
  index (trust graph), every principal's effective permissions, and who-can over QUERIES random
  queries (p50/p99), with the process's peak memory (one process per environment).
- Cloudsplaining: `cloudsplaining scan -i FILE -o OUT -s` on each account's
  authorization-details.json (the org: every account, one after the other).
- PMapper (sizes in --pmapper-sizes only: it reads a live API, so each account is first loaded
  into moto by `scripts/load-into-moto.py`, which takes minutes per thousand roles; what moto
  refuses is counted in the results):
  `pmapper graph create`, then `pmapper query 'who can do ACTION with RESOURCE'` for 10 of the
  same kind of queries.

Every external command is timed on the wall clock and its peak memory (maximum resident set
size, from wait4) recorded. Results: a Markdown table on stdout and WORK/results.json.
"""
import argparse
import glob
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measured(cmd, env=None, cwd=None):
    """Runs cmd through a tiny wrapper that reports the child's own peak RSS (wait4)."""
    wrapper = (
        "import os,sys,json,time,subprocess\n"
        "t=time.monotonic()\n"
        "p=subprocess.Popen(sys.argv[1:],stdout=sys.stdout,stderr=sys.stderr)\n"
        "_,status,ru=os.wait4(p.pid,0)\n"
        "sys.stderr.write('\\nREMIT-MEASURE '+json.dumps({'s':time.monotonic()-t,'maxrss_kib':ru.ru_maxrss,"
        "'status':os.waitstatus_to_exitcode(status)})+'\\n')\n"
    )
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", wrapper, *cmd], env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.monotonic() - started
    line = [l for l in proc.stderr.splitlines() if l.startswith("REMIT-MEASURE ")]
    if not line:
        raise SystemExit(f"could not measure {cmd}: {proc.stderr[-2000:]}")
    m = json.loads(line[-1][len("REMIT-MEASURE "):])
    stderr = "\n".join(l for l in proc.stderr.splitlines() if not l.startswith("REMIT-MEASURE "))
    return {"seconds": m["s"], "wall": wall, "peakMiB": m["maxrss_kib"] / 1024, "status": m["status"],
            "stdout": proc.stdout, "stderr": stderr}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generate(remit, size, seed, out):
    if os.path.isdir(out) and os.path.exists(os.path.join(out, "bundle.json")):
        return None
    if os.path.isdir(out):
        shutil.rmtree(out)
    m = measured([remit, "generate", "aws-org", "--size", size, "--seed", str(seed), "--out", out])
    if m["status"] != 0:
        raise SystemExit(f"remit generate failed: {m['stderr']}")
    return m


def remit_bench(bundle, queries, seed):
    m = measured(["cargo", "bench", "-q", "-p", "remit-aws-analysis", "--bench", "environment", "--",
                  bundle, str(queries), str(seed)], cwd=ROOT)
    if m["status"] != 0:
        raise SystemExit(f"remit bench failed: {m['stderr'][-3000:]}")
    report = json.loads([l for l in m["stdout"].splitlines() if l.startswith("{")][-1])
    return report


def cloudsplaining(peers, bundle, work):
    exe = os.path.join(peers, "venv", "bin", "cloudsplaining")
    files = sorted(glob.glob(os.path.join(bundle, "accounts", "*", "authorization-details.json")))
    total, peak, failures = 0.0, 0.0, 0
    for f in files:
        out = tempfile.mkdtemp(prefix="cloudsplaining-", dir=work)
        m = measured([exe, "scan", "-i", f, "-o", out, "-s"])
        total += m["seconds"]
        peak = max(peak, m["peakMiB"])
        if m["status"] != 0 or not glob.glob(os.path.join(out, "iam-results-*.json")):
            failures += 1
            print(f"  cloudsplaining failed on {f}: {m['stderr'][-500:]}", file=sys.stderr)
        shutil.rmtree(out, ignore_errors=True)
    return {"files": len(files), "seconds": total, "peakMiB": peak, "failures": failures}


def pmapper(peers, bundle, work, seed):
    venv = os.path.join(peers, "venv", "bin")
    loader = os.path.join(ROOT, "scripts", "load-into-moto.py")
    files = sorted(glob.glob(os.path.join(bundle, "accounts", "*", "authorization-details.json")))
    result = {"accounts": len(files), "loadSeconds": 0.0, "graphSeconds": 0.0, "graphPeakMiB": 0.0,
              "querySeconds": [], "failures": 0, "refusedByMoto": {}}
    for f in files:
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}"
        env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true", AWS_ENDPOINT_URL=endpoint,
                   AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
        home = tempfile.mkdtemp(prefix="pmapper-home-", dir=work)
        env["HOME"] = home
        env["XDG_DATA_HOME"] = os.path.join(home, "data")
        moto = subprocess.Popen([os.path.join(venv, "moto_server"), "-H", "127.0.0.1", "-p", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            m = measured([os.path.join(venv, "python"), loader, f, endpoint], env=env)
            result["loadSeconds"] += m["seconds"]
            if m["status"] != 0:
                result["failures"] += 1
                print(f"  loading into moto failed: {m['stderr'][-800:]}", file=sys.stderr)
                continue
            loaded = json.loads(m["stdout"].strip().splitlines()[-1])
            for what, n in loaded["refused"].items():
                result["refusedByMoto"][what] = result["refusedByMoto"].get(what, 0) + n
            m = measured([os.path.join(venv, "pmapper"), "graph", "create", "--include-regions", "us-east-1"], env=env)
            result["graphSeconds"] += m["seconds"]
            result["graphPeakMiB"] = max(result["graphPeakMiB"], m["peakMiB"])
            if m["status"] != 0:
                result["failures"] += 1
                print(f"  pmapper graph create failed: {m['stderr'][-800:]}", file=sys.stderr)
                continue
            details = json.load(open(f))
            rng = random.Random(seed)
            roles = [r["RoleName"] for r in details.get("RoleDetailList", [])]
            for _ in range(10):
                if rng.random() < 0.5 or not roles:
                    q = "who can do s3:GetObject with arn:aws:s3:::remit-bench/x"
                else:
                    q = f"who can do sts:AssumeRole with arn:aws:iam::123456789012:role/{rng.choice(roles)}"
                m = measured([os.path.join(venv, "pmapper"), "--account", "123456789012", "query", q], env=env)
                if m["status"] != 0:
                    result["failures"] += 1
                    print(f"  pmapper query failed: {m['stderr'][-500:]}", file=sys.stderr)
                    continue
                result["querySeconds"].append(m["seconds"])
        finally:
            moto.terminate()
            moto.wait()
            shutil.rmtree(home, ignore_errors=True)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peers", required=True, help="the directory setup.sh installed the peer tools into")
    ap.add_argument("--sizes", default="small,medium,large,org")
    ap.add_argument("--cloudsplaining-sizes", default=None, help="default: every size")
    ap.add_argument("--pmapper-sizes", default="small")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "bench-aws-env"))
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    sizes = args.sizes.split(",")
    cs_sizes = (args.cloudsplaining_sizes or args.sizes).split(",")
    pm_sizes = [s for s in args.pmapper_sizes.split(",") if s]

    print("== building remit (release) and the benchmark", file=sys.stderr)
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "remit-cli"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "bench", "-q", "--no-run", "-p", "remit-aws-analysis", "--bench", "environment"],
                   cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    remit = os.path.join(target, "release", "remit")

    results = {"seed": args.seed, "queries": args.queries, "sizes": {}}
    for size in sizes:
        bundle = os.path.join(args.work, f"{size}-seed{args.seed}")
        print(f"== {size}: generating {bundle}", file=sys.stderr)
        gen = generate(remit, size, args.seed, bundle)
        row = {"bundle": bundle}
        if gen:
            row["generateSeconds"] = gen["seconds"]
        print(f"== {size}: remit", file=sys.stderr)
        row["remit"] = remit_bench(bundle, args.queries, args.seed)
        if size in cs_sizes:
            print(f"== {size}: cloudsplaining", file=sys.stderr)
            row["cloudsplaining"] = cloudsplaining(args.peers, bundle, args.work)
        if size in pm_sizes:
            print(f"== {size}: pmapper (through moto)", file=sys.stderr)
            row["pmapper"] = pmapper(args.peers, bundle, args.work, args.seed)
        results["sizes"][size] = row
        with open(os.path.join(args.work, "results.json"), "w") as f:
            json.dump(results, f, indent=2)

    print("| size | principals | Remit import+index | Remit + every principal's effective permissions | who-can p50 / p99 | Remit peak | Cloudsplaining scan | ratio (index / full) | Cloudsplaining peak | PMapper graph (+ load into moto) | PMapper query | ")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for size, row in results["sizes"].items():
        r = row["remit"]
        index_s = (r["importMs"] + r["indexMs"]) / 1000
        full_s = index_s + r["effectivePermissionsMs"] / 1000
        cs = row.get("cloudsplaining")
        pm = row.get("pmapper")
        cs_txt = f"{cs['seconds']:.1f} s" if cs else "—"
        ratio = f"{cs['seconds'] / index_s:,.0f}× / {cs['seconds'] / full_s:,.0f}×" if cs else "—"
        cs_peak = f"{cs['peakMiB']:,.0f} MiB" if cs else "—"
        pm_txt = f"{pm['graphSeconds']:.1f} s (+ {pm['loadSeconds']:.0f} s)" if pm else "—"
        pm_q = f"{sorted(pm['querySeconds'])[len(pm['querySeconds']) // 2]:.2f} s" if pm and pm["querySeconds"] else "—"
        print(f"| {size} | {r['principals']:,} | {index_s:.2f} s | {full_s:.2f} s | {r['whoCan']['p50Ms']:.2f} / "
              f"{r['whoCan']['p99Ms']:.2f} ms | {r['peakMemoryMiB']:,.0f} MiB | {cs_txt} | {ratio} | {cs_peak} | {pm_txt} | {pm_q} |")


if __name__ == "__main__":
    main()
