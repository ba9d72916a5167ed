"""JupyterLab server configuration for Tinker Doctor's UI tests.

Galata's defaults (no token, a temporary root folder, the galata helper
extension) plus what this machine needs: root may run the server, the
default kernel is python3 from the repo's .venv, and the kernel
environments made by scripts/venvs/*.sh (e.g. `tinker-bad-pydantic`,
`tinker-cookbook`, each registered under .venvs/<name>/share/jupyter) are
visible to this server only, through JUPYTER_PATH.
"""

import os
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

ROOT = Path(__file__).resolve().parent.parent
EXTRA_DATA_DIRS = sorted(
    str(path) for path in (ROOT / ".venvs").glob("*/share/jupyter")
)

# Read by the kernelspec manager when it first looks for kernels, after this
# file is loaded; each dir's kernels/ holds one extra kernelspec.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    p for p in (*EXTRA_DATA_DIRS, os.environ.get("JUPYTER_PATH", "")) if p
)

configure_jupyter_server(c)  # noqa: F821 - `c` is given by the config loader
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.port = int(os.environ.get("TD_UI_PORT", "8888"))  # noqa: F821
c.MultiKernelManager.default_kernel_name = "python3"  # noqa: F821
