"""The renderer check against the real tinker-cookbook renderers, with local
tokenizers that carry real families' chat templates (nothing downloaded)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from cookbook_env import require

require("tinker_cookbook")
require("tinker")  # the check renders once tinker is imported
from families import llama3_tokenizer, qwen3_tokenizer, qwen25_tokenizer  # noqa: E402
from tinker_cookbook import renderers  # noqa: E402
from tinker_doctor_agent import (  # noqa: E402
    renderer_check,
    renderer_find,
)

pytestmark = pytest.mark.timeout(120)

QWEN3 = "Qwen/Qwen3-8B"


@pytest.fixture(scope="module")
def qwen3_tok():
    return qwen3_tokenizer()


def check(tok, renderer, **extra):
    args = {"renderer": renderer, "model": tok.name_or_path, "namespace": {"tok": tok}}
    args.update(extra)
    return renderer_check.run(args)


def by(result, name, kind):
    return next(
        c for c in result["conversations"] if c["name"] == name and c["kind"] == kind
    )


def test_matching_renderer_renders_identical_tokens(qwen3_tok):
    result = check(qwen3_tok, "qwen3")
    assert "error" not in result
    assert result["realMismatches"] == 0
    for entry in result["conversations"]:
        if entry["kind"] == "generation":
            assert entry["identical"], entry
        else:
            # The template ends a conversation with "<|im_end|>\n"; the
            # renderer stops at "<|im_end|>": named, not a mismatch.
            assert (
                entry["identical"] or entry["benign"]["name"] == "trailing-whitespace"
            )
    names = {c["name"] for c in result["conversations"]}
    assert names == {"system-and-turns", "thinking", "tool-call"}


def test_wrong_family_renderer_is_a_real_mismatch_at_position_zero(qwen3_tok):
    result = check(qwen3_tok, "llama3")
    entry = by(result, "system-and-turns", "generation")
    assert not entry["identical"] and entry["benign"] is None
    assert entry["firstDiff"] == 0
    window = entry["window"]
    assert window["template"]["after"].startswith("<|im_start|>system")
    assert window["renderer"]["after"].startswith("<|begin_o")
    assert result["realMismatches"] >= 1
    assert result["rendererTokens"] == entry["rendererTokens"]


def test_wrong_variant_diverges_where_the_template_opens_the_think_block(qwen3_tok):
    # qwen3_instruct (2507 models, no <think>) against the Qwen3 template:
    # the first divergence is the token where the template writes <think>.
    result = check(qwen3_tok, "qwen3_instruct")
    entry = by(result, "system-and-turns", "supervised")
    assert entry["benign"] is None
    messages = [
        {"role": "system", "content": "You are a careful math tutor."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "2+2 is 4."},
        {"role": "user", "content": "And times 3?"},
        {"role": "assistant", "content": "4 times 3 is 12."},
    ]
    text = qwen3_tok.apply_chat_template(messages, tokenize=False)
    prefix = text[: text.rindex("<think>")]
    expected = len(qwen3_tok.encode(prefix, add_special_tokens=False))
    assert entry["firstDiff"] == expected
    assert entry["window"]["template"]["after"].startswith("<think>")
    assert entry["window"]["renderer"]["after"].startswith("4 times 3")
    assert "think block" in entry["kindOfDifference"]


def test_comparison_with_the_wrong_thinking_flag_is_named_benign(qwen3_tok):
    # S19: the thinking renderer compared with enable_thinking=False.
    result = check(qwen3_tok, "qwen3", templateKwargs={"enable_thinking": False})
    entry = by(result, "thinking", "generation")
    assert entry["identical"]  # with the matched flag
    user = entry["userComparison"]
    assert not user["identical"]
    assert user["benign"]["name"] == "thinking-flag"
    assert "enable_thinking=False" in user["benign"]["explanation"] or "think" in (
        user["benign"]["explanation"]
    )
    assert result["userComparison"]["benign"]["name"] == "thinking-flag"
    assert result["realMismatches"] == 0


def test_disable_thinking_renderer_compared_without_the_flag_is_named_benign(qwen3_tok):
    cells = [
        'renderer = renderers.get_renderer("qwen3_disable_thinking", tok)',
        "ids = tok.apply_chat_template(msgs, add_generation_prompt=True)",
    ]
    result = renderer_check.run(
        {"cellSources": cells, "model": QWEN3, "namespace": {"tok": qwen3_tok}}
    )
    assert result["renderer"] == "qwen3_disable_thinking"
    assert result["thinking"] is False
    assert result["userComparison"]["kwargs"] == {}
    assert result["userComparison"]["benign"]["name"] == "thinking-flag"


def test_template_injecting_a_default_system_prompt_is_named_benign():
    tok = qwen25_tokenizer()
    result = check(tok, "qwen3_instruct")
    entry = by(result, "thinking", "generation")  # no system message
    assert entry["benign"]["name"] == "default-system-prompt"
    assert entry["benign"]["all"][0]["side"] == "template"
    assert "You are Qwen" in entry["benign"]["all"][0]["text"]
    assert by(result, "system-and-turns", "generation")["identical"]
    assert result["realMismatches"] == 0


def test_llama3_date_header_is_named_benign():
    tok = llama3_tokenizer()
    result = check(tok, "llama3")
    entry = by(result, "system-and-turns", "generation")
    assert entry["benign"]["name"] == "date-header"
    assert "Cutting Knowledge Date" in entry["benign"]["all"][0]["text"]
    # llama3 has no tool calling in the cookbook: that conversation is left
    # out, so only benign differences remain.
    assert "tool-call" not in {c["name"] for c in result["conversations"]}
    assert any("tool calls" in n for n in result["notes"])
    assert result["realMismatches"] == 0


def test_tokenizer_loaded_from_a_local_path(tmp_path, qwen3_tok):
    qwen3_tok.save_pretrained(tmp_path)
    result = renderer_check.run(
        {
            "renderer": "qwen3",
            "model": QWEN3,
            "tokenizerPath": str(tmp_path),
            "namespace": {},
        }
    )
    assert "error" not in result, result.get("error")
    assert result["tokenizerSource"].startswith("path ")
    assert result["realMismatches"] == 0


def test_model_renderer_and_recommendations_found_from_cells(qwen3_tok):
    cells = [
        (
            "from tinker_cookbook import renderers, tokenizer_utils\n"
            'tok = tokenizer_utils.get_tokenizer("Qwen/Qwen3-8B")\n'
            'renderer = renderers.get_renderer("role_colon", tok)\n'
        )
    ]
    result = renderer_check.run({"cellSources": cells, "namespace": {"tok": qwen3_tok}})
    assert result["model"] == QWEN3
    assert result["renderer"] == "role_colon"
    assert result["recommended"] == ["qwen3", "qwen3_disable_thinking"]
    assert result["recommendedSource"].startswith("tinker_cookbook.model_info 0.6.1")
    assert result["realMismatches"] > 0


def test_renderer_name_from_a_config_field():
    cells = [
        (
            'cfg = train.Config(model_name="openai/gpt-oss-120b",\n'
            '    renderer_name="gpt_oss_medium_reasoning")'
        )
    ]
    assert renderer_find.renderer_from_cells(cells) == "gpt_oss_medium_reasoning"
    assert renderer_find.model_from_cells(cells) == "openai/gpt-oss-120b"


def test_live_renderer_object_and_its_tokenizer_are_used(qwen3_tok):
    live = renderers.get_renderer("qwen3", qwen3_tok, model_name=QWEN3)
    result = renderer_check.run({"namespace": {"my_renderer": live}})
    assert result["renderer"] == "qwen3"
    assert result["model"] == QWEN3
    assert "my_renderer" in result["tokenizerSource"]
    assert result["realMismatches"] == 0


def test_users_messages_variable_is_sampled(qwen3_tok):
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Hi {i}"},
                {"role": "assistant", "content": "Hello."},
            ]
        }
        for i in range(10)
    ]
    result = check(
        qwen3_tok,
        "qwen3",
        messagesVariable="rows",
        namespace={"tok": qwen3_tok, "rows": rows},
    )
    assert result["conversationSource"] == "variable rows"
    names = sorted({c["name"] for c in result["conversations"]})
    # The first rows and the last one read: not only the start of the data.
    assert names == ["rows[0]", "rows[1]", "rows[2]", "rows[9]"]


def test_thinking_data_with_a_disable_thinking_renderer_is_reported_per_conversation(
    qwen3_tok,
):
    rows = [
        [
            {"role": "user", "content": "Q"},
            {"role": "assistant", "content": "<think>\nhm\n</think>\n\nA"},
        ]
    ]
    result = check(
        qwen3_tok,
        "qwen3_disable_thinking",
        messagesVariable="rows",
        namespace={"tok": qwen3_tok, "rows": rows},
    )
    supervised = by(result, "rows[0]", "supervised")
    assert "error" in supervised and "thinking" in supervised["error"]


def test_bad_arguments_give_an_error_not_an_exception():
    result = renderer_check.run({"cellSources": 5, "namespace": {}})
    assert "error" in result
    result = renderer_check.run({"namespace": {}})
    assert "no renderer found" in result["error"]


def run_isolated(code, tmp_path):
    env = dict(
        os.environ, HF_HOME=str(tmp_path / "hf"), PYTHONPATH=os.pathsep.join(sys.path)
    )
    env.pop("HF_HUB_OFFLINE", None)
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_missing_tokenizer_is_reported_offline_without_download(tmp_path):
    code = (
        "import json, time, tinker\n"
        "from tinker_doctor_agent import renderer_check as rc\n"
        "t = time.time()\n"
        "r = rc.run({'renderer': 'qwen3', 'model': 'Qwen/Qwen3-8B', 'namespace': {}})\n"
        "print(json.dumps({'error': r.get('error'), 's': time.time() - t}))\n"
    )
    result = run_isolated(code, tmp_path)
    assert "not available offline" in result["error"]
    assert "nothing was downloaded" in result["error"]
    assert result["s"] < 30
    assert not (tmp_path / "hf" / "hub" / "models--Qwen--Qwen3-8B").exists()


def test_tinker_is_not_imported_unless_allowed(tmp_path):
    code = (
        "import json, sys\n"
        "from tinker_doctor_agent import renderer_check as rc\n"
        "r = rc.run({'renderer': 'qwen3', 'model': 'Qwen/Qwen3-8B',"
        " 'namespace': {}})\n"
        "print(json.dumps({'error': r.get('error'),"
        " 'tinker': 'tinker' in sys.modules}))\n"
    )
    result = run_isolated(code, tmp_path)
    assert result["tinker"] is False
    assert "tinker is not imported" in result["error"]


def test_model_and_renderer_read_from_a_cookbook_config_object(qwen3_tok):
    from tinker_cookbook.supervised.types import ChatDatasetBuilderCommonConfig

    common = ChatDatasetBuilderCommonConfig(
        model_name_for_tokenizer=QWEN3,
        renderer_name="qwen3_disable_thinking",
        max_length=None,
        batch_size=1,
    )
    result = renderer_check.run({"namespace": {"common": common, "tok": qwen3_tok}})
    assert result["model"] == QWEN3
    assert result["renderer"] == "qwen3_disable_thinking"
    assert result["realMismatches"] == 0


def test_conversations_found_in_the_namespace_without_naming_them(qwen3_tok):
    dialog = [
        {"role": "user", "content": "Name a prime."},
        {"role": "assistant", "content": "7."},
    ]
    prompt = [{"role": "user", "content": "Hi"}]
    result = check(qwen3_tok, "qwen3", namespace={"tok": qwen3_tok, "dialog": dialog})
    assert result["conversationSource"] == "variable dialog"
    assert {c["kind"] for c in result["conversations"]} == {
        "generation",
        "supervised",
    }
    # A bare prompt found in the namespace is compared as a prompt only.
    result = check(qwen3_tok, "qwen3", namespace={"tok": qwen3_tok, "prompt": prompt})
    assert [c["kind"] for c in result["conversations"]] == ["generation"]


def test_training_file_without_assistant_turns_has_no_loss_tokens(tmp_path, qwen3_tok):
    data = tmp_path / "prompts.jsonl"
    data.write_text(
        "\n".join(
            json.dumps({"messages": [{"role": "user", "content": f"Q{i}"}]})
            for i in range(5)
        )
    )
    result = check(qwen3_tok, "qwen3", messagesFile=str(data))
    assert result["conversationSource"] == f"file {data}"
    supervised = [c for c in result["conversations"] if c["kind"] == "supervised"]
    assert len(supervised) == 4  # lines 1-3 and the last one read (5)
    assert supervised[-1]["name"] == f"{data}:line 5"
    assert all(c.get("lossTokens") == 0 for c in supervised)
    with_answer = check(qwen3_tok, "qwen3")
    assert by(with_answer, "thinking", "supervised")["lossTokens"] > 0


def test_unknown_renderer_is_reported_by_name(qwen3_tok):
    result = check(qwen3_tok, "qwen3_thinking")
    assert result["unknownRenderer"] == "qwen3_thinking"
    assert "Unknown renderer: qwen3_thinking" in result["error"]


def test_without_a_named_renderer_the_models_default_is_checked(qwen3_tok):
    result = renderer_check.run({"model": QWEN3, "namespace": {"tok": qwen3_tok}})
    assert result["renderer"] == "qwen3"
    assert result["rendererSource"] == "default for the model"
    assert "qwen3" in result["notes"][0]
    assert result["realMismatches"] == 0


def encode(tok, text):
    return tok.encode(text, add_special_tokens=False)


def test_benign_insertion_then_a_real_difference_reports_the_real_one(qwen3_tok):
    from tinker_doctor_agent import renderer_compare

    system = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud.<|im_end|>\n"
    common = "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n"
    ours = encode(qwen3_tok, common + "2+2 is 4.<|im_end|>")
    theirs = encode(qwen3_tok, system + common + "4.<|im_end|>")
    out = renderer_compare.explain(ours, theirs, qwen3_tok, has_system=False)
    assert out["benign"] is None
    assert out["explainedBefore"][0]["name"] == "default-system-prompt"
    assert out["realDiff"]["renderer"] == len(encode(qwen3_tok, common))
    assert out["realDiff"]["template"] == len(encode(qwen3_tok, system + common))
    assert out["window"]["renderer"]["after"].startswith("2+2 is 4.")
    assert out["window"]["template"]["after"].startswith("4.")


def test_a_default_system_prompt_on_the_renderer_side_is_named_too(qwen3_tok):
    from tinker_doctor_agent import renderer_compare

    system = "<|im_start|>system\nYou are Kimi.<|im_end|>\n"
    common = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    ours = encode(qwen3_tok, system + common)
    theirs = encode(qwen3_tok, common)
    out = renderer_compare.explain(ours, theirs, qwen3_tok, has_system=False)
    assert out["benign"]["name"] == "default-system-prompt"
    assert out["benign"]["all"][0]["side"] == "renderer"
    # With a system message in the conversation, it is not a default one.
    out = renderer_compare.explain(ours, theirs, qwen3_tok, has_system=True)
    assert out["benign"] is None


def test_the_result_is_plain_json(qwen3_tok):
    result = check(
        qwen3_tok, "qwen3_instruct", templateKwargs={"enable_thinking": True}
    )
    assert json.loads(json.dumps(result)) == result


def test_a_tokenizer_loaded_from_a_local_directory_is_found(tmp_path, qwen3_tok):
    qwen3_tok.save_pretrained(tmp_path / "qwen3-8b-tokenizer")
    from transformers import AutoTokenizer

    local = AutoTokenizer.from_pretrained(str(tmp_path / "qwen3-8b-tokenizer"))
    result = renderer_check.run(
        {"renderer": "qwen3", "model": QWEN3, "namespace": {"my_tok": local}}
    )
    assert result["tokenizerSource"] == "tokenizer in the namespace (my_tok)"
    assert result["realMismatches"] == 0


def test_a_live_renderer_is_checked_for_the_model_it_was_built_for(qwen3_tok):
    # The training client uses another model (here: the panel's hint); the
    # renderer object and its own tokenizer say Qwen3-8B, so that is the
    # model checked, and the difference is named.
    live = renderers.get_renderer("qwen3_instruct", qwen3_tok, model_name=QWEN3)
    result = renderer_check.run(
        {"model": "local/bigram-byte", "namespace": {"renderer": live}}
    )
    assert result["model"] == QWEN3
    assert result["renderer"] == "qwen3_instruct"
    assert any(
        "built for Qwen/Qwen3-8B" in note and "local/bigram-byte" in note
        for note in result["notes"]
    ), result["notes"]
