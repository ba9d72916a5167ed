#!/usr/bin/env bash
# Make .venvs/bad-pydantic: a kernel environment with a known-bad version set
# (tinker 0.38.0 with the pydantic 2.13.0b2 pre-release, TD101) installed for
# real from PyPI, and register its kernelspec `tinker-bad-pydantic` inside the
# venv's own share/jupyter, so only a server whose JUPYTER_PATH names
# .venvs/bad-pydantic/share/jupyter (the UI tests' server) sees it.
# Idempotent: an existing environment with the right versions is kept.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venvs/bad-pydantic"
BASE_PYTHON="${BASE_PYTHON:-$ROOT/.venv/bin/python}"
if [ ! -x "$BASE_PYTHON" ]; then
  BASE_PYTHON="$(command -v python3)"
fi

want_ok() {
  "$VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as md
import sys
want = {"tinker": "0.38.0", "pydantic": "2.13.0b2"}
ok = all(md.version(name) == version for name, version in want.items())
md.version("ipykernel")
sys.exit(0 if ok else 1)
PY
}

if [ -x "$VENV/bin/python" ] && want_ok; then
  echo "bad-pydantic: environment already in place"
else
  "$BASE_PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  # pip resolves the pydantic-core that 2.13.0b2 pins (==2.42.0).
  "$VENV/bin/python" -m pip install --quiet \
    ipykernel "tinker==0.38.0" "pydantic==2.13.0b2"
fi

"$VENV/bin/python" -m ipykernel install --prefix "$VENV" \
  --name tinker-bad-pydantic \
  --display-name "Python (tinker, pydantic 2.13.0b2)" >/dev/null
# ipykernel's wheel also puts a `python3` kernelspec (argv: a bare
# `python`) in the venv; with this folder on JUPYTER_PATH it would shadow
# the server's own python3 kernel. Only the named kernelspec stays.
rm -rf "$VENV/share/jupyter/kernels/python3"
echo "bad-pydantic: kernelspec in $VENV/share/jupyter/kernels/tinker-bad-pydantic"
"$VENV/bin/python" -c 'import importlib.metadata as m; print(" ".join(f"{n}=={m.version(n)}" for n in ("tinker", "pydantic", "pydantic-core")))'
