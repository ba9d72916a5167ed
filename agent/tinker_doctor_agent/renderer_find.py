"""Where the renderer check looks: the user's namespace (live renderers,
clients, cookbook configs, conversations) and the notebook's cell sources
(renderer names, model ids, `apply_chat_template` options)."""

import ast
import re
import warnings

from . import cells
from . import renderer_sample as sampling
from .renderer_sample import module_of
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

# Modules whose classes count as tokenizers (a class in the object's MRO must
# come from one of them and define apply_chat_template itself).
TOKENIZER_MODULES = (
    "transformers.",
    "transformers_modules.",
    "tokenizers.",
    "tinker_cookbook.",
    "tiktoken.",
    "mistral_common.",
)


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


def attr(value, name, default=None):
    """getattr that survives any user object (a __getattr__ may raise
    anything, not only AttributeError)."""
    try:
        return getattr(value, name, default)
    except Exception:  # noqa: BLE001 - odd user objects are skipped
        return default


def is_tokenizer(value):
    """A real tokenizer: a class from transformers, tokenizers, the cookbook
    (or tiktoken / mistral_common) in its MRO defines apply_chat_template.
    Mocks and proxies, which answer any attribute, are not tokenizers."""
    try:
        if isinstance(value, type):
            return False
        for klass in type(value).__mro__:
            module = (klass.__module__ or "") + "."
            if module.startswith(TOKENIZER_MODULES) and (
                "apply_chat_template" in vars(klass)
            ):
                return True
    except Exception:  # noqa: BLE001 - odd user objects are skipped
        return False
    return False


def history(namespace, cells=()):
    """Cell sources in execution order: IPython's input history (`_ih`)
    when the namespace has it, else the given cell sources."""
    inputs = namespace.get("_ih")
    if isinstance(inputs, list) and any(isinstance(t, str) and t for t in inputs):
        return [t for t in inputs if isinstance(t, str)]
    return list(cells)


def bound_order(names, sources):
    """{name: (cell index, line)} of the last binding of each name in the
    sources (in execution order); names never bound are left out.

    Each source is parsed with `ast` (IPython magic and shell lines blanked
    first); a source that still does not parse is scanned line by line.
    """
    wanted = set(names)
    out = {}
    for index, text in enumerate(sources):
        code = _without_magics(text)
        try:
            with warnings.catch_warnings():
                # Invalid escapes in the user's strings: not ours to show.
                warnings.simplefilter("ignore")
                tree = ast.parse(code)
            bound = _bindings(tree)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            bound = _scanned_bindings(code)
        last = {}
        for name, line in bound:
            if name in wanted and line >= last.get(name, -1):
                last[name] = line
        out.update({name: (index, line) for name, line in last.items()})
    return out


_MAGIC = re.compile(r"^([ \t]*)[%!].*$", re.MULTILINE)


def _without_magics(text):
    """The source with IPython magic (%, %%) and shell (!) lines replaced by
    `pass` at the same indent (line numbers kept)."""
    return _MAGIC.sub(lambda m: m.group(1) + "pass", str(text))


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _bindings(tree):
    """(name, 0-based line) of each name the module-level code binds:
    assignment, augmented and annotated (with a value) assignment targets,
    for and with targets, `:=`, imports, def and class names, except-as.
    Function, class and lambda bodies and comprehension variables have
    their own scope and are not entered."""
    found = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            found.append((node.name, node.lineno - 1))
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    name = alias.asname or alias.name.split(".")[0]
                    found.append((name, node.lineno - 1))
            continue
        if isinstance(node, ast.ExceptHandler) and node.name:
            found.append((node.name, node.lineno - 1))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.append((node.id, node.lineno - 1))
        if isinstance(node, ast.AnnAssign) and node.value is None:
            continue  # `x: int` declares, does not bind
        if isinstance(node, ast.comprehension):
            stack.extend([node.iter, *node.ifs])
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


# The fallback for sources that do not parse. Assignment targets: `a = ...`,
# `a, b = ...`, `a: T = ...`, `a += ...` at the start of a line outside
# brackets (so not a keyword argument), and `for a, b in`, `with ... as a`,
# `(a := ...)` anywhere.
_ASSIGN = re.compile(
    r"^[ \t]*([A-Za-z_][\w \t,]*?)[ \t]*(?::[^=\n]*)?"
    r"(?:[-+*/%&|^@]|//|\*\*|<<|>>)?=(?!=)"
)
_BINDS = re.compile(
    r"\bfor[ \t]+([\w \t,()]+?)[ \t]+in\b|\bas[ \t]+(\w+)|(\w+)[ \t]*:="
)
_QUOTED = re.compile(r"""("|')(?:\\.|(?!\1).)*\1|#.*""")


def _scanned_bindings(text):
    """(name, line) of the bindings a line scan finds (for sources that do
    not parse: less exact than the parser)."""
    found = []
    depth = 0
    for number, line in enumerate(text.splitlines()):
        bare = _QUOTED.sub("", line)
        targets = [m.group(1) for m in [_ASSIGN.match(bare)] if m and not depth]
        targets += [next(g for g in m.groups() if g) for m in _BINDS.finditer(bare)]
        for group in targets:
            found += [(n, number) for n in re.findall(r"[A-Za-z_]\w*", group)]
        depth = max(0, depth + len(re.findall(r"[([{]", bare)))
        depth = max(0, depth - len(re.findall(r"[)\]}]", bare)))
    return found


def most_recent(keys, sources):
    """The key bound most recently per the sources; ties (or names never
    seen assigned) keep the namespace order, last first."""
    order = bound_order(keys, sources)
    ranked = sorted(enumerate(keys), key=lambda p: (order.get(p[1], (-1, -1)), p[0]))
    return [key for _, key in reversed(ranked)]


def live_renderers(namespace):
    """Every cookbook renderer object bound to a public name."""
    found = []
    for key, value in list(namespace.items()):
        if key.startswith("_"):
            continue
        if not module_of(value).startswith("tinker_cookbook.renderers"):
            continue
        if attr(value, "build_generation_prompt") is None:
            continue
        found.append(
            {
                "object": value,
                "name": attr(value, "_renderer_name"),
                "model": attr(value, "_model_name"),
                "tokenizer": attr(value, "tokenizer"),
                "variable": key,
            }
        )
    return found


def find_live_renderer(namespace, sources=()):
    """The most recently bound cookbook renderer object in the namespace
    (per the execution history), with `others`: the other renderers."""
    found = live_renderers(namespace)
    if not found:
        return None
    keys = [f["variable"] for f in found]
    sources = history(namespace, sources)
    order = most_recent(keys, sources)
    by_name = {f["variable"]: f for f in found}
    best = dict(by_name[order[0]])
    best["boundLast"] = order[0] in bound_order([order[0]], sources)
    best["others"] = [{"variable": k, "name": by_name[k]["name"]} for k in order[1:]]
    return best


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
        if depth > 2 or not module_of(obj).startswith("tinker_cookbook"):
            return
        for key in ("model_name", "model_name_for_tokenizer", "renderer_name"):
            value = attr(obj, key)
            if isinstance(value, str) and value and key not in found:
                found[key] = value
        try:
            fields = list(vars(obj).values())
        except Exception:  # noqa: BLE001 - no __dict__ or an odd one
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
        if not module_of(value).startswith("tinker"):
            continue
        name = attr(value, "_base_model")
        info = attr(value, "_info")
        data = attr(info, "model_data")
        name = name or attr(data, "model_name")
        if isinstance(name, str) and name:
            return name
    return None


_STRING = r"""["']([^"'\n]+)["']"""


def model_from_cells(cells, renderer=None):
    """The model id (org/name of a known org) written in the cells that goes
    with the renderer: the one in the cell where the renderer is named
    (nearest to it, before it first), else the nearest one named in an
    earlier cell, else the last one written."""
    pattern = re.compile(
        r"""["']((?:{})/[\w.\-]+)["']""".format(
            "|".join(re.escape(o) for o in MODEL_ORGS)
        )
    )
    models = [
        (index, match.start(), match.group(1))
        for index, text in enumerate(cells)
        for match in pattern.finditer(text)
    ]
    if not models:
        return None
    at = _renderer_position(cells, renderer)
    if at is not None:
        index, offset = at
        same = [m for m in models if m[0] == index]
        if same:
            before = [m for m in same if m[1] < offset]
            if before:
                return before[-1][2]
            return min(same, key=lambda m: m[1] - offset)[2]
        earlier = [m for m in models if m[0] < index]
        if earlier:
            return earlier[-1][2]
    return models[-1][2]


def _renderer_position(cells, renderer):
    """(cell index, offset) of the last place the renderer is named."""
    found = None
    if renderer:
        quoted = re.compile(r"""["']{}["']""".format(re.escape(renderer)))
        for index, text in enumerate(cells):
            for match in quoted.finditer(text):
                found = (index, match.start())
    if found is None:
        for index, text in enumerate(cells):
            for match in _RENDERER_NAME.finditer(text):
                found = (index, match.start())
    return found


_RENDERER_NAME = re.compile(
    rf"get_renderer\(\s*(?:name\s*=\s*)?{_STRING}|renderer_name[\"']?\s*[=:]\s*{_STRING}"
)


def renderer_from_cells(cells):
    """The last renderer name written by hand (get_renderer / renderer_name)."""
    found = None
    for text in cells:
        for match in _RENDERER_NAME.finditer(text):
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


def conversations(args, namespace, sources=()):
    """(conversations, origin, note): a variable of messages (named, or the
    most recently bound one found in the namespace), a JSONL file of
    {"messages": ...} rows, else the built-in set; `note` says why named
    data was not used (None when it was, or when nothing was named)."""
    variable = args.get("messagesVariable")
    path = args.get("messagesFile")
    problems = []
    if variable:
        if not isinstance(variable, str) or variable not in namespace:
            problems.append(
                f"messagesVariable {variable!r} is not defined in the kernel"
            )
        else:
            sample, why = _sample_variable(namespace[variable], True)
            if sample:
                return _labelled(variable, sample), f"variable {variable}", None
            problems.append(f"messagesVariable {variable!r} {why}{_EXPECTED}")
    elif not path:
        public = [k for k in namespace if not k.startswith("_")]
        for name in most_recent(public, history(namespace, sources)):
            sample, _ = _sample_variable(namespace.get(name), False)
            if sample:
                return _labelled(name, sample), f"variable {name}", None
    if path:
        sample, why = sampling.sample_file(str(path))
        if sample:
            found = [(f"{path}:{where}", m) for where, m in sample]
            return found, f"file {path}", None
        problems.append(f"messagesFile {path!r} {why}")
    note = None
    if problems:
        note = "; ".join(problems) + ": compared the built-in conversations instead"
    return [(name, msgs) for name, msgs in BUILTIN], "built-in", note


_EXPECTED = (
    " (expected a list of conversations, rows with a 'messages' list, a "
    "datasets.Dataset with a 'messages' column, or a pandas DataFrame/Series)"
)


def _labelled(name, sample):
    return [(f"{name}[{i}]", m) for i, m in sample]


def _sample_variable(value, named):
    try:
        return sampling.sample_messages(value, named)
    except Exception as error:  # noqa: BLE001 - odd user objects are skipped
        return [], f"could not be read ({type(error).__name__})"


def has_assistant(messages):
    return any(m.get("role") == "assistant" for m in messages)


def without_thinking(messages):
    return [{k: v for k, v in m.items() if k != "thinking"} for m in messages]
