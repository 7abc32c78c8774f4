#!/usr/bin/env bash
# Installs what the dashboard's browser tests need from the project's own files:
# - axe-core (pinned in package-lock.json) into ./node_modules, served to the pages tested;
# - Debian's chromium when /usr/bin/chromium is missing and we may install (root + apt).
# Idempotent: does nothing when both are there. Playwright drives that chromium and never
# downloads a browser of its own.
set -euo pipefail
cd "$(dirname "$0")"

wanted=$(sed -n 's/.*"axe-core": "\(.*\)".*/\1/p' package.json)
installed=$(sed -n 's/^  "version": "\(.*\)".*/\1/p' node_modules/axe-core/package.json 2>/dev/null || true)
if [[ ! -f node_modules/axe-core/axe.min.js || "$installed" != "$wanted" ]]; then
  if command -v npm >/dev/null 2>&1; then
    npm ci --no-audit --no-fund --silent
  else
    echo "dashboard browser tests: npm not found, axe-core not installed (the tests will skip)"
  fi
fi

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "dashboard browser tests: installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "dashboard browser tests: /usr/bin/chromium missing (the tests will skip)"
  fi
fi
