#!/usr/bin/env bash
# Set up (scripts/setup.sh), then run every test suite: jest (engine and
# command-line doctor), pytest in .venv (kernel agent, local server, real
# SDK), pytest in .venvs/cookbook (renderer and merge checks with the real
# tinker-cookbook), and the galata UI tests in Debian's Chromium. Ends with
# one line `N passed, N failed` summing all suites; exits non-zero on any
# failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/setup.sh || { echo "set-up failed"; echo "0 passed, 1 failed"; exit 1; }
export PATH="$ROOT/.venv/bin:$PATH"
OUT="$ROOT/.td-run/reports"
# Each suite has a time limit, so that one hung kernel or browser cannot
# keep CI past its budget; a suite that hits it leaves no report and counts
# as a failure.
limit() { timeout --kill-after=30 "$@"; }
rm -rf "$OUT" && mkdir -p "$OUT"
reports=()

echo; echo "== jest"
limit 900 jlpm test --json --outputFile="$OUT/jest.json" 2>&1 | tail -n 40
reports+=("jest:$OUT/jest.json")

echo; echo "== pytest (.venv)"
limit 1800 python -m pytest tests/python --ignore=tests/python/cookbook -q \
  --junitxml="$OUT/pytest.xml" -p no:cacheprovider 2>&1 | tail -n 40
reports+=("pytest:$OUT/pytest.xml")

if [ -d tests/python/cookbook ] && [ -x .venvs/cookbook/bin/python ]; then
  echo; echo "== pytest (.venvs/cookbook)"
  # In this venv the cookbook must import: a broken install fails the
  # suite instead of skipping it.
  TD_REQUIRE_COOKBOOK=1 limit 900 .venvs/cookbook/bin/python -m pytest \
    tests/python/cookbook -q \
    --junitxml="$OUT/pytest-cookbook.xml" -p no:cacheprovider 2>&1 | tail -n 40
  reports+=("pytest:$OUT/pytest-cookbook.xml")
fi

if [ -f ui-tests/package.json ]; then
  echo; echo "== UI tests (galata, Chromium)"
  (cd ui-tests && PLAYWRIGHT_JSON_OUTPUT_NAME="$OUT/ui.json" \
    limit 1500 jlpm playwright test --reporter=list,json 2>&1 | tail -n 60)
  reports+=("ui:$OUT/ui.json")
fi

echo; echo "== summary"
python scripts/summarize_tests.py "${reports[@]}"
