"""A local, Tinker-compatible training server for demos and tests.

Run it with ``python -m local_server --port 8765``; see README.md.
"""

from .faults import CATALOGUE, FaultSet
from .state import ModelSpec, ServerState

__all__ = ["CATALOGUE", "FaultSet", "ModelSpec", "ServerState"]
