"""Where the renderer check looks: the user's namespace (live renderers,
clients, cookbook configs, conversations) and the notebook's cell sources
(renderer names, model ids, `apply_chat_template` options)."""

import re

from . import cells
from .renderer_tables import BUILTIN

MODEL_ORGS = (
    "meta-llama",
    "Qwen",
    "deepseek-ai",
    "openai",
    "moonshotai",
    "zai-org",
    "nvidia",
    "thinkingmachines",
)

# Template keyword arguments that select a thinking mode or history handling.
THINKING_KWARGS = (
    "enable_thinking",
    "thinking",
    "keep_history_thinking",
    "truncate_history_thinking",
    "preserve_thinking",
    "reasoning_effort",
)

# How many items of a list are looked at when searching for conversations.
SCAN = 100
# How many conversations of a user's variable are compared.
SAMPLE = 3


def user_namespace():
    try:
        shell = cells.shell()
        return dict(shell.user_ns) if shell is not None else {}
    except Exception:  # noqa: BLE001 - the check reports, never raises
        return {}


def cell_text(cell):
    if isinstance(cell, dict):
        return str(cell.get("source") or "")
    return str(cell)


def find_live_renderer(namespace):
    """The most recently bound cookbook renderer object in the namespace."""
    found = None
    for key, value in list(namespace.items()):
        if key.startswith("_"):
            continue
        module = type(value).__module__ or ""
        if module.startswith("tinker_cookbook.renderers") and hasattr(
            value, "build_generation_prompt"
        ):
            found = {
                "object": value,
                "name": getattr(value, "_renderer_name", None),
                "model": getattr(value, "_model_name", None),
                "tokenizer": getattr(value, "tokenizer", None),
                "variable": key,
            }
    return found


def registered(renderers):
    try:
        return list(renderers.get_registered_renderer_names())
    except Exception:  # noqa: BLE001 - the check reports, never raises
        return []


def from_configs(namespace):
    """model_name / renderer_name of cookbook config objects (and their
    direct fields, e.g. a dataset builder's common config)."""
    found = {}

    def read(obj, depth):
        if depth > 2 or not (type(obj).__module__ or "").startswith("tinker_cookbook"):
            return
        for key in ("model_name", "model_name_for_tokenizer", "renderer_name"):
            value = getattr(obj, key, None)
            if isinstance(value, str) and value and key not in found:
                found[key] = value
        try:
            fields = list(vars(obj).values())
        except TypeError:
            return
        for value in fields[:50]:
            read(value, depth + 1)

    for key, value in list(namespace.items()):
        if not key.startswith("_"):
            read(value, 0)
    return found


def model_from_clients(namespace):
    """Base model of a live Tinker client, read from attributes only."""
    for value in list(namespace.values()):
        module = type(value).__module__ or ""
        if not module.startswith("tinker"):
            continue
        name = getattr(value, "_base_model", None)
        info = getattr(value, "_info", None)
        data = getattr(info, "model_data", None)
        name = name or getattr(data, "model_name", None)
        if isinstance(name, str) and name:
            return name
    return None


_STRING = r"""["']([^"'\n]+)["']"""


def model_from_cells(cells):
    """The last model id (org/name of a known org) written in the cells."""
    pattern = re.compile(
        r"""["']((?:{})/[\w.\-]+)["']""".format(
            "|".join(re.escape(o) for o in MODEL_ORGS)
        )
    )
    found = None
    for text in cells:
        for match in pattern.finditer(text):
            found = match.group(1)
    return found


def renderer_from_cells(cells):
    """The last renderer name written by hand (get_renderer / renderer_name)."""
    pattern = re.compile(
        rf"get_renderer\(\s*(?:name\s*=\s*)?{_STRING}|renderer_name[\"']?\s*[=:]\s*{_STRING}"
    )
    found = None
    for text in cells:
        for match in pattern.finditer(text):
            found = match.group(1) or match.group(2)
    return found


def kwargs_from_cells(cells):
    """Thinking-related keyword arguments of the user's apply_chat_template
    calls, or None when the cells make no such call."""
    found = None
    for text in cells:
        for match in re.finditer(r"apply_chat_template\(", text):
            found = found if found is not None else {}
            depth, end = 1, match.end()
            while end < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            call = text[match.end() : end]
            for key, value in re.findall(
                r"(\w+)\s*=\s*(True|False|\"\w+\"|'\w+')", call
            ):
                if key in THINKING_KWARGS:
                    found[key] = {"True": True, "False": False}.get(
                        value, value.strip("\"'")
                    )
    return found


def conversations(args, namespace):
    """The conversations to compare: a variable of messages (named, or the
    last one found in the namespace), a JSONL file of {"messages": ...}
    rows, else the built-in set."""
    variable = args.get("messagesVariable")
    names = [variable] if variable else []
    if not variable and not args.get("messagesFile"):
        names = [k for k in reversed(list(namespace)) if not k.startswith("_")]
    for name in names:
        sample = sample_messages(namespace.get(name))
        if sample:
            return [(f"{name}[{i}]", m) for i, m in sample], f"variable {name}"
    path = args.get("messagesFile")
    if path:
        sample = sample_file(path)
        if sample:
            return [(f"{path}:{i + 1}", m) for i, m in sample], f"file {path}"
    return [(name, msgs) for name, msgs in BUILTIN], "built-in"


def sample_file(path):
    """Up to SAMPLE (line index, messages) from a JSONL file."""
    import json

    rows = []
    try:
        with open(path, encoding="utf-8") as handle:
            for i, line in enumerate(handle):
                if i >= 1000 or len(rows) >= SAMPLE:
                    break
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if isinstance(row, dict):
                    rows.append((i, row))
    except OSError:
        return []
    out = []
    for i, row in rows:
        found = sample_messages(row)
        if found:
            out.append((i, found[0][1]))
    return out


def has_assistant(messages):
    return any(m.get("role") == "assistant" for m in messages)


def without_thinking(messages):
    return [{k: v for k, v in m.items() if k != "thinking"} for m in messages]


def sample_messages(value):
    """Up to SAMPLE (index, messages) pairs from a list of conversations."""
    if isinstance(value, dict) and "messages" in value:
        value = [value]
    if not isinstance(value, (list, tuple)):
        return []
    if value and isinstance(value[0], dict) and "role" in value[0]:
        value = [value]
    out = []
    for i, item in enumerate(value[:SCAN]):
        if isinstance(item, dict):
            item = item.get("messages")
        if (
            isinstance(item, list)
            and item
            and all(isinstance(m, dict) and "role" in m for m in item)
        ):
            out.append((i, item))
        if len(out) >= SAMPLE:
            break
    return out
