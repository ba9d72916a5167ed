"""Makes the agent package and the family fixtures importable."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
for path in (HERE, ROOT / "agent"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
