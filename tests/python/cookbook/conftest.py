"""Makes the agent package and the family fixtures importable; the local
Qwen3 tokenizer fixture (built once per test module)."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
for path in (HERE, ROOT / "agent"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


@pytest.fixture(scope="module")
def qwen3_tok():
    """A local tokenizer with Qwen3's chat template (name_or_path
    Qwen/Qwen3-8B); needs transformers, so only the cookbook venv uses it."""
    from families import qwen3_tokenizer

    return qwen3_tokenizer()
