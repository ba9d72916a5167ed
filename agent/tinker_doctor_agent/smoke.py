"""The smoke check: is the configured Tinker service reachable, and fast?

``run(args)`` times one capabilities round-trip against the base URL the SDK
would use (``TINKER_BASE_URL`` or the SDK's default) and, when
``args["createClient"]`` is true, a small training-client creation. Both run
in daemon threads and are abandoned after their timeouts, so a hung service
never hangs the kernel. Standard library only, plus the user's own
``tinker``, imported here only because the user asked for the check. Never
prints, never raises.

Arguments (all optional): ``timeoutS`` (capabilities, default 10),
``createClient`` (default false), ``baseModel`` (default: the first trainable
model the server lists), ``creationTimeoutS`` (default 60).
"""

import os
import re
import threading
import time

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_CREATION_TIMEOUT_S = 60.0
_KEY_PATTERN = re.compile(r"(tml-|eyJ)[A-Za-z0-9._\-]+")


def run(args=None):
    """Run the check; returns the ``facts.checks.smoke`` dict (never raises)."""
    try:
        return _run(args if isinstance(args, dict) else {})
    except BaseException as exc:  # the check must never raise into the kernel
        return {
            "reachable": False,
            "roundTripMs": None,
            "models": None,
            "error": _describe(exc),
            "baseUrl": _safe_url(os.environ.get("TINKER_BASE_URL") or ""),
            "baseUrlIsDefault": not os.environ.get("TINKER_BASE_URL"),
            "creation": None,
        }


def _run(args):
    timeout = _number(args.get("timeoutS"), DEFAULT_TIMEOUT_S)
    result = {
        "reachable": False,
        "roundTripMs": None,
        "models": None,
        "error": None,
        "baseUrl": "",
        "baseUrlIsDefault": True,
        "creation": None,
    }
    env_url = (os.environ.get("TINKER_BASE_URL") or "").strip()
    try:
        from tinker.lib.base_url import DEFAULT_BASE_URL, resolve_base_url

        base_url = resolve_base_url(None)
        result["baseUrlIsDefault"] = base_url == DEFAULT_BASE_URL.rstrip("/")
    except BaseException as exc:
        result["baseUrl"] = _safe_url(env_url)
        result["baseUrlIsDefault"] = not env_url
        result["error"] = _describe(exc)
        return result
    result["baseUrl"] = _safe_url(base_url)

    caps = _in_thread(lambda: _capabilities(base_url, timeout), timeout + 2.0)
    if caps["timedOut"]:
        result["error"] = "TimeoutError: no answer from %s within %g s" % (
            result["baseUrl"],
            timeout,
        )
    elif caps["error"] is not None:
        result["error"] = _describe(caps["error"])
        status = getattr(caps["error"], "status_code", None)
        if isinstance(status, int):
            # The server answered, with an error status: reachable.
            result["reachable"] = True
            result["roundTripMs"] = caps.get("ms")
    else:
        value = caps["value"]
        result["reachable"] = True
        result["roundTripMs"] = value["ms"]
        result["models"] = len(value["models"])
        caps["trainable"] = [m for m, ok in value["models"] if ok]

    if args.get("createClient"):
        result["creation"] = _creation(args, caps, timeout)
    return result


def _capabilities(base_url, timeout):
    """One GET of the capabilities, with no retries, on a private loop."""
    import asyncio

    from tinker._client import AsyncTinker

    async def call():
        kwargs = {
            "base_url": base_url,
            "max_retries": 0,
            "timeout": timeout,
            "_strict_response_validation": True,
        }
        try:
            from tinker.types import ClientConfigResponse

            client = AsyncTinker(
                _client_config=ClientConfigResponse(use_pyqwest_transport=False),
                **kwargs,
            )
        except TypeError:
            client = AsyncTinker(**kwargs)
        try:
            start = time.perf_counter()
            try:
                caps = await client.service.get_server_capabilities()
            except BaseException as exc:
                exc._smoke_ms = round((time.perf_counter() - start) * 1000.0, 1)
                raise
            ms = round((time.perf_counter() - start) * 1000.0, 1)
            models = [_model_entry(m) for m in caps.supported_models]
            return {"ms": ms, "models": models}
        finally:
            try:
                await client.close()
            except BaseException:
                pass

    return asyncio.run(call())


def _model_entry(model):
    """(name, trainable) from a SupportedModel or a plain dict."""
    if isinstance(model, dict):
        return model.get("model_name"), model.get("trainable") is not False
    return getattr(model, "model_name", None), getattr(
        model, "trainable", None
    ) is not False


def _creation(args, caps, timeout):
    """Create a small LoRA training client, giving up after the timeout."""
    limit = _number(args.get("creationTimeoutS"), DEFAULT_CREATION_TIMEOUT_S)
    base_model = args.get("baseModel")
    if not isinstance(base_model, str) or not base_model:
        trainable = caps.get("trainable") or []
        if not trainable:
            return {
                "attempted": False,
                "ok": False,
                "seconds": 0.0,
                "timedOut": False,
                "error": "no trainable model known: the capabilities check did not list one",
            }
        base_model = trainable[0]
    holder = {}

    def create():
        import tinker

        client = tinker.ServiceClient()
        holder["client"] = client
        future = client.create_lora_training_client(base_model=base_model, rank=1)
        holder["future"] = future
        future.result()
        return True

    start = time.monotonic()
    outcome = _in_thread(create, limit)
    seconds = round(time.monotonic() - start, 3)
    if outcome["timedOut"]:
        _abandon(holder)
    else:
        _close(holder, "success" if outcome["error"] is None else "errored")
    error = None
    if outcome["timedOut"]:
        error = (
            "TimeoutError: training-client creation for %s did not finish within %g s"
            % (
                base_model,
                limit,
            )
        )
    elif outcome["error"] is not None:
        error = _describe(outcome["error"])
    return {
        "attempted": True,
        "ok": outcome["error"] is None and not outcome["timedOut"],
        "seconds": seconds,
        "timedOut": outcome["timedOut"],
        "error": error,
    }


def _abandon(holder):
    """Stop polling for a creation we gave up on, if the SDK lets us."""
    future = holder.get("future")
    try:
        inner = future.future() if hasattr(future, "future") else None
        if inner is not None:
            inner.cancel()
    except BaseException:
        pass
    _close(holder, "interrupted")


def _close(holder, status="success"):
    """Finish the check's session without waiting for it.

    ``ServiceClient.close`` takes a lock that a creation stuck in session
    set-up still holds, so it is called from its own daemon thread.
    """
    client = holder.get("client")
    if client is None:
        return

    def close():
        try:
            client.close(status, detail="tinker-doctor smoke check")
        except BaseException:
            pass

    threading.Thread(
        target=close, name="tinker-doctor-smoke-close", daemon=True
    ).start()


def _in_thread(func, timeout):
    """Run ``func`` in a daemon thread; wait at most ``timeout`` seconds."""
    box = {"value": None, "error": None, "timedOut": False}

    def target():
        try:
            box["value"] = func()
        except BaseException as exc:
            box["error"] = exc
            ms = getattr(exc, "_smoke_ms", None)
            if ms is not None:
                box["ms"] = ms

    thread = threading.Thread(target=target, name="tinker-doctor-smoke", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        box["timedOut"] = True
    return box


def _describe(exc):
    """``ExceptionType: message`` with anything that looks like a key removed."""
    text = "%s: %s" % (type(exc).__name__, exc)
    key = os.environ.get("TINKER_API_KEY") or ""
    if key:
        text = text.replace(key, "<redacted>")
    return _KEY_PATTERN.sub("<redacted>", text)[:500]


def _safe_url(url):
    """The URL without user info, query or fragment."""
    try:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = "[%s]" % host
        if parts.port is not None:
            host = "%s:%d" % (host, parts.port)
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except BaseException:
        return ""


def _number(value, default):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return default
    return float(value)
