#!/usr/bin/env bash
# Runs Remit's whole test suite: installs what the tests need (the independent AWS evaluator
# used by the differential test), then every test of the workspace with cargo-nextest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! command -v cargo-nextest >/dev/null 2>&1; then
  echo "== installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

# The differential test compares Remit with @cloud-copilot/iam-simulate, run as a separate
# process (it is AGPL: never linked, never copied into this repository).
oracle_dir=${REMIT_ORACLE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/remit/oracle}
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  bash scripts/install-oracle.sh "$oracle_dir"
  export REMIT_ORACLE_DIR=$oracle_dir
else
  echo "== node/npm not found: the differential test will say so (and fail under CI)"
fi

# The AWS collector's end-to-end test runs against moto in server mode (a local AWS emulator from
# PyPI), installed in its own virtual environment. The same environment gets pyarrow, the
# independent Parquet writer of the Security Lake (OCSF) ingestion tests.
MOTO_VERSION=5.2.5
PYARROW_VERSION=26.0.1
moto_dir=${REMIT_MOTO_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/remit/moto}
if command -v python3 >/dev/null 2>&1; then
  if [ ! -x "$moto_dir/bin/moto_server" ] || ! "$moto_dir/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" >/dev/null 2>&1; then
    echo "== installing moto[server] $MOTO_VERSION into $moto_dir"
    python3 -m venv "$moto_dir"
    "$moto_dir/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  if ! "$moto_dir/bin/python" -c "import pyarrow, sys; sys.exit(pyarrow.__version__ != '$PYARROW_VERSION')" >/dev/null 2>&1; then
    echo "== installing pyarrow $PYARROW_VERSION into $moto_dir"
    "$moto_dir/bin/python" -m pip install --quiet --disable-pip-version-check "pyarrow==$PYARROW_VERSION"
  fi
  export REMIT_MOTO_SERVER=$moto_dir/bin/moto_server
  export REMIT_PYTHON=$moto_dir/bin/python
else
  echo "== python3 not found: the moto and Parquet tests will say so (and fail under CI)"
fi

cargo nextest run --workspace --no-fail-fast "$@"
