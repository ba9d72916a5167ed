"""Shared pytest set-up: make the test helpers and the agent importable."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (HERE, ROOT / "agent", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

# Fixtures that start the local Tinker server (local_server/) on 127.0.0.1.
try:
    from conftest_server import *  # noqa: F401,F403
except ImportError as error:  # pragma: no cover - only while it is written
    if "conftest_server" not in str(error):
        raise
