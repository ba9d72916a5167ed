"""Which cell run a moment belongs to (cells.run_at), without a kernel."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from tinker_doctor_agent import cells


@pytest.fixture(autouse=True)
def fresh():
    cells.reset()
    yield
    cells.reset()


def _run(cell_id):
    info = SimpleNamespace(raw_cell="x = 1\n", cell_id=cell_id)
    cells.on_pre_run_cell(None, info)
    return cells.current()


def test_a_moment_inside_the_running_cell_is_that_cell():
    run = _run("a")
    assert cells.run_at(time.monotonic()) is run


def test_a_hold_seen_after_its_cell_ended_belongs_to_that_cell():
    first = _run("a")
    began = time.monotonic()
    cells.on_post_run_cell()
    _run("b")
    # The next cell started after the hold began: the hold is the first's.
    assert cells.run_at(began) is first
    cells.add_hold(120.0, False, cells.run_at(began))
    assert [r["holdMs"] for r in cells.runs_fact()] == [120.0, 0.0]


def test_a_moment_between_cells_belongs_to_none():
    _run("a")
    cells.on_post_run_cell()
    between = time.monotonic()
    time.sleep(0.01)
    _run("b")
    assert cells.run_at(between) is None
    assert cells.run_at(between - 3600) is None


def test_a_hold_between_cells_is_added_to_no_cell():
    _run("a")
    cells.on_post_run_cell()
    between = time.monotonic()
    time.sleep(0.01)
    _run("b")
    cells.add_hold(80.0, False, cells.run_at(between))
    assert [r["holdMs"] for r in cells.runs_fact()] == [0.0, 0.0]
    # Without a run given, the running cell gets it.
    cells.add_hold(30.0, False)
    assert [r["holdMs"] for r in cells.runs_fact()] == [0.0, 30.0]

