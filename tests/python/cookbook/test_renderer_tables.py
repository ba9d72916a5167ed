"""What the renderer check knows without asking the kernel
(renderer_tables.py): the bundled recommendations, exact model ids like the
cookbook and like the engine's table, and each renderer's thinking mode as
the installed cookbook renders it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from cookbook_env import require

require("tinker_cookbook")
require("tinker")
from tinker_cookbook import model_info, renderers  # noqa: E402
from tinker_doctor_agent import renderer_check, renderer_tables  # noqa: E402

pytestmark = pytest.mark.timeout(120)

TS_TABLE = Path(__file__).resolve().parents[3] / ("src/engine/rules/rendererTable.ts")


def cookbook_models():
    """(model id, recommended renderers) for every model the installed
    cookbook lists."""
    tables = [
        getattr(model_info, n)()
        for n in dir(model_info)
        if n.startswith("get_") and n.endswith("_info")
    ]
    return [
        (f"{attrs.organization}/{version}", list(attrs.recommended_renderers))
        for table in tables
        for version, attrs in table.items()
    ]


def test_bundled_table_agrees_with_the_installed_cookbook():
    models = cookbook_models()
    assert len(models) > 20
    for model, names in models:
        assert renderer_tables.bundled_recommended(model) == names, model
    listed = {m for m, _ in models if not m.startswith("thinkingmachines/")}
    assert set(renderer_tables.BUNDLED_RECOMMENDED) == listed


def ts_block(name):
    text = TS_TABLE.read_text()
    start = text.index(f"export const {name}")
    return text[start : text.index("];", start)]


def test_bundled_table_lists_the_same_ids_and_names_as_the_engines_table():
    ts_ids = re.findall(r"\[\s*'([^']+/[^']+)'", ts_block("BUNDLED_RECOMMENDED"))
    assert ts_ids == list(renderer_tables.BUNDLED_RECOMMENDED)
    ts_names = re.findall(r"'([\w.]+)'", ts_block("KNOWN_RENDERERS"))
    assert set(ts_names) == set(renderer_check._known_renderers(renderers))


def test_the_fallback_table_matches_exact_ids_only(monkeypatch):
    monkeypatch.setitem(sys.modules, "tinker_cookbook.model_info", None)
    source = renderer_tables.BUNDLED_SOURCE
    names, where = renderer_tables.recommended_for("Qwen/Qwen3-8B")
    assert (names, where) == (["qwen3", "qwen3_disable_thinking"], source)
    # A checkpoint suffix is dropped, as the cookbook does.
    names, _ = renderer_tables.recommended_for("Qwen/Qwen3-8B:step-200")
    assert names == ["qwen3", "qwen3_disable_thinking"]
    # Unlisted ids, even sharing a listed id's prefix or differing in case,
    # get no guess.
    for model in ("Qwen/Qwen3-9B", "Qwen/Qwen3-8B-Instruct", "qwen/qwen3-8b"):
        assert renderer_tables.recommended_for(model) == (
            [],
            source + " (model not listed)",
        ), model
    # Any Inkling id is rendered by tml_v0, listed or not.
    assert renderer_tables.recommended_for("thinkingmachines/Inkling-9")[0] == [
        "tml_v0"
    ]


def test_a_model_the_cookbook_does_not_list_has_no_recommendation():
    names, source = renderer_tables.recommended_for("Qwen/Qwen3-9B")
    assert names == []
    assert source.startswith("tinker_cookbook.model_info ")
    assert source.endswith("(model not listed)")
    result = renderer_check.run(
        {"renderer": "qwen3", "model": "Qwen/Qwen3-9B", "namespace": {}}
    )
    assert result["recommended"] == [] and result["modelListed"] is False
    names, _ = renderer_tables.recommended_for("Qwen/Qwen3-8B")
    assert names == ["qwen3", "qwen3_disable_thinking"]


THINKING_TURN = [
    {"role": "user", "content": "Is 91 prime?"},
    {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "Try seven."},
            {"type": "text", "text": "No."},
        ],
    },
]


@pytest.mark.parametrize(
    "name", ["gpt_oss_no_sysprompt", "gpt_oss_medium_reasoning", "qwen3"]
)
def test_renderers_that_render_the_reasoning_are_thinking_renderers(name, qwen3_tok):
    renderer = renderers.get_renderer(name, qwen3_tok)
    model_input, _ = renderer.build_supervised_example(THINKING_TURN)
    assert "Try seven." in qwen3_tok.decode(model_input.to_ints())
    assert renderer_tables.thinking_mode(name) is True


def test_thinking_mode_of_the_built_in_names():
    off = [
        "role_colon",
        "llama3",
        "qwen3_instruct",
        "qwen3_vl_instruct",
        "deepseekv3",
        "deepseekv3_disable_thinking",
        "qwen3_disable_thinking",
        "kimi_k31_pro_disable_thinking",
    ]
    on = [
        "qwen3",
        "qwen3_vl",
        "deepseekv3_thinking",
        "gpt_oss_no_sysprompt",
        "gpt_oss_low_reasoning",
        # "with thinking and no effort message" (get_renderer's docstring)
        "kimi_k31_pro_no_reasoning_effort",
        "glm5_3_low_reasoning",
        "nemotron3_ultra_medium_thinking",
    ]
    assert [n for n in off if renderer_tables.thinking_mode(n)] == []
    assert [n for n in on if not renderer_tables.thinking_mode(n)] == []
    # Custom names go by their suffix.
    assert renderer_tables.thinking_mode("my_model_instruct") is False
    assert renderer_tables.thinking_mode("my_model_no_reasoning") is False
    assert renderer_tables.thinking_mode("my_model") is True
