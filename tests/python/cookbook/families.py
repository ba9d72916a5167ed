"""The local tokenizers with real families' chat templates, for these tests.

They live in `examples/local_tokenizers.py`, shared with the demo notebook's
renderer group; this module makes them importable as `families` (the name
the tests and the UI test's cells use).
"""

from __future__ import annotations

import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

from local_tokenizers import (  # noqa: E402
    CORPUS,
    LLAMA3_TEMPLATE,
    LLAMA_SPECIALS,
    QWEN3_TEMPLATE,
    QWEN25_TEMPLATE,
    QWEN_ADDED,
    QWEN_SPECIALS,
    build_tokenizer,
    llama3_tokenizer,
    qwen3_tokenizer,
    qwen25_tokenizer,
)

__all__ = [
    "CORPUS",
    "LLAMA3_TEMPLATE",
    "LLAMA_SPECIALS",
    "QWEN25_TEMPLATE",
    "QWEN3_TEMPLATE",
    "QWEN_ADDED",
    "QWEN_SPECIALS",
    "build_tokenizer",
    "llama3_tokenizer",
    "qwen25_tokenizer",
    "qwen3_tokenizer",
]
