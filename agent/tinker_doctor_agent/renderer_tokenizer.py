"""Which tokenizer the renderer check compares with, found without network.

Part of the renderer check (see renderer_check.py): a given folder, the live
renderer's own tokenizer, a tokenizer object in the namespace, else the
model's files in the local Hugging Face cache, found by reading the cache
folder (`models--Org--Name/refs/main`, `snapshots/<commit>/`) and loaded from
that snapshot folder. Nothing here calls the Hugging Face Hub: `transformers`
only ever gets a local folder, so no request (not even the hub client's own
start-up ones) is made.
"""

import os
import re

from . import renderer_find as find

# Files that make a folder a tokenizer folder.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model")
# Longest error text kept from a failed load.
MAX_ERROR = 600


def find_tokenizer(args, live, namespace, model):
    """(tokenizer, source) or (None, reason); never downloads."""
    path = args.get("tokenizerPath")
    if path:
        path = str(path)
        if os.path.isdir(os.path.expanduser(path)):
            return load_folder(os.path.expanduser(path), f"path {path}")
        folder, why = cached_snapshot(path)
        if folder is None:
            return None, (
                f"tokenizerPath {path!r} is neither a folder nor a model in the "
                f"local Hugging Face cache ({why}); nothing was downloaded"
            )
        return load_folder(folder, f"local Hugging Face cache ({path})")
    if live and live.get("tokenizer") is not None:
        return live["tokenizer"], "the renderer's tokenizer ({})".format(
            live["variable"]
        )
    found = [
        (key, value)
        for key, value in list(namespace.items())
        if not key.startswith("_") and find.is_tokenizer(value)
    ]
    picked = _matching(found, model)
    if picked is not None:
        return picked[1], f"tokenizer in the namespace ({picked[0]})"
    if len(found) == 1:
        key, value = found[0]
        path = str(find.attr(value, "name_or_path", "") or "")
        return value, (
            f"tokenizer in the namespace ({key}, loaded from {path!r}: "
            f"the only tokenizer found, assumed to be {model}'s)"
        )
    if not model:
        return None, "no model found: name it in a cell or pass it to the check"
    base = model.split(":", 1)[0]
    candidates = [base]
    if base.startswith("meta-llama/Llama-3"):
        candidates.append("thinkingmachineslabinc/meta-llama-3-instruct-tokenizer")
    reasons = []
    for name in candidates:
        folder, why = cached_snapshot(name)
        if folder is None:
            reasons.append(f"{name}: {why}")
            continue
        tokenizer, reason = load_folder(folder, f"local Hugging Face cache ({name})")
        if tokenizer is not None:
            return tokenizer, reason
        reasons.append(reason)
    return None, (
        "the tokenizer of {} is not available offline (nothing was downloaded, "
        "no network was used): load it once in this kernel (get_tokenizer) or "
        "give a local path. {}".format(model, "; ".join(reasons))
    )


def _matching(found, model):
    """The (key, tokenizer) loaded for the model: with no model the first;
    else the first loaded from exactly the model id, else the first whose
    path ends in the model's name, else the first whose path contains it
    (a tokenizer of Qwen/Qwen3-8B-Base is taken for Qwen/Qwen3-8B only when
    no better match exists); None when none matches."""
    if not found:
        return None
    if not model:
        return found[0]
    base = model.split(":", 1)[0]
    short = base.rsplit("/", 1)[-1].lower()
    paths = [
        (key, value, str(find.attr(value, "name_or_path", "") or ""))
        for key, value in found
    ]
    tests = (
        lambda path: path == base,
        lambda path: bool(short)
        and path.replace("\\", "/").rstrip("/").lower().rsplit("/", 1)[-1] == short,
        lambda path: bool(short) and short in path.lower(),
    )
    for test in tests:
        for key, value, path in paths:
            if test(path):
                return key, value
    return None


def hub_cache():
    """The Hugging Face hub cache folder, as huggingface_hub resolves it
    (its constants, read without any request), else from the environment."""
    try:
        from huggingface_hub import constants

        return str(constants.HF_HUB_CACHE)
    except Exception:  # noqa: BLE001 - no hub client: the documented default
        pass
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "huggingface",
    )
    return os.path.join(home, "hub")


def cached_snapshot(model, cache=None):
    """(snapshot folder with tokenizer files, None) or (None, why not), by
    reading the cache folder only."""
    name, _, revision = str(model).partition("@")
    if not re.fullmatch(r"[\w.\-]+/[\w.\-]+", name):
        return None, "not an org/name model id"
    cache = cache or hub_cache()
    repo = os.path.join(cache, "models--" + name.replace("/", "--"))
    snapshots = os.path.join(repo, "snapshots")
    if not os.path.isdir(snapshots):
        return None, f"not in the local Hugging Face cache ({cache})"
    wanted = []
    ref = revision or "main"
    try:
        with open(os.path.join(repo, "refs", ref), encoding="utf-8") as handle:
            wanted.append(handle.read().strip())
    except OSError:
        if re.fullmatch(r"[0-9a-f]{40}", ref):
            wanted.append(ref)
    try:
        others = sorted(
            os.listdir(snapshots),
            key=lambda d: os.path.getmtime(os.path.join(snapshots, d)),
            reverse=True,
        )
    except OSError:
        others = []
    for commit in wanted + [d for d in others if not revision]:
        folder = os.path.join(snapshots, commit)
        if any(os.path.isfile(os.path.join(folder, f)) for f in TOKENIZER_FILES):
            return folder, None
    return None, (
        f"in the local Hugging Face cache ({cache}) without tokenizer files "
        f"({', '.join(TOKENIZER_FILES)})"
    )


def load_folder(folder, label):
    """(tokenizer, label) from a local folder, or (None, a complete reason)."""
    present = [f for f in TOKENIZER_FILES if os.path.isfile(os.path.join(folder, f))]
    if not present:
        return None, (
            f"{label}: the folder has no tokenizer files (expected one of "
            f"{', '.join(TOKENIZER_FILES)})"
        )
    try:
        from transformers import AutoTokenizer
    except Exception as error:  # noqa: BLE001 - the check reports, never raises
        return None, f"transformers is not importable: {error}"
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            folder, local_files_only=True, trust_remote_code=False
        )
        return tokenizer, label
    except Exception as error:  # noqa: BLE001 - the check reports, never raises
        text = " ".join(str(error).split()) or type(error).__name__
        if len(text) > MAX_ERROR:
            text = text[: MAX_ERROR - 1] + "…"
        return None, (
            f"{label}: the tokenizer in {folder} could not be loaded "
            f"({type(error).__name__}: {text})"
        )
