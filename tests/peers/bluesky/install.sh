#!/usr/bin/env bash
# Installs the local Bluesky PDS test peer (git-ignored node_modules).
# Idempotent and cached: the packages are installed once per package-lock.json (and Node
# version) into a cache folder shared by every checkout on this machine
# (${OPENPOST_NODE_CACHE:-~/.cache/openpost/bluesky-peer}), and ./node_modules links to it.
# A full install takes ~2 min plus ~95 s compiling better-sqlite3; a cached one, nothing.
# Usage: tests/peers/bluesky/install.sh [--force]
set -euo pipefail
cd "$(dirname "$0")"

want="$(sha256sum package-lock.json | cut -d' ' -f1) node=$(node --version)"
key=$(echo "$want" | sha256sum | cut -c1-16)
cache_root="${OPENPOST_NODE_CACHE:-$HOME/.cache/openpost/bluesky-peer}"
target="$cache_root/$key"
STAMP=.openpost-install-stamp
SQLITE_BINARY=node_modules/better-sqlite3/build/Release/better_sqlite3.node

ready() {  # $1: a folder holding node_modules
  [[ -f "$1/node_modules/$STAMP" && -f "$1/$SQLITE_BINARY" \
     && "$(cat "$1/node_modules/$STAMP")" == "$want" ]]
}

if [[ "${1:-}" != "--force" ]] && ready .; then
  echo "bluesky peer: node_modules up to date"
  exit 0
fi

# One install at a time per cache: checkouts installing at once would delete each other's
# half-built folder. The second waits, then finds the first one's install ready.
mkdir -p "$cache_root"
exec 9>"$cache_root/.install.lock"
flock 9

if [[ "${1:-}" == "--force" ]] || ! ready "$target"; then
  echo "bluesky peer: installing into $target"
  echo "bluesky peer: first install only: npm downloads about 410 packages (the official"
  echo "  Bluesky PDS and its dependencies) and compiles SQLite, about 4 minutes; later runs"
  echo "  reuse this cache. Without Node the Bluesky tests are skipped."
  rm -rf "$target"
  mkdir -p "$target"
  cp package.json package-lock.json "$target/"
  (
    cd "$target"
    npm ci --no-audit --no-fund
    # npm 11 skips install scripts: the SQLite module must be compiled explicitly.
    npm rebuild better-sqlite3 --ignore-scripts=false
    test -f "$SQLITE_BINARY"
    node -e "new (require('better-sqlite3'))(':memory:').close()"
    echo "$want" > "node_modules/$STAMP"
  )
fi

rm -rf node_modules
ln -s "$target/node_modules" node_modules
echo "bluesky peer: installed (node_modules -> $target/node_modules)"
