#!/usr/bin/env bash
# Creates .venvs/cookbook: the real tinker-cookbook (and the CPU torch it
# needs) for the renderer check's tests (tests/python/cookbook).
# Idempotent: an existing venv that already satisfies the requirements is
# left as it is.
#
# torch goes in first and alone, pinned to the CPU wheel that lies on this
# machine's disk (pip's find-links); every later install is constrained to
# that torch so that no resolver step downloads another build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$here/.venvs/cookbook"
reqs="$here/requirements/cookbook.txt"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip)

torch_pin="$(grep -E '^torch==' "$reqs")"

if ! "$venv/bin/python" - "$reqs" <<'PY' 2>/dev/null
import sys
from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import Requirement

for raw in open(sys.argv[1]):
    line = raw.split("#", 1)[0].strip()
    if not line:
        continue
    req = Requirement(line)
    try:
        got = version(req.name)
    except PackageNotFoundError:
        sys.exit(1)
    if req.specifier and not req.specifier.contains(got, prereleases=True):
        sys.exit(1)
PY
then
  "${pip[@]}" install --quiet "$torch_pin"
  constraints="$(mktemp)"
  rest="$(mktemp)"
  trap 'rm -f "$constraints" "$rest"' EXIT
  echo "$torch_pin" >"$constraints"
  # tinker-cookbook without its dependencies (see requirements/cookbook.txt),
  # then everything else from the list.
  grep -vE '^tinker-cookbook==' "$reqs" >"$rest"
  "${pip[@]}" install --quiet -c "$constraints" -r "$rest"
  "${pip[@]}" install --quiet --no-deps "$(grep -E '^tinker-cookbook==' "$reqs")"
fi

# A kernelspec inside the venv (share/jupyter/kernels/tinker-cookbook), seen
# by a Jupyter server whose JUPYTER_PATH includes "$venv/share/jupyter".
"$venv/bin/python" -m ipykernel install --prefix "$venv" \
  --name tinker-cookbook --display-name "Python (tinker-cookbook)" >/dev/null
# ipykernel's wheel also puts a `python3` kernelspec (argv: a bare
# `python`) in the venv; with this folder on JUPYTER_PATH it would shadow
# the server's own python3 kernel. Only the named kernelspec stays.
rm -rf "$venv/share/jupyter/kernels/python3"

"$venv/bin/python" -c "import torch, tinker_cookbook.renderers" \
  || { echo "cookbook venv: tinker_cookbook.renderers does not import" >&2; exit 1; }
echo "cookbook venv ready: $venv"
