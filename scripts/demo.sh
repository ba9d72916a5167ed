#!/usr/bin/env bash
# The demo: set up, start the local Tinker server on 127.0.0.1, and open
# JupyterLab with Tinker Doctor on examples/demo.ipynb, its kernel pointed at
# that server. Ctrl-C stops JupyterLab and the server.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/setup.sh
export PATH="$ROOT/.venv/bin:$PATH"

PORT="${TD_SERVER_PORT:-8765}"
bash scripts/local-server.sh start "$PORT"
trap 'bash "$ROOT/scripts/local-server.sh" stop "$PORT" || true' EXIT

# The kernel inherits these: the real SDK talks to the local server, with a
# dummy key of the form the SDK accepts. Nothing leaves this machine.
export TINKER_BASE_URL="http://127.0.0.1:$PORT"
export TINKER_API_KEY="tml-local-demo-key"
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"

# The extra kernels made by scripts/venvs/ are offered too. The demo
# notebook runs on one of them, `tinker-cookbook` (.venvs/cookbook: tinker
# plus tinker-cookbook, whose renderers its renderer group and "Check
# renderer" need).
for data in "$ROOT"/.venvs/*/share/jupyter; do
  [ -d "$data" ] && export JUPYTER_PATH="$data${JUPYTER_PATH:+:$JUPYTER_PATH}"
done
if ! jupyter kernelspec list --json | python -c \
  'import json, sys; sys.exit("tinker-cookbook" not in json.load(sys.stdin)["kernelspecs"])'
then
  echo "demo: the notebook's kernel tinker-cookbook is missing (made by" \
    "scripts/venvs/cookbook.sh); JupyterLab will ask for another kernel," \
    "on which the renderer group fails to import tinker_cookbook" >&2
fi

jupyter lab --ServerApp.root_dir="$ROOT/examples" --ServerApp.ip=127.0.0.1 \
  --ServerApp.allow_root=True "$@" "$ROOT/examples/demo.ipynb"
