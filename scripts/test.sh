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

# --- browser tests (the console's end-to-end test, crates/remit-server/tests/browser) ---------
# playwright-core (the pinned version in package-lock.json, no browser download) drives Debian's
# chromium; it is installed outside the repository, again only when the lock file changed.
browser_src=crates/remit-server/tests/browser
browser_dir=${REMIT_BROWSER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/remit/browser}
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  if [ ! -f "$browser_dir/node_modules/playwright-core/package.json" ] || ! cmp -s "$browser_src/package-lock.json" "$browser_dir/package-lock.json"; then
    echo "== installing the browser tests' packages into $browser_dir"
    mkdir -p "$browser_dir"
    cp "$browser_src/package.json" "$browser_src/package-lock.json" "$browser_dir/"
    (cd "$browser_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  export REMIT_BROWSER_DIR=$browser_dir
else
  echo "== node/npm not found: the browser tests will say so (and fail under REMIT_REQUIRE_BROWSER=1)"
fi
# --- end of the browser tests' block ------------------------------------------------------------

# --- OIDC provider (remit-auth's single sign-on tests, crates/remit-auth/tests/support) --------
# oidc-provider-mock (PyPI, MIT) is a real OpenID Connect provider (discovery, authorize form,
# RS256-signed ID tokens) that the sign-on tests start on a loopback port. 0.3.4 is the newest
# that runs on Python 3.11 (0.4 needs 3.12). Its own virtual environment, installed once.
OIDC_PROVIDER_VERSION=0.3.4
oidc_dir=${REMIT_OIDC_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/remit/oidc}
if command -v python3 >/dev/null 2>&1; then
  if ! "$oidc_dir/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('oidc-provider-mock') != '$OIDC_PROVIDER_VERSION')" >/dev/null 2>&1; then
    echo "== installing oidc-provider-mock $OIDC_PROVIDER_VERSION into $oidc_dir"
    python3 -m venv "$oidc_dir"
    "$oidc_dir/bin/python" -m pip install --quiet --disable-pip-version-check "oidc-provider-mock==$OIDC_PROVIDER_VERSION"
  fi
  export REMIT_OIDC_PYTHON=$oidc_dir/bin/python
else
  echo "== python3 not found: the OIDC tests will say so (and fail under REMIT_REQUIRE_OIDC=1)"
fi
# --- end of the OIDC provider's block -----------------------------------------------------------

cargo nextest run --workspace --no-fail-fast "$@"
