#!/bin/sh
# Installs the reference AWS evaluator used by the differential test of `remit aws decide`:
# @cloud-copilot/iam-simulate (AGPL-3.0, so it only ever runs as a separate process) and oracle.mjs, which
# reads cases in the `remit aws decide` format on stdin and answers each with iam-simulate.
#
#   scripts/install-oracle.sh DIR
#   REMIT_ORACLE_DIR=DIR cargo test -p remit-aws-decide --test differential
#
# oracle.mjs is taken from ../shared/peers/oracle.mjs relative to the repository root. Running the script
# again is harmless: npm keeps an installed package that already has the pinned version.
set -eu

IAM_SIMULATE_VERSION=0.1.173

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1

script_dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
repo_root=$(CDPATH= cd -- "$script_dir/.." && pwd)
oracle_src="$repo_root/../shared/peers/oracle.mjs"
if [ ! -f "$oracle_src" ]; then
    echo "error: $oracle_src not found: the oracle script is expected at ../shared/peers/oracle.mjs next to the repository" >&2
    exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm not found: install Node.js (18 or later) first" >&2
    exit 1
fi

mkdir -p "$dir"
# A package.json of its own keeps npm from walking up to an unrelated project.
if [ ! -f "$dir/package.json" ]; then
    printf '{ "name": "remit-oracle", "private": true, "type": "module" }\n' > "$dir/package.json"
fi
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error --save-exact \
    "@cloud-copilot/iam-simulate@$IAM_SIMULATE_VERSION" >/dev/null
cp "$oracle_src" "$dir/oracle.mjs"
echo "oracle installed in $dir (run: node $dir/oracle.mjs < cases.jsonl)"
