#!/usr/bin/env python3
"""CloudTrail ingestion: Remit next to DuckDB's JSON reader, on the same generated logs, in one run.

usage: scripts/bench-activity.py [--events 1000000,2000000] [--size small] [--seed 1]
                                 [--work DIR] [--remit BIN] [--python PY] [--threads 1,2]
                                 [--repeat 3] [--baseline-repeat 1]

For each number of events, CloudTrail logs of a generated environment are written with
`remit generate cloudtrail` (seeded; unless they already exist under --work), then ingested
from `.json.gz` into rollups by:

- Remit: `remit ingest cloudtrail DIR --format json` into a new store (SQLite in a new data
  directory), with RAYON_NUM_THREADS set to each of --threads. This is the whole command a user
  runs: reading, gunzip, parsing, identity normalization, event -> IAM action mapping through the
  catalogue, resource extraction, rollups, and the transactional commit of rollups and ledger.
- DuckDB (the baseline, from PyPI, in PY's environment): `read_json` over the same files with
  the fields the rollup needs declared (no schema inference), `unnest(Records)`, and a GROUP BY
  of (principal, action) with first and last time, count and denied count, written into a
  DuckDB database file, with `SET threads` to each of --threads. Its rollup is simpler than
  Remit's (the action is `eventSource`'s first label and `eventName`, with no catalogue, no
  renamed actions, no resources, no session identities), which favours the baseline.

Each command's wall time and peak memory (maximum resident set size, from wait4) are recorded
(the median time of --repeat runs for Remit, of --baseline-repeat runs for DuckDB; the largest
peak);
events per second per core is events / seconds / threads. Memory is reported per number of
events to show whether it stays flat. Results: a Markdown table on stdout and WORK/results.json.
"""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The same measurement as the environment benchmark (wall time, the child's own peak RSS).
_spec = importlib.util.spec_from_file_location("bench_aws_env", os.path.join(ROOT, "scripts", "bench-aws-env.py"))
_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench)


def measured(cmd, env=None):
    """Runs cmd, returning its time, peak memory and output; a failure stops the benchmark."""
    m = _bench.measured(cmd, env=env)
    if m["status"] != 0:
        raise SystemExit(f"{cmd} exited {m['status']}: {m['stderr'][-3000:]}")
    return m


DUCKDB_SQL = """
SET threads = {threads};
SET enable_progress_bar = false;
SET preserve_insertion_order = false;
CREATE TABLE rollup AS
WITH records AS (
  SELECT unnest(Records) AS r
  FROM read_json('{glob}', format = 'unstructured', maximum_object_size = 1073741824,
    columns = {{Records: 'STRUCT(eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, errorCode VARCHAR,
      userIdentity STRUCT("type" VARCHAR, arn VARCHAR, invokedBy VARCHAR,
        sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR))))[]'}})
)
SELECT
  CASE WHEN r.userIdentity."type" IN ('AssumedRole', 'Role') THEN r.userIdentity.sessionContext.sessionIssuer.arn
       WHEN r.userIdentity."type" = 'AWSService' THEN r.userIdentity.invokedBy
       ELSE r.userIdentity.arn END AS principal,
  split_part(r.eventSource, '.', 1) || ':' || r.eventName AS action,
  min(r.eventTime) AS first_seen,
  max(r.eventTime) AS last_seen,
  count(*) AS events,
  count(*) FILTER (WHERE r.errorCode IN ('AccessDenied', 'AccessDeniedException', 'Client.UnauthorizedOperation', 'AuthorizationError')) AS denied
FROM records
GROUP BY ALL;
SELECT count(*) AS rows, sum(events) AS events FROM rollup;
"""

DUCKDB_RUNNER = """
import sys, duckdb, json
con = duckdb.connect(sys.argv[1])
out = None
for statement in [s for s in sys.argv[2].split(';') if s.strip()]:
    out = con.execute(statement).fetchall()
print(json.dumps({"rows": out[0][0], "events": out[0][1]}))
"""


def median(runs):
    """The run of median time, with the largest peak memory of all."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["peakMiB"] = max(r["peakMiB"] for r in runs)
    return chosen


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", default="1000000,2000000")
    ap.add_argument("--size", default="small")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "bench-activity"))
    ap.add_argument("--remit", help="a release build of remit (default: built now)")
    ap.add_argument("--python", default=sys.executable, help="a Python with duckdb installed")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--baseline-repeat", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    remit = args.remit
    if not remit:
        subprocess.run(["cargo", "build", "--release", "-p", "remit-cli"], cwd=ROOT, check=True)
        remit = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "remit")
    check = subprocess.run([args.python, "-c", "import duckdb; print(duckdb.__version__)"], capture_output=True, text=True)
    if check.returncode != 0:
        raise SystemExit(f"{args.python} has no duckdb: pip install duckdb into it")
    duckdb_version = check.stdout.strip()
    env_dir = os.path.join(args.work, f"env-{args.size}-{args.seed}")
    if not os.path.exists(env_dir):
        subprocess.run([remit, "generate", "aws-org", "--size", args.size, "--seed", str(args.seed), "--out", env_dir],
                       check=True, stdout=subprocess.DEVNULL)
    threads = [int(t) for t in args.threads.split(",")]
    results = []
    for events in [int(e) for e in args.events.split(",")]:
        trail = os.path.join(args.work, f"trail-{args.size}-{args.seed}-{events}")
        if not os.path.exists(os.path.join(trail, "activity-truth.json")):
            shutil.rmtree(trail, ignore_errors=True)
            started = time.monotonic()
            subprocess.run([remit, "generate", "cloudtrail", "--env", env_dir, "--out", trail, "--events", str(events),
                            "--days", "30", "--seed", str(args.seed)], check=True, stdout=sys.stderr)
            print(f"generated {events} events in {time.monotonic() - started:.1f} s", file=sys.stderr)
        truth = json.load(open(os.path.join(trail, "activity-truth.json")))
        records = truth["records"]
        gz_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(trail) for f in fs if f.endswith(".json.gz"))
        for t in threads:
            env = dict(os.environ, RAYON_NUM_THREADS=str(t))
            runs = []
            for _ in range(args.repeat):
                data_dir = os.path.join(args.work, f"store-{events}-{t}")
                shutil.rmtree(data_dir, ignore_errors=True)
                run = measured([remit, "--data-dir", data_dir, "ingest", "cloudtrail", os.path.join(trail, "AWSLogs"),
                                "--format", "json"], env=env)
                report = json.loads(run["stdout"])
                assert report["records"] == records, (report["records"], records)
                runs.append(run)
            r = median(runs)
            results.append({"tool": "remit", "events": records, "threads": t, "seconds": r["seconds"],
                            "peakMiB": r["peakMiB"], "eventsPerSecondPerCore": records / r["seconds"] / t,
                            "gzipMiB": gz_bytes / 2**20})
            sql = DUCKDB_SQL.format(threads=t, glob=os.path.join(trail, "**", "*.json.gz"))
            runs = []
            for _ in range(args.baseline_repeat):
                db = os.path.join(args.work, f"duckdb-{events}-{t}.db")
                if os.path.exists(db):
                    os.remove(db)
                run = measured([args.python, "-c", DUCKDB_RUNNER, db, sql])
                out = json.loads(run["stdout"])
                assert out["events"] == records, (out, records)
                runs.append(run)
            d = median(runs)
            results.append({"tool": f"duckdb {duckdb_version}", "events": records, "threads": t, "seconds": d["seconds"],
                            "peakMiB": d["peakMiB"], "eventsPerSecondPerCore": records / d["seconds"] / t,
                            "gzipMiB": gz_bytes / 2**20})
            print(f"{records} events, {t} thread(s): remit {r['seconds']:.2f} s, duckdb {d['seconds']:.2f} s",
                  file=sys.stderr)
    json.dump({"size": args.size, "seed": args.seed, "results": results}, open(os.path.join(args.work, "results.json"), "w"),
              indent=2)
    print("| events | threads | tool | seconds | events/s per core | peak memory (MiB) | ratio (DuckDB time / Remit time) |")
    print("|---|---|---|---|---|---|---|")
    for i in range(0, len(results), 2):
        a, b = results[i], results[i + 1]
        ratio = b["seconds"] / a["seconds"]
        for x in (a, b):
            print(f"| {x['events']:,} | {x['threads']} | {x['tool']} | {x['seconds']:.2f} | {x['eventsPerSecondPerCore']:,.0f} | "
                  f"{x['peakMiB']:.0f} | {ratio:.1f}× |" if x is a else
                  f"| {x['events']:,} | {x['threads']} | {x['tool']} | {x['seconds']:.2f} | {x['eventsPerSecondPerCore']:,.0f} | "
                  f"{x['peakMiB']:.0f} | |")


if __name__ == "__main__":
    main()
