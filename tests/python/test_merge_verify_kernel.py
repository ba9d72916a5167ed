"""Merge verification inside a real kernel (no torch), through the agent as
the frontend injects it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from kernel_harness import AGENT, Kernel
from test_merge_verify import (
    DENSE,
    _case,
    bf16_round,
    dense_adapter,
    dense_model,
    merge,
)

pytestmark = pytest.mark.timeout(120)


def test_bf16_merge_checked_in_a_kernel_without_torch(tmp_path):
    rng = np.random.default_rng(3)
    base = {k: bf16_round(v) for k, v in dense_model(rng).items()}
    adapter = dense_adapter(rng)
    good = _case(tmp_path / "good", base, adapter, merge(base, adapter), DENSE, "BF16")
    bad_merge = merge(base, adapter, mistake="gate-up-swapped")
    bad = _case(tmp_path / "bad", base, adapter, bad_merge, DENSE, "BF16")
    with Kernel() as kernel:
        assert kernel.inject()["status"] == "ok"
        assert kernel.expression("'torch' in __import__('sys').modules") is False
        results = []
        for args in (good, bad):
            expr = "__import__('json').dumps(%s.merge_verify.run(%r))" % (
                AGENT,
                {**args, "cellId": "merge-cell"},
            )
            results.append(json.loads(kernel.expression(expr)))
        assert kernel.expression("'torch' in __import__('sys').modules") is False
    ok, wrong = results
    assert ok["ok"] is True and ok["error"] is None and ok["cellId"] == "merge-cell"
    assert wrong["diagnosis"]["kind"] == "gate-up-swapped"
