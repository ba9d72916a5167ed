"""Regression tests for the QA pass on the renderer check (issue 8): no
network in the offline tokenizer lookup, datasets and other containers of
conversations, samples beyond the first rows, errored comparisons counted,
odd namespace objects, the most recently bound renderer, the model named
next to the renderer, and clearer messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from unittest import mock

import pytest

# The real tinker-cookbook lives in .venvs/cookbook; elsewhere, skip.
pytest.importorskip("tinker_cookbook")
import tinker  # noqa: F401, E402  (the check renders once tinker is imported)
from families import qwen3_tokenizer  # noqa: E402
from tinker_cookbook import renderers  # noqa: E402
from tinker_doctor_agent import (  # noqa: E402
    renderer_check,
    renderer_find,
    renderer_sample,
)

pytestmark = pytest.mark.timeout(120)

QWEN3 = "Qwen/Qwen3-8B"
THINK_ROW = [
    {"role": "user", "content": "Q"},
    {"role": "assistant", "content": "<think>\nhm\n</think>\n\nA"},
]
PLAIN_ROW = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello."},
]


@pytest.fixture(scope="module")
def qwen3_tok():
    return qwen3_tokenizer()


def check(tok, renderer, namespace=None, **extra):
    args = {
        "renderer": renderer,
        "model": QWEN3,
        "namespace": namespace if namespace is not None else {"tok": tok},
    }
    args.update(extra)
    return renderer_check.run(args)


# Bug 1: the offline lookup never touches the network.

NO_NETWORK = r"""
import json, os, socket, sys, traceback
calls = []
def deny(*args, **kwargs):
    calls.append("".join(traceback.format_stack(limit=8)))
    raise OSError("network blocked by the test")
socket.getaddrinfo = deny
socket.create_connection = deny
import tinker
from families import qwen3_tokenizer
from tinker_doctor_agent import renderer_check
args = {"renderer": "qwen3", "model": "Qwen/Qwen3-8B", "namespace": {}}
missing = renderer_check.run(args)
repo = os.path.join(os.environ["HF_HOME"], "hub", "models--Qwen--Qwen3-8B")
commit = "0123456789abcdef0123456789abcdef01234567"
qwen3_tokenizer().save_pretrained(os.path.join(repo, "snapshots", commit))
os.makedirs(os.path.join(repo, "refs"))
with open(os.path.join(repo, "refs", "main"), "w") as handle:
    handle.write(commit)
cached = renderer_check.run(args)
print(json.dumps({"missing": missing, "cached": cached, "calls": calls}))
"""


def test_offline_tokenizer_lookup_makes_no_network_call_cached_or_not(tmp_path):
    env = dict(
        os.environ,
        HF_HOME=str(tmp_path / "hf"),
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_CACHE"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", NO_NETWORK],
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["calls"] == []
    missing = result["missing"]["error"]
    assert "not available offline" in missing and "nothing was downloaded" in missing
    assert "not in the local Hugging Face cache" in missing
    assert "couldn't connect" not in missing.lower()
    cached = result["cached"]
    assert "error" not in cached, cached.get("error")
    assert cached["tokenizerSource"] == "local Hugging Face cache (Qwen/Qwen3-8B)"
    assert cached["realMismatches"] == 0


def test_tokenizer_path_without_tokenizer_files_says_so_completely(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    result = check(None, "qwen3", {}, tokenizerPath=str(tmp_path))
    assert result["error"] == (
        f"path {tmp_path}: the folder has no tokenizer files (expected one of "
        "tokenizer.json, tokenizer_config.json, tokenizer.model)"
    )


def test_tokenizer_path_with_broken_files_gives_the_whole_reason(tmp_path):
    (tmp_path / "tokenizer_config.json").write_text('{"tokenizer_class": "Nope"}')
    result = check(None, "qwen3", {}, tokenizerPath=str(tmp_path))
    assert result["error"].startswith(f"path {tmp_path}: the tokenizer in ")
    assert "could not be loaded (" in result["error"]
    assert result["error"].endswith(")")
    assert "\n" not in result["error"]


# Bug 4: datasets, other containers, and named data that cannot be used.


def test_a_datasets_dataset_of_conversations_is_compared_named_or_not(qwen3_tok):
    import datasets

    ds = datasets.Dataset.from_list([{"messages": THINK_ROW}] * 10)
    for named in ({}, {"messagesVariable": "ds"}):
        result = check(
            qwen3_tok,
            "qwen3_disable_thinking",
            {"tok": qwen3_tok, "ds": ds},
            **named,
        )
        assert result["conversationSource"] == "variable ds"
        assert "conversationProblem" not in result
        # The disable-thinking renderer refuses the think rows: errored.
        assert result["errored"] > 0
        assert result.get("identical") is not True


def test_a_dataset_dict_and_a_pandas_frame_are_read(qwen3_tok):
    import datasets
    import pandas

    dd = datasets.DatasetDict(
        {"train": datasets.Dataset.from_list([{"messages": PLAIN_ROW}] * 3)}
    )
    frame = pandas.DataFrame({"messages": [PLAIN_ROW] * 3, "id": [1, 2, 3]})
    for name, value in (("dd", dd), ("frame", frame)):
        result = check(
            qwen3_tok, "qwen3", {"tok": qwen3_tok, name: value}, messagesVariable=name
        )
        assert result["conversationSource"] == f"variable {name}", result.get("notes")
        assert result["realMismatches"] == 0


def test_named_variable_missing_empty_or_unusable_is_noted(qwen3_tok):
    cases = {
        "nope": ({}, "is not defined in the kernel"),
        "empty": ({"empty": []}, "is empty"),
        "text": ({"text": "hello"}, "holds no conversations"),
    }
    for name, (extra, why) in cases.items():
        result = check(
            qwen3_tok,
            "qwen3",
            {"tok": qwen3_tok, **extra},
            messagesVariable=name,
        )
        assert result["conversationSource"] == "built-in"
        problem = result["conversationProblem"]
        assert f"messagesVariable '{name}' {why}" in problem
        assert problem.endswith("compared the built-in conversations instead")
        assert problem in result["notes"]


def test_named_file_that_is_missing_is_noted(qwen3_tok, tmp_path):
    result = check(qwen3_tok, "qwen3", messagesFile=str(tmp_path / "no.jsonl"))
    assert result["conversationSource"] == "built-in"
    assert "cannot be read" in result["conversationProblem"]


def test_a_named_object_with_len_and_indexing_is_sampled_without_iterating(
    qwen3_tok,
):
    class Rows:
        """A torch-style dataset: len and indexing, iteration forbidden."""

        def __len__(self):
            return 1000

        def __getitem__(self, i):
            if not 0 <= i < 1000:
                raise IndexError(i)
            return {"messages": PLAIN_ROW}

        def __iter__(self):
            raise AssertionError("the check must not iterate the data")

    result = check(
        qwen3_tok, "qwen3", {"tok": qwen3_tok, "rows": Rows()}, messagesVariable="rows"
    )
    assert result["conversationSource"] == "variable rows"
    # Unnamed, an unknown container is not read.
    result = check(qwen3_tok, "qwen3", {"tok": qwen3_tok, "rows": Rows()})
    assert result["conversationSource"] == "built-in"


# Sampling beyond the first rows, bounded in cost.


def test_thinking_rows_later_in_the_data_are_compared_quickly(qwen3_tok):
    rows = [{"messages": PLAIN_ROW}] * 200_000
    rows[150_000:] = [{"messages": THINK_ROW}] * 50_000
    started = time.perf_counter()
    result = check(
        qwen3_tok,
        "qwen3_disable_thinking",
        {"tok": qwen3_tok, "rows": rows},
        messagesVariable="rows",
    )
    elapsed = time.perf_counter() - started
    names = [c["name"] for c in result["conversations"]]
    later = [n for n in names if int(n[5:-1]) >= 150_000]
    assert later, names
    assert result["errored"] > 0
    assert elapsed < 3, elapsed


def test_a_reasoning_row_among_the_first_rows_is_picked():
    rows = [PLAIN_ROW] * 40 + [THINK_ROW] + [PLAIN_ROW] * 40
    sample, why = renderer_sample.sample_messages(rows)
    assert why is None
    assert [i for i, _ in sample][0] == 0 and 40 in [i for i, _ in sample]
    assert len(sample) <= renderer_sample.SAMPLE


def test_a_large_jsonl_file_is_sampled_across_its_length(tmp_path):
    path = tmp_path / "data.jsonl"
    with open(path, "w") as handle:
        for i in range(20_000):
            row = THINK_ROW if i >= 15_000 else PLAIN_ROW
            handle.write(json.dumps({"messages": row}) + "\n")
    sample, why = renderer_sample.sample_file(str(path))
    assert why is None
    assert sample[0][0] == "line 1"
    assert any(renderer_sample.has_reasoning(m) for _, m in sample)


# Bug 6: errored comparisons are counted, never "identical".


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


# Bug 7: odd objects in the namespace.


class Lazy:
    """A lazy proxy whose every attribute raises."""

    def __getattr__(self, name):
        raise RuntimeError(f"lazy proxy: not initialised ({name})")


def test_an_object_whose_getattr_raises_does_not_break_the_check(qwen3_tok):
    live = renderers.get_renderer("qwen3", qwen3_tok, model_name=QWEN3)
    namespace = {"lazy": Lazy(), "tok": qwen3_tok, "renderer": live}
    result = renderer_check.run({"namespace": namespace})
    assert "error" not in result, result.get("error")
    assert result["renderer"] == "qwen3"
    namespace = {"lazy": Lazy(), "tok": qwen3_tok}
    result = renderer_check.run(
        {"renderer": "qwen3", "model": QWEN3, "namespace": namespace}
    )
    assert result["tokenizerSource"] == "tokenizer in the namespace (tok)"


def test_a_mock_is_never_taken_for_a_tokenizer(qwen3_tok, tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    result = check(None, "qwen3", {"m": mock.MagicMock()})
    assert "not available offline" in result["error"]
    result = check(qwen3_tok, "qwen3", {"m": mock.MagicMock(), "tok": qwen3_tok})
    assert result["tokenizerSource"] == "tokenizer in the namespace (tok)"
    assert not renderer_find.is_tokenizer(mock.MagicMock())
    assert not renderer_find.is_tokenizer(Lazy())
    assert renderer_find.is_tokenizer(qwen3_tok)


# Bug 8: the most recently bound renderer.


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


# Bug 3 (kernel half): the model named next to the renderer.


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


# Polish: a renderer-name typo suggests the nearest name.


def test_a_renderer_name_typo_suggests_the_nearest_name(qwen3_tok):
    result = check(qwen3_tok, "qwen3_disable_thinkng")
    assert result["unknownRenderer"] == "qwen3_disable_thinkng"
    assert result["didYouMean"][0] == "qwen3_disable_thinking"
    assert "Did you mean 'qwen3_disable_thinking'" in result["error"]
    result = check(qwen3_tok, "zzzzzz")
    assert "didYouMean" not in result and "Did you mean" not in result["error"]


# A model the installed cookbook does not list gets no prefix guess.


def test_a_model_the_cookbook_does_not_list_has_no_recommendation():
    from tinker_doctor_agent import renderer_tables

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


# Malformed rows are bad data, not renderer mismatches.


def test_malformed_rows_are_reported_as_bad_data_not_mismatches(qwen3_tok):
    rows = [
        [{"role": "bogus", "content": "x"}],
        [{"role": "user", "content": {"a": 1}}],
        PLAIN_ROW,
    ]
    result = check(
        qwen3_tok, "qwen3", {"tok": qwen3_tok, "rows": rows}, messagesVariable="rows"
    )
    assert [b["name"] for b in result["badData"]] == ["rows[0]", "rows[1]"]
    assert "role 'bogus'" in result["badData"][0]["reason"]
    assert {c["name"] for c in result["conversations"]} == {"rows[2]"}
    assert result["realMismatches"] == 0
    assert any("not well-formed" in n for n in result["notes"])
    only_bad = check(
        qwen3_tok,
        "qwen3",
        {"tok": qwen3_tok, "rows": rows[:1]},
        messagesVariable="rows",
    )
    assert only_bad["conversationSource"] == "built-in"
    assert only_bad["realMismatches"] == 0


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
