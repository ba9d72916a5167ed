"""Where the renderer check looks (renderer_find.py): the renderer bound
last per the execution history (bindings read with `ast`), the model named
next to the renderer."""

from __future__ import annotations

from collections import OrderedDict

import pytest
from cookbook_env import require

require("tinker_cookbook")
require("tinker")
from renderer_helpers import QWEN3  # noqa: E402
from tinker_cookbook import renderers  # noqa: E402
from tinker_doctor_agent import renderer_check, renderer_find  # noqa: E402

pytestmark = pytest.mark.timeout(120)


def test_the_renderer_bound_last_is_checked_and_the_others_are_noted(qwen3_tok):
    make = renderers.get_renderer
    first = make("qwen3_instruct", qwen3_tok, model_name=QWEN3)
    scratch = make("qwen3", qwen3_tok, model_name=QWEN3)
    fixed = make("qwen3_disable_thinking", qwen3_tok, model_name=QWEN3)
    cells = [
        'renderer = renderers.get_renderer("qwen3_instruct", tok)',
        'scratch = renderers.get_renderer("qwen3", tok)',
        'renderer = renderers.get_renderer("qwen3_disable_thinking", tok)',
    ]
    # The dict keeps renderer's first place; IPython's history says which
    # binding came last.
    namespace = {"renderer": first, "scratch": scratch, "_ih": [""] + cells}
    namespace["renderer"] = fixed
    result = renderer_check.run({"namespace": namespace})
    assert result["renderer"] == "qwen3_disable_thinking"
    assert result["otherRenderers"] == [{"variable": "scratch", "name": "qwen3"}]
    assert any(
        "scratch (qwen3)" in n and n.endswith("the most recently bound")
        for n in result["notes"]
    ), result["notes"]
    # Without a history, cells with execution counts give the order.
    del namespace["_ih"]
    sources = [
        {"source": cells[2], "executionCount": 7},
        {"source": cells[1], "executionCount": 3},
    ]
    result = renderer_check.run({"namespace": namespace, "cellSources": sources})
    assert result["renderer"] == "qwen3_disable_thinking"
    sources[1]["executionCount"] = 9
    result = renderer_check.run({"namespace": namespace, "cellSources": sources})
    assert result["renderer"] == "qwen3"


def test_assignment_order_ignores_reads_comparisons_and_keyword_arguments():
    sources = [
        "a = 1\nb = 2\nrenderer = make()",
        "print(a, b)\nif a == b: pass\nh(a=1)\nobj.b = 3",
        "x, a = 3, 4",
        'cfg = Config(\n    renderer=renderer,\n    b="(",\n)\nfor b in x: pass',
    ]
    order = renderer_find.bound_order(["a", "b", "renderer", "cfg"], sources)
    assert order == {"a": (2, 0), "b": (3, 4), "renderer": (0, 2), "cfg": (3, 0)}


def test_a_one_line_if_binds_its_body_not_its_condition():
    order = renderer_find.bound_order(["a", "b"], ["if a: b = 1"])
    assert order == {"b": (0, 0)}


def test_an_assignment_inside_a_string_or_a_function_binds_nothing():
    sources = [
        'doc = """\nx = 1\n"""\n',
        "def make():\n    y = 2\n    return y\n",
        "f = lambda: (z := 3)\nclass C:\n    w = 4\n",
    ]
    order = renderer_find.bound_order(["x", "y", "z", "w", "make", "C"], sources)
    assert order == {"make": (1, 0), "C": (2, 1)}


def test_every_kind_of_binding_is_seen_with_its_line():
    source = "\n".join(
        [
            "import numpy as np, os.path",
            "from tinker_cookbook import renderers as r",
            "n: int = 1",
            "m: int",
            "n += 1",
            "with open('f') as fh:",
            "    if (w := 2):",
            "        pass",
            "for i, (j, k) in []:",
            "    pass",
            "try:",
            "    pass",
            "except Exception as err:",
            "    pass",
            "squares = [q * q for q in range(3)]",
        ]
    )
    names = ["np", "os", "r", "n", "m", "fh", "w", "i", "j", "k", "err", "q"]
    order = renderer_find.bound_order(names + ["squares"], [source])
    assert order == {
        "np": (0, 0),
        "os": (0, 0),
        "r": (0, 1),
        "n": (0, 4),
        "fh": (0, 5),
        "w": (0, 6),
        "i": (0, 8),
        "j": (0, 8),
        "k": (0, 8),
        "err": (0, 12),
        "squares": (0, 14),
    }


def test_ipython_magic_and_shell_lines_do_not_stop_the_parser():
    source = "%load_ext autoreload\n!pip list\nrenderer = make()\n%time x = 1\n"
    order = renderer_find.bound_order(["renderer", "x"], [source])
    # The magic lines are blanked: `x` bound only inside `%time` is not seen.
    assert order == {"renderer": (0, 2)}
    cell = "%%time\nrenderer = make()\nif a:\n    %time b = 2\n"
    order = renderer_find.bound_order(["renderer", "b"], [cell])
    assert order == {"renderer": (0, 1)}


def test_a_source_that_does_not_parse_is_scanned_line_by_line():
    # `files = !ls` is IPython shell capture: not Python, so the scan is used.
    source = "files = !ls\nrenderer = make(\n"
    order = renderer_find.bound_order(["files", "renderer"], [source])
    assert order == {"files": (0, 0), "renderer": (0, 1)}


def test_the_model_named_with_the_renderer_is_the_one_checked():
    cells = [
        'cfg = train.Config(model_name="meta-llama/Llama-3.1-8B-Instruct",'
        ' renderer_name="llama3")',
        'cfg = train.Config(model_name="Qwen/Qwen3-8B", renderer_name="qwen3")',
    ]
    assert renderer_find.model_from_cells(cells, "llama3") == (
        "meta-llama/Llama-3.1-8B-Instruct"
    )
    assert renderer_find.model_from_cells(cells, "qwen3") == "Qwen/Qwen3-8B"
    # Renderer in a later cell with no model: the nearest model before it.
    later = [cells[0], 'MODEL = "Qwen/Qwen3-8B"', 'r = get_renderer("qwen3", tok)']
    assert renderer_find.model_from_cells(later, "qwen3") == "Qwen/Qwen3-8B"
    # No renderer anywhere: the last model written.
    plain = ['m = "meta-llama/Llama-3.1-8B-Instruct"', 'n = "Qwen/Qwen3-8B"']
    assert renderer_find.model_from_cells(plain) == "Qwen/Qwen3-8B"


def test_the_check_uses_the_model_of_the_renderers_cell(qwen3_tok):
    cells = [
        'a = train.Config(model_name="Qwen/Qwen3-8B", renderer_name="qwen3")',
        'b = dict(model_name="meta-llama/Llama-3.1-8B-Instruct")',
    ]
    result = renderer_check.run({"cellSources": cells, "namespace": {"tok": qwen3_tok}})
    assert result["model"] == QWEN3
    assert result["recommended"] == ["qwen3", "qwen3_disable_thinking"]


def test_the_module_of_an_object_is_read_from_its_type_only():
    from tinker_doctor_agent import renderer_sample

    assert renderer_find.module_of is renderer_sample.module_of

    class Hostile:
        @property
        def __class__(self):
            raise RuntimeError("never read")

    assert renderer_find.module_of(Hostile()) == __name__
    assert renderer_find.module_of(OrderedDict()) == "collections"
