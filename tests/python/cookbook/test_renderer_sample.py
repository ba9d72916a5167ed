"""Which of the user's conversations the renderer check compares
(renderer_sample.py): datasets, frames and other containers, rows spread
over the whole data with a bounded number read, JSONL files read within
byte budgets, malformed rows kept apart as bad data."""

from __future__ import annotations

import io
import json

import pytest
from cookbook_env import require

require("tinker_cookbook")
require("tinker")
from renderer_helpers import PLAIN_ROW, THINK_ROW, check  # noqa: E402
from tinker_doctor_agent import renderer_sample  # noqa: E402

pytestmark = pytest.mark.timeout(120)


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


class CountedRows(list):
    """A list that counts the rows read from it and forbids iteration."""

    reads = 0

    def __getitem__(self, index):
        self.reads += 1
        return super().__getitem__(index)

    def __iter__(self):
        raise AssertionError("the check must not iterate the data")


def test_thinking_rows_later_in_the_data_are_found_reading_few_rows(qwen3_tok):
    rows = CountedRows([{"messages": PLAIN_ROW}] * 200_000)
    rows[150_000:] = [{"messages": THINK_ROW}] * 50_000
    result = check(
        qwen3_tok,
        "qwen3_disable_thinking",
        {"tok": qwen3_tok, "rows": rows},
        messagesVariable="rows",
    )
    names = [c["name"] for c in result["conversations"]]
    later = [n for n in names if int(n[5:-1]) >= 150_000]
    assert later, names
    assert result["errored"] > 0
    # The first HEAD rows, SPREAD more and the last one, plus the peeks at
    # row 0 that tell one conversation from a list of them: not 200,000.
    assert rows.reads <= renderer_sample.HEAD + renderer_sample.SPREAD + 4
    assert rows.reads > renderer_sample.HEAD


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


class CountingFile(io.BufferedReader):
    """A binary file that counts the bytes handed to its reader."""

    given = 0

    def readline(self, size=-1):
        line = super().readline(size)
        CountingFile.given += len(line)
        return line

    def read(self, size=-1):
        data = super().read(size)
        CountingFile.given += len(data)
        return data

    def __next__(self):
        line = super().__next__()
        CountingFile.given += len(line)
        return line


@pytest.fixture
def counted_open(monkeypatch):
    """sample_file's open() counts bytes read; budgets made small."""
    monkeypatch.setattr(renderer_sample, "FILE_BYTES", 4096)
    monkeypatch.setattr(renderer_sample, "SKIP_BYTES", 512, raising=False)
    CountingFile.given = 0

    def opener(path, mode="r", *args, **kwargs):
        assert mode == "rb"
        return CountingFile(io.FileIO(path, "r"))

    monkeypatch.setattr(renderer_sample, "open", opener, raising=False)
    return CountingFile


def test_a_jsonl_file_of_one_huge_line_is_read_only_within_the_budget(
    tmp_path, counted_open
):
    path = tmp_path / "one-line.jsonl"
    big = json.dumps({"messages": PLAIN_ROW, "pad": "x" * 1_000_000})
    path.write_text(big)
    sample, why = renderer_sample.sample_file(str(path))
    assert sample == []
    assert why == "has no JSON rows with a messages list in the lines read"
    # The head budget, then the spread budget: never the whole line.
    assert counted_open.given <= 2 * renderer_sample.FILE_BYTES


def test_rows_after_a_huge_line_are_still_found_by_the_seeks(tmp_path, counted_open):
    path = tmp_path / "mixed.jsonl"
    with open(path, "w") as handle:
        handle.write(json.dumps({"messages": PLAIN_ROW}) + "\n")
        handle.write(json.dumps({"messages": PLAIN_ROW, "pad": "x" * 200_000}))
        handle.write("\n")
        for _ in range(20_000):
            handle.write(json.dumps({"messages": THINK_ROW}) + "\n")
    sample, why = renderer_sample.sample_file(str(path))
    assert why is None
    wheres = [w for w, _ in sample]
    assert wheres[0] == "line 1"
    assert any(w.startswith("byte ") for w in wheres), wheres
    assert any(renderer_sample.has_reasoning(m) for _, m in sample)
    assert counted_open.given <= 2 * renderer_sample.FILE_BYTES


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
