#!/usr/bin/env bash
# Remit on a large Azure tenant and a large Google Cloud organization, beside the AWS `org`
# organization and with the people of the company, in one command.
#
# usage: scripts/bench-estate.sh [WORK] [SEED]
#
# Builds the benchmark (`crates/remit-estate/benches/estate.rs`) in release, generates the
# estate into WORK/estate-SEED unless it is already there (the AWS `org` organization, then
# `EstateSpec::large(SEED)` beside it: ~20,000 people, an Entra tenant of 20,000 users, 5,000
# service principals, 200 subscriptions and 100,000 role assignments, a Google Cloud
# organization of 500 projects and 100,000 bindings), then runs each part in a process of its
# own so that each part's peak memory is its own: azure, gcp, aws, people (the whole estate
# loaded with every part, and the correlation of every identity to a person).
# Each prints a Markdown table; with BENCH_JSON=1, JSON (WORK/estate-SEED-PART.json).
# WORK defaults to a new temporary directory (removed at the end unless KEEP=1).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
seed="${2:-1}"
if [[ -n "${1:-}" ]]; then
    work="$1"
    mkdir -p "$work"
else
    work="$(mktemp -d)"
    [[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$work"' EXIT
fi
bundle="$work/estate-$seed"

cd "$root"
cargo build --release -p remit-estate --bench estate
bench="$(cargo build --release -p remit-estate --bench estate --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "estate" and m.get("executable"):
        print(m["executable"])')"

if [[ ! -f "$bundle/people-ground-truth.json" ]]; then
    rm -rf "$bundle"
    "$bench" --generate "$bundle" --seed "$seed"
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
for part in azure gcp aws people; do
    if [[ "${BENCH_JSON:-0}" == 1 ]]; then
        "$bench" "$bundle" --parts "$part" --seed "$seed" --json | tee "$work/estate-$seed-$part.json"
    else
        "$bench" "$bundle" --parts "$part" --seed "$seed"
    fi
done
