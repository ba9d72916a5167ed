"""The snapshot: versions, environment, threads, SDK state, clients.

`collect()` returns a `tinker-doctor/facts@1` dict. It never imports
`tinker`, never starts the SDK's thread, never raises: each section that
fails is replaced by an `errors` entry naming the section.
"""

import os
import platform
import re
import sys
import threading
import time

from . import cells, sdk_state

SCHEMA = "tinker-doctor/facts@1"

PACKAGES = (
    "tinker",
    "tinker-cookbook",
    "pydantic",
    "pydantic-core",
    "transformers",
    "tokenizers",
    "torch",
    "numpy",
    "httpx",
)
REQUIREMENT_OWNERS = ("tinker", "tinker-cookbook")

_ENV_PREFIXES = ("TINKER_", "CLOUDFLARE_ACCESS_", "HF_", "HUGGING_FACE_")
_ENV_NAMES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")
_SECRET_NAME = re.compile(
    r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|PRIVATE|CLIENT_ID|JWT|SIGNATURE",
    re.IGNORECASE,
)
_SECRET_VALUE = re.compile(r"^(tml-|eyJ|hf_|sk-|ghp_|gho_|xox[bp]-|AKIA)")
_URL_CREDENTIALS = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/@\s]*@)")
# `?name=value` / `&name=value`: the same names as the engine's redaction.
_QUERY_PARAM = re.compile(r"([?&;])([\w.-]+)=([^&#\s'\"<>]*)")
_SECRET_PARAM = re.compile(
    r"token|key|secret|pass(word|wd)?|pwd|signature|^sig$|auth|credential|session",
    re.IGNORECASE,
)

_WAIT_FUNCTIONS = {
    ("threading.py", "wait"),
    ("threading.py", "_wait_for_tstate_lock"),
    ("threading.py", "join"),
    ("selectors.py", "select"),
    ("queue.py", "get"),
    ("_base.py", "result"),
    ("_base.py", "wait"),
    ("base_events.py", "_run_once"),
    ("socket.py", "accept"),
    ("socket.py", "readinto"),
    ("poll.py", "poll"),
    ("ioloop.py", "start"),
}

_agent_idents = set()


def register_agent_thread(ident):
    """Mark a thread as the agent's own (reported with `agent: true`)."""
    _agent_idents.add(ident)


def unregister_agent_thread(ident):
    """Forget an agent thread."""
    _agent_idents.discard(ident)


def looks_like_secret(value):
    """Whether a value looks like a credential (key prefix or long random)."""
    if _SECRET_VALUE.match(value):
        return True
    compact = value.strip()
    if len(compact) >= 24 and re.fullmatch(r"[A-Za-z0-9_\-+=.]+", compact):
        has_digit = any(c.isdigit() for c in compact)
        has_alpha = any(c.isalpha() for c in compact)
        return has_digit and has_alpha
    return False


def _redact_query(match):
    sep, name, value = match.group(1), match.group(2), match.group(3)
    if not value or not _SECRET_PARAM.search(name):
        return match.group(0)
    return "%s%s=<redacted>" % (sep, name)


def redact_url(value):
    """Hide the user:password part and secret query values of each URL."""
    parts = []
    for item in value.split(","):
        item = _URL_CREDENTIALS.sub(r"\1<redacted>@", item.strip())
        parts.append(_QUERY_PARAM.sub(_redact_query, item))
    return ",".join(parts)


def env_value(name, value):
    """The reported value of one environment variable (secrets as <set>)."""
    if value == "":
        return ""
    if _SECRET_NAME.search(name) or looks_like_secret(value):
        return "<set>"
    if "PROXY" in name.upper() or "URL" in name.upper() or "://" in value:
        return redact_url(value)
    return value


def env_facts(environ=None):
    """Tinker-related environment variables, secret values as <set>."""
    environ = os.environ if environ is None else environ
    out = {}
    for name, value in environ.items():
        upper = name.upper()
        if upper.startswith(_ENV_PREFIXES) or upper in _ENV_NAMES:
            out[name] = env_value(name, value)
    return dict(sorted(out.items()))


def package_versions():
    """Installed versions of the packages the engine checks (None = absent)."""
    import importlib.metadata as md

    out = {}
    for name in PACKAGES:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
        except Exception:
            out[name] = None
    return out


def requirements():
    """Requirement strings declared by the installed tinker and cookbook."""
    import importlib.metadata as md

    out = {}
    for name in REQUIREMENT_OWNERS:
        try:
            out[name] = list(md.requires(name) or [])
        except md.PackageNotFoundError:
            continue
        except Exception:
            continue
    return out


def python_facts():
    """Interpreter version, executable and switch interval."""
    return {
        "version": platform.python_version(),
        "executable": sys.executable,
        "switchInterval": sys.getswitchinterval(),
    }


def _state_from_top(stack):
    if not stack:
        return None
    top = stack[-1]
    base = os.path.basename(top.get("file") or "")
    if (base, top.get("function")) in _WAIT_FUNCTIONS:
        return "waiting"
    return None


def is_waiting(stack):
    """Whether a stack (innermost last) ends in a known blocking wait."""
    return _state_from_top(stack) == "waiting"


def _cpu_states(idents, window=0.003):
    """running/waiting per thread ident from their CPU clocks over `window`."""
    clocks = {}
    for ident in idents:
        try:
            clocks[ident] = time.pthread_getcpuclockid(ident)
        except Exception:
            continue
    before = {}
    for ident, clk in clocks.items():
        try:
            before[ident] = time.clock_gettime(clk)
        except Exception:
            pass
    time.sleep(window)
    out = {}
    for ident, start in before.items():
        try:
            used = time.clock_gettime(clocks[ident]) - start
        except Exception:
            continue
        out[ident] = "running" if used > window * 0.3 else "waiting"
    return out


def thread_facts():
    """Every Python thread with role, state and stack (innermost last)."""
    frames = sys._current_frames()
    me = threading.get_ident()
    main = threading.main_thread()
    sdk_thread, _ = sdk_state.thread_and_loop()
    out = []
    unknown = []
    for thread in threading.enumerate():
        ident = thread.ident
        if thread is main:
            role = "main"
        elif thread is sdk_thread or sdk_state.is_sdk_thread(thread):
            role = "sdk"
        else:
            role = "other"
        stack = cells.stack_fact(frames.get(ident)) if ident in frames else []
        fact = {
            "name": thread.name,
            "ident": ident,
            "daemon": bool(thread.daemon),
            "role": role,
            "stack": stack,
        }
        if ident in _agent_idents or thread.name.startswith("tinker-doctor"):
            fact["agent"] = True
        if ident == me:
            fact["state"] = "running"
            fact["probing"] = True
        else:
            state = _state_from_top(stack)
            if state is None:
                unknown.append(ident)
            fact["state"] = state or "unknown"
        out.append(fact)
    if unknown:
        states = _cpu_states(unknown)
        for fact in out:
            if fact["state"] == "unknown" and fact["ident"] in states:
                fact["state"] = states[fact["ident"]]
    return out


def user_namespace():
    """IPython's user namespace, or None outside IPython."""
    return getattr(cells.shell(), "user_ns", None)


CLIENT_KINDS = ("ServiceClient", "TrainingClient", "SamplingClient", "RestClient")

# id(client object) -> cell id where the agent first saw it in the namespace.
_client_cells = {}


def _client_kind(obj):
    cls = type(obj)
    if not (getattr(cls, "__module__", "") or "").startswith("tinker"):
        return None
    for klass in cls.__mro__:
        if klass.__name__ in CLIENT_KINDS:
            return klass.__name__
    return None


def _attrs(obj):
    attrs = getattr(obj, "__dict__", None)
    return attrs if isinstance(attrs, dict) else {}


def _holder_of(obj, kind):
    attrs = _attrs(obj)
    if kind == "ServiceClient":
        # Never the `holder` property: it creates a session holder.
        return attrs.get("_session_holder") or attrs.get("_rest_holder")
    return attrs.get("holder")


def _base_model(obj, kind):
    if kind == "SamplingClient":
        value = _attrs(obj).get("_base_model")
        return value if isinstance(value, str) else None
    if kind == "TrainingClient":
        info = _attrs(obj).get("_info")
        data = getattr(info, "model_data", None)
        value = getattr(data, "model_name", None)
        return value if isinstance(value, str) else None
    return None


def find_clients(namespace=None):
    """(client facts, their holders) for Tinker clients bound to user names."""
    if "tinker" not in sys.modules:
        return [], []
    namespace = user_namespace() if namespace is None else namespace
    if not namespace:
        return [], []
    facts, holders = [], []
    for name, obj in list(namespace.items()):
        if name.startswith("_"):
            continue
        try:
            kind = _client_kind(obj)
        except Exception:
            kind = None
        if kind is None:
            continue
        holder = _holder_of(obj, kind)
        if holder is not None:
            holders.append(holder)
        session = getattr(holder, "_session_id", None) if holder is not None else None
        facts.append(
            {
                "kind": kind,
                "variable": name,
                "baseModel": _base_model(obj, kind),
                "sessionId": session if isinstance(session, str) else None,
                "createdInCellId": _client_cells.get(id(obj)),
            }
        )
    return facts, holders


def note_clients_after_cell(cell_id, namespace=None):
    """Remember the cell in which each client first appeared (post_run_cell)."""
    if "tinker" not in sys.modules:
        return
    namespace = user_namespace() if namespace is None else namespace
    if not namespace:
        return
    live = set()
    for name, obj in list(namespace.items()):
        if name.startswith("_"):
            continue
        try:
            if _client_kind(obj) is None:
                continue
        except Exception:
            continue
        live.add(id(obj))
        _client_cells.setdefault(id(obj), cell_id)
    for key in [k for k in _client_cells if k not in live]:
        del _client_cells[key]


def sdk_facts(holders=(), lag=True):
    """The SDK section: imported, thread, loop, lag, tasks, heartbeat."""
    now = time.monotonic()
    out = {"imported": sdk_state.imported()}
    thread, loop = sdk_state.thread_and_loop()
    single = sdk_state.singleton()
    if single is not None:
        started = getattr(single, "_started", None)
        if isinstance(started, bool):
            out["started"] = started
    out["threadAlive"] = bool(thread is not None and thread.is_alive())
    running = sdk_state.loop_running(loop)
    out["loopRunning"] = running
    task_list = sdk_state.tasks(loop) if loop is not None else []
    sdk_state.note_tasks(task_list, now)
    if running and lag and threading.current_thread() is not thread:
        value = sdk_state.measure_lag(loop)
        if value is not None:
            out["loopLagMs"] = value
    out["pendingTasks"] = sdk_state.task_facts(task_list, now)
    out["lastHeartbeatAgeS"] = sdk_state.heartbeat_age(task_list, now)
    out["baseUrlIsDefault"] = sdk_state.base_url_is_default(holders)
    return out


def _watchdog_facts():
    mod = sys.modules.get(__name__.rpartition(".")[0] + ".watchdog")
    if mod is None:
        return {}
    try:
        return mod.facts()
    except Exception:
        return {}


def _checks():
    pkg = sys.modules.get(__name__.rpartition(".")[0])
    checks = getattr(pkg, "CHECKS", None)
    return dict(checks) if isinstance(checks, dict) else {}


def collect():
    """All facts as a JSON-able dict (`tinker-doctor/facts@1`)."""
    facts = {"schema": SCHEMA}
    errors = {}

    def section(key, fn):
        try:
            facts[key] = fn()
        except Exception as exc:  # never raise into the caller
            errors[key] = "%s: %s" % (type(exc).__name__, exc)

    section("python", python_facts)
    section("packages", package_versions)
    section("requirements", requirements)
    section("env", env_facts)
    section("threads", thread_facts)
    holders = []
    try:
        clients, holders = find_clients()
        facts["clients"] = clients
        models = sorted({c["baseModel"] for c in clients if c.get("baseModel")})
        facts["modelsInUse"] = models
    except Exception as exc:
        errors["clients"] = "%s: %s" % (type(exc).__name__, exc)
    section("sdk", lambda: sdk_facts(holders))
    wd = _watchdog_facts()
    for key in ("stalls", "waits"):
        facts[key] = wd.get(key, [])
    if wd.get("watchdog"):
        facts["watchdog"] = wd["watchdog"]
    section("cellRuns", cells.runs_fact)
    section("checks", _checks)
    if errors:
        facts["errors"] = errors
    facts["collectedAt"] = time.time()
    return facts
