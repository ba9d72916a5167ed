#!/usr/bin/env bash
# Set up everything on a fresh machine: Debian's Chromium (for the UI tests),
# the Python environment .venv (JupyterLab, the real tinker SDK, test tools),
# the extra environments under .venvs/, the npm packages, and the extension
# built and installed into .venv. Safe to run again: finished steps are quick.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
log() { printf '\n== %s\n' "$*"; }

if [ ! -x /usr/bin/chromium ]; then
  log "Installing Debian's chromium (for the UI tests)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  fi
fi

if [ ! -x .venv/bin/python ]; then
  log "Creating .venv"
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
log "Installing Python requirements into .venv"
reqs=()
for f in requirements/*.txt; do
  case "$f" in
    requirements/cookbook.txt) ;;  # lives in .venvs/cookbook
    *) reqs+=(-r "$f") ;;
  esac
done
.venv/bin/pip install -q "${reqs[@]}"

export PATH="$ROOT/.venv/bin:$PATH"

log "Installing npm packages and building the extension"
jlpm install --silent >/dev/null 2>&1 || jlpm install
jlpm build
pip install -q --no-build-isolation -e .
jupyter-builder develop --overwrite . >/dev/null

for script in scripts/venvs/*.sh; do
  [ -e "$script" ] || continue
  log "Preparing environment: $script"
  bash "$script"
done

if [ -f ui-tests/package.json ]; then
  log "Installing the UI test tools"
  (cd ui-tests && jlpm install --silent >/dev/null 2>&1 || jlpm install)
fi
log "Set-up done"
