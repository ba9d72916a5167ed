"""The cookbook suite's import helper: a missing module fails the run when
TD_REQUIRE_COOKBOOK=1 (a broken cookbook venv), else skips the module."""

from __future__ import annotations

import pytest
from cookbook_env import REQUIRE_ENV, require

MISSING = "td_no_such_module_for_this_test"


def test_a_missing_module_fails_when_the_cookbook_is_required(monkeypatch):
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=f"{MISSING} does not import"):
        require(MISSING)


def test_a_missing_module_skips_when_the_cookbook_is_not_required(monkeypatch):
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"{MISSING} does not import"):
        require(MISSING)


def test_an_importable_module_is_returned(monkeypatch):
    monkeypatch.setenv(REQUIRE_ENV, "1")
    assert require("json").dumps([1]) == "[1]"
