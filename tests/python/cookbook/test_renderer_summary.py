"""The renderer check's summary (renderer_check.py): errored comparisons
counted and never "identical", an `error` only when nothing could be
compared, the renderer names it knows, and suggestions for a typo."""

from __future__ import annotations

import pytest
from cookbook_env import require

require("tinker_cookbook")
require("tinker")
from renderer_helpers import PLAIN_ROW, THINK_ROW, check  # noqa: E402
from tinker_cookbook import renderers  # noqa: E402
from tinker_doctor_agent import renderer_check  # noqa: E402

pytestmark = pytest.mark.timeout(120)


def test_errored_comparisons_are_counted_and_not_identical(qwen3_tok):
    rows = [PLAIN_ROW, THINK_ROW]
    result = check(
        qwen3_tok,
        "qwen3_disable_thinking",
        {"tok": qwen3_tok, "rows": rows},
        messagesVariable="rows",
    )
    assert result["realMismatches"] == 0
    assert result["errored"] >= 1
    assert result["identical"] is False
    example = result["erroredExamples"][0]
    assert example["name"] == "rows[1]" and "thinking" in example["error"]
    clean = check(qwen3_tok, "qwen3")
    assert clean["errored"] == 0 and "erroredExamples" not in clean


def test_when_every_comparison_fails_the_result_is_a_failure_not_an_error(
    qwen3_tok,
):
    # An early assistant turn whose tool_calls is not a list: neither the
    # renderer nor the template can render the prompt or the example.
    broken = {"role": "assistant", "content": None, "tool_calls": "get_weather"}
    rows = [[PLAIN_ROW[0], broken, {"role": "user", "content": "And?"}, PLAIN_ROW[1]]]
    result = check(
        qwen3_tok, "qwen3", {"tok": qwen3_tok, "rows": rows}, messagesVariable="rows"
    )
    assert "error" not in result, result.get("error")
    compared = result["conversations"]
    assert compared and all("error" in c for c in compared)
    assert result["errored"] == len(compared)
    assert result["identical"] is False
    assert result["realMismatches"] == 0 and result["benignDifferences"] == 0
    first = result["erroredExamples"][0]
    assert first["name"] == "rows[0]" and first["error"].startswith("TypeError")
    assert "rendererTokens" not in result
    note = next(n for n in result["notes"] if n.startswith("none of the"))
    assert f"none of the {len(compared)} comparisons could be rendered" in note
    assert first["error"] in note


def test_with_nothing_to_compare_the_error_says_why():
    result = {"notes": [], "conversationProblem": "messagesVariable 'x' is empty"}
    renderer_check._summarise(result, [], lambda tokens: "")
    assert result["error"] == (
        "no conversation could be compared: messagesVariable 'x' is empty"
    )
    assert result["errored"] == 0 and "identical" not in result


def test_the_result_lists_the_built_in_and_the_registered_renderer_names(
    qwen3_tok,
):
    result = check(qwen3_tok, "qwen3")
    known = result["knownRenderers"]
    assert {"qwen3", "qwen3_disable_thinking", "llama3", "tml_v0"} <= set(known)
    assert "gpt_oss_high_reasoning" in known  # read from get_renderer itself
    assert known == sorted(known)
    assert result["registeredRenderers"] == list(
        renderers.get_registered_renderer_names()
    )

    def factory(tokenizer, image_processor=None):
        return renderers.get_renderer("qwen3", tokenizer)

    renderers.register_renderer("td_test_custom", factory)
    try:
        result = check(qwen3_tok, "td_test_custom_")
        assert "td_test_custom" in result["registeredRenderers"]
        assert "td_test_custom" not in result["knownRenderers"]
        assert result["didYouMean"][0] == "td_test_custom"
    finally:
        renderers.unregister_renderer("td_test_custom")


def test_a_renderer_name_typo_suggests_the_nearest_name(qwen3_tok):
    result = check(qwen3_tok, "qwen3_disable_thinkng")
    assert result["unknownRenderer"] == "qwen3_disable_thinkng"
    assert result["didYouMean"][0] == "qwen3_disable_thinking"
    assert "Did you mean 'qwen3_disable_thinking'" in result["error"]
    assert "qwen3_disable_thinking" in result["knownRenderers"]
    result = check(qwen3_tok, "zzzzzz")
    assert "didYouMean" not in result and "Did you mean" not in result["error"]


def test_content_parts_are_given_to_the_template_as_text(qwen3_tok):
    rows = [
        [
            {"role": "user", "content": [{"type": "text", "text": "q"}]},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "hmm"},
                    {"type": "text", "text": "a"},
                ],
            },
        ]
    ]
    result = check(
        qwen3_tok, "qwen3", {"tok": qwen3_tok, "rows": rows}, messagesVariable="rows"
    )
    assert result["errored"] == 0
    assert result["realMismatches"] == 0, result.get("window")
