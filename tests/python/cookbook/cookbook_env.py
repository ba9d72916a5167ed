"""Imports the cookbook test modules need: required, or the module skipped.

The cookbook suite runs in `.venvs/cookbook`, where scripts/test.sh sets
TD_REQUIRE_COOKBOOK=1: there a module that does not import (a broken
install) fails the run instead of silently skipping every test. Elsewhere
(the main venv has no tinker-cookbook) the test module is skipped.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

REQUIRE_ENV = "TD_REQUIRE_COOKBOOK"


def require(name: str) -> ModuleType:
    """The imported module `name`; a failure to import fails the test
    module when TD_REQUIRE_COOKBOOK=1, else skips it."""
    try:
        return importlib.import_module(name)
    except Exception as error:  # noqa: BLE001 - any import failure counts
        why = f"{name} does not import ({type(error).__name__}: {error})"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{why}; {REQUIRE_ENV}=1 requires it", pytrace=False)
        pytest.skip(why, allow_module_level=True)
