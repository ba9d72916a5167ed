"""Which of the user's conversations the renderer check compares.

Part of the renderer check (see renderer_check.py). A variable may hold a
list or tuple of conversations, rows with a "messages" list, one
conversation, a Hugging Face `datasets.Dataset` (or `DatasetDict`), a pandas
`DataFrame` with a "messages" column or a `Series` of conversations; a
named variable may also be any object with `len()` and integer indexing.
Nothing is materialised: a bounded number of rows is read by index (the
first `HEAD` and `SPREAD` spread over the whole length), and from those the
first conversation, the first with reasoning, the first with tool calls and
one from further in the data are compared. JSONL files are read the same
way (the first lines, then a few seeks across the file), with every read
bounded in bytes: a line longer than the budget is never held in memory.
"""

import json

# Rows read from the start of the data, and rows spread over the rest.
HEAD = 100
SPREAD = 16
# At most this many conversations are compared (two comparisons each).
SAMPLE = 4
# Bounds on a JSONL file: lines and bytes read from its start, and bytes
# read by all the seeks across the rest together.
FILE_LINES = 1000
FILE_BYTES = 4 << 20
# A seek lands mid-line; at most this many bytes are skipped to the next
# line start (a probe landing in a longer line is given up).
SKIP_BYTES = 64 << 10


def module_of(value) -> str:
    """The module of the object's type (never runs the object's code)."""
    try:
        return type(value).__module__ or ""
    except Exception:  # noqa: BLE001 - odd user objects are skipped
        return ""


def rows_of(value, named=False):
    """(length, get(i)) for a container of conversations, or None.

    Only known containers are read unless the variable was named by the
    user (then any object with len() and integer indexing is tried).
    """
    module = module_of(value).split(".")[0]
    if isinstance(value, (list, tuple)):
        return len(value), value.__getitem__
    if module == "datasets":
        if type(value).__name__ == "DatasetDict":
            try:
                splits = dict(value)
                split = splits["train"] if "train" in splits else None
                split = split if split is not None else next(iter(splits.values()))
            except Exception:  # noqa: BLE001 - odd objects are skipped
                return None
            return rows_of(split, named)
        if type(value).__name__ != "Dataset":
            return None  # IterableDataset: no length, may stream
        if "messages" not in (value.column_names or []):
            return None
        # Only the messages column is decoded (not images or long fields).
        column = value.select_columns(["messages"])
        return len(column), column.__getitem__
    if module == "pandas":
        name = type(value).__name__
        if name == "DataFrame":
            if "messages" not in value.columns:
                return None
            column = value["messages"]
            return len(column), lambda i: {"messages": column.iloc[i]}
        if name == "Series":
            return len(value), value.iloc.__getitem__
        return None
    if named and not isinstance(value, (str, bytes, dict)):
        try:
            length = len(value)
            value[0] if length else None
        except Exception:  # noqa: BLE001 - not indexable: not usable
            return None
        return length, value.__getitem__
    return None


def candidate_indices(length):
    """The first HEAD indices and SPREAD more spread over the rest."""
    head = list(range(min(length, HEAD)))
    if length <= HEAD:
        return head
    step = (length - HEAD) / SPREAD
    spread = {HEAD + int(step * k) for k in range(SPREAD)} | {length - 1}
    return head + sorted(spread)


def as_conversation(item):
    """The list of messages of a row or conversation, or None."""
    if isinstance(item, dict):
        item = item.get("messages")
    if module_of(item).split(".")[0] == "numpy" and hasattr(item, "tolist"):
        item = item.tolist()  # pandas keeps list cells as arrays sometimes
    if (
        isinstance(item, (list, tuple))
        and item
        and all(isinstance(m, dict) and "role" in m for m in item)
    ):
        return list(item)
    return None


# Roles chat templates know; another role is a data problem, not a renderer's.
ROLES = ("system", "user", "assistant", "tool", "developer", "ipython", "function")


def malformed(messages):
    """Why a conversation is not well-formed chat data, or None."""
    for n, m in enumerate(messages):
        role = m.get("role")
        if role not in ROLES:
            return f"message {n} has role {str(role)[:40]!r}"
        content = m.get("content")
        if content is None and not (role == "assistant" and m.get("tool_calls")):
            return f"message {n} ({role}) has no content"
        if not isinstance(content, (str, list, type(None))):
            return f"message {n} ({role}) has content of type {type(content).__name__}"
    return None


def has_reasoning(messages):
    """Whether an assistant turn carries reasoning (a field, a thinking
    part, or a think block in its text)."""
    for m in messages:
        if m.get("role") != "assistant":
            continue
        if m.get("thinking") or m.get("reasoning_content") or m.get("reasoning"):
            return True
        content = m.get("content")
        if isinstance(content, str) and "<think>" in content:
            return True
        if isinstance(content, list) and any(
            isinstance(p, dict) and p.get("type") == "thinking" for p in content
        ):
            return True
    return False


def has_tool_calls(messages):
    return any(m.get("tool_calls") or m.get("role") == "tool" for m in messages)


def choose(found):
    """Up to SAMPLE (index, messages) from (index, messages) candidates in
    reading order: the first, the first with reasoning, the first with tool
    calls, and the last one read from further in the data."""
    if not found:
        return []
    picked = [found[0]]
    for test in (has_reasoning, has_tool_calls):
        if not any(test(m) for _, m in picked):
            hit = next(((i, m) for i, m in found if test(m)), None)
            if hit is not None:
                picked.append(hit)
    rest = [f for f in found if f not in picked]
    if rest and len(picked) < SAMPLE:
        picked.append(rest[-1])
    for extra in rest:
        if len(picked) >= SAMPLE:
            break
        if extra not in picked:
            picked.append(extra)
    return sorted(picked[:SAMPLE], key=lambda f: f[0])


def sample_messages(value, named=False):
    """Up to SAMPLE (index, messages) pairs from a value, and why none
    (None when some were found, else a short reason)."""
    if isinstance(value, dict) and "messages" in value:
        value = [value]
    if isinstance(value, (list, tuple)) and value:
        if isinstance(value[0], dict) and "role" in value[0]:
            value = [value]
    rows = rows_of(value, named)
    if rows is None:
        return [], "holds no conversations"
    length, get = rows
    if not length:
        return [], "is empty"
    found = []
    for i in candidate_indices(length):
        try:
            messages = as_conversation(get(i))
        except Exception:  # noqa: BLE001 - a bad row is skipped
            messages = None
        if messages is not None:
            found.append((i, messages))
    if not found:
        return [], "holds no conversations in the rows read"
    return choose(found), None


def sample_file(path):
    """Up to SAMPLE (where: "line N" or "byte N", messages) from a JSONL
    file, and why none. At most FILE_LINES lines and FILE_BYTES bytes are
    read from the start and FILE_BYTES more by the seeks across the rest; a
    line cut by a byte limit is left out, never parsed."""
    found = []
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(0)
            read = _read_head(handle, size, found)
            if read < size:
                _read_spread(handle, size, read, found)
    except OSError as error:
        return [], f"cannot be read ({error.strerror or error})"
    if not found:
        return [], "has no JSON rows with a messages list in the lines read"
    numbered = [(k, m) for k, (_, m) in enumerate(found)]
    lines = [n for n, _ in found]
    return [(lines[k], m) for k, m in choose(numbered)], None


def _read_head(handle, size, found):
    """Read the first lines within the budgets; return the bytes read."""
    read = 0
    for i in range(FILE_LINES):
        if read >= FILE_BYTES:
            break
        line = handle.readline(FILE_BYTES - read)
        if not line:
            break
        read += len(line)
        if not _complete(handle, line, size):
            break  # the byte budget ends inside this line
        _add_line(found, f"line {i + 1}", line)
    return read


def _read_spread(handle, size, start, found):
    """Seek SPREAD times across the rest of the file: each seek lands
    mid-line, skips to the next line start and reads that line, all within
    one FILE_BYTES budget."""
    budget = FILE_BYTES
    for k in range(1, SPREAD + 1):
        if budget <= 0:
            break
        handle.seek(start + (size - start) * k // (SPREAD + 1))
        skipped = handle.readline(min(SKIP_BYTES, budget))
        budget -= len(skipped)
        if not skipped.endswith(b"\n") or budget <= 0:
            continue  # landed in a line too long to skip, or at the end
        at = handle.tell()
        line = handle.readline(budget)
        budget -= len(line)
        if line and _complete(handle, line, size):
            _add_line(found, f"byte {at}", line)


def _complete(handle, line, size):
    """Whether a line read with a byte limit is whole (ends the line or the
    file)."""
    return line.endswith(b"\n") or handle.tell() >= size


def _add_line(found, where, line):
    if any(w == where for w, _ in found):
        return
    try:
        row = json.loads(line)
    except ValueError:
        return
    messages = as_conversation(row) if isinstance(row, dict) else None
    if messages is not None:
        found.append((where, messages))
