#!/usr/bin/env bash
# Installs the local Bluesky PDS test peer into ./node_modules (git-ignored).
# Idempotent: a full install (~2 min + ~95 s compiling better-sqlite3) runs only when
# package-lock.json changed since the last successful install, or the build is missing.
# Usage: tests/peers/bluesky/install.sh [--force]
set -euo pipefail
cd "$(dirname "$0")"

STAMP=node_modules/.openpost-install-stamp
SQLITE_BINARY=node_modules/better-sqlite3/build/Release/better_sqlite3.node
want="$(sha256sum package-lock.json | cut -d' ' -f1) node=$(node --version)"

if [[ "${1:-}" != "--force" && -f "$STAMP" && -f "$SQLITE_BINARY" \
      && "$(cat "$STAMP")" == "$want" ]]; then
  echo "bluesky peer: node_modules up to date"
  exit 0
fi

rm -f "$STAMP"
echo "bluesky peer: npm ci"
npm ci --no-audit --no-fund
# npm 11 skips install scripts: the SQLite module must be compiled explicitly.
echo "bluesky peer: building better-sqlite3"
npm rebuild better-sqlite3 --ignore-scripts=false
test -f "$SQLITE_BINARY"
node -e "new (require('better-sqlite3'))(':memory:').close()"
echo "$want" > "$STAMP"
echo "bluesky peer: installed"
