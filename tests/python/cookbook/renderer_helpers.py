"""Conversations and a check runner shared by the renderer check's tests."""

from __future__ import annotations

from tinker_doctor_agent import renderer_check

QWEN3 = "Qwen/Qwen3-8B"
THINK_ROW = [
    {"role": "user", "content": "Q"},
    {"role": "assistant", "content": "<think>\nhm\n</think>\n\nA"},
]
PLAIN_ROW = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello."},
]


def check(tok, renderer, namespace=None, **extra):
    """Run the check for Qwen3-8B with `renderer`; the namespace defaults to
    the tokenizer alone."""
    args = {
        "renderer": renderer,
        "model": QWEN3,
        "namespace": namespace if namespace is not None else {"tok": tok},
    }
    args.update(extra)
    return renderer_check.run(args)
