"""The ASGI application: Tinker's HTTP API, faults and the admin endpoints."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from typing import Any, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .faults import CATALOGUE, ActiveFault, FaultSet
from .state import PROTO, FutureRecord, ServerState

Scope = dict[str, Any]
Handler = Callable[[Request], Awaitable[Response]]

CLIENT_CONFIG = {
    # Keep the SDK on plain httpx: the Rust transport is not needed here.
    "use_pyqwest_transport": False,
    "pjwt_auth_enabled": False,
    "sample_use_retrieve_futures": False,
    "sample_join_sampling_session": False,
    "custom_loss_server_side": False,
    "proto_compress_fwdbwd": False,
}

FAULT_BODIES: dict[str, tuple[int, dict[str, Any]]] = {
    "billing-402": (
        402,
        {
            "detail": "Payment required: billing is paused for this organization; "
            "add credits in the Tinker console"
        },
    ),
    "forbidden-403": (403, {"detail": "You do not have access to this model"}),
    "unknown-session-404": (404, {"detail": "Invalid session_id"}),
    "heartbeat-unknown-session": (404, {"detail": "Invalid session_id"}),
    "conflict-409-save": (409, {"detail": "Checkpoint already exists"}),
    "rate-limit-429": (
        429,
        {"detail": "Rate limit exceeded: too many concurrent requests"},
    ),
    "server-error-5xx": (500, {"detail": "Internal server error"}),
}


class DropConnection(Exception):
    """Raised after a partial response so that the server closes the socket."""


class LocalTinkerApp:
    """A Tinker-compatible API over :class:`ServerState`."""

    def __init__(
        self, state: ServerState, faults: FaultSet, poll_hold_s: float = 1.0
    ) -> None:
        self.state = state
        self.faults = faults
        self.poll_hold_s = poll_hold_s
        self.log: deque[dict[str, Any]] = deque(maxlen=5000)
        self.routes: dict[str, Handler] = {
            "/api/v1/healthz": self.healthz,
            "/api/v1/get_server_capabilities": self.get_server_capabilities,
            "/api/v1/client/config": self.client_config,
            "/api/v1/client/dynamic_config": self.dynamic_config,
            "/api/v1/create_session": self.create_session,
            "/api/v1/session_heartbeat": self.session_heartbeat,
            "/api/v1/telemetry": self.telemetry,
            "/api/v1/create_model": self.create_model,
            "/api/v1/get_info": self.get_info,
            "/api/v1/forward_backward": self.forward_backward,
            "/api/v1/optim_step": self.optim_step,
            "/api/v1/save_weights": self.save_weights,
            "/api/v1/save_weights_for_sampler": self.save_weights_for_sampler,
            "/api/v1/load_weights": self.load_weights,
            "/api/v1/create_sampling_session": self.create_sampling_session,
            "/api/v1/asample": self.asample,
            "/api/v1/retrieve_future": self.retrieve_future,
            "/api/v1/cancel_future": self.cancel_future,
        }

    # -- ASGI entry ---------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        path = scope["path"]
        entry = {
            "t": time.time(),
            "method": scope["method"],
            "path": path,
            "type": request.headers.get("x-tinker-request-type"),
            "status": None,
            "fault": None,
        }
        self.log.append(entry)
        if path.startswith("/_admin/"):
            response = await self.admin(request)
        elif not _authorised(request):
            response = JSONResponse({"detail": "Invalid API key"}, status_code=401)
        else:
            fault = self.faults.take(path, entry["type"])
            if fault is not None:
                entry["fault"] = fault.spec.name
                response = await self.apply_fault(fault, request, send, entry)
            else:
                response = await self.route_safely(request)
        entry["status"] = response.status_code
        await response(scope, receive, send)

    async def route_safely(self, request: Request) -> Response:
        """``route``, with a request the handlers cannot use answered 400."""
        try:
            return await self.route(request)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            detail = f"Bad request to {request.url.path}: {type(exc).__name__}: {exc}"
            return JSONResponse({"detail": detail}, status_code=400)

    async def route(self, request: Request) -> Response:
        """Dispatch to an API handler."""
        path = request.url.path
        handler = self.routes.get(path)
        if handler is not None:
            return await handler(request)
        if path.startswith("/api/v1/samplers/"):
            return self.get_sampler(path.rsplit("/", 1)[-1])
        if path.startswith("/api/v1/sessions/") and path.endswith("/finish"):
            return JSONResponse({})
        return JSONResponse({"detail": f"Not found: {path}"}, status_code=404)

    async def apply_fault(
        self, fault: ActiveFault, request: Request, send: Any, entry: dict[str, Any]
    ) -> Response:
        """The response a fault gives instead of (or before) the normal one."""
        name = fault.spec.name
        if name in ("heartbeat-drop", "connection-drop"):
            entry["status"] = "dropped"
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", b"64"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b"{", "more_body": True})
            raise DropConnection(f"{name}: connection dropped on purpose")
        if name in FAULT_BODIES:
            status, body = FAULT_BODIES[name]
            if name == "server-error-5xx":
                status = int(fault.option("status") or 500)
            return JSONResponse(body, status_code=status)
        delay = float(fault.option("delay_s") or 0)
        await asyncio.sleep(delay)
        if name == "try-again-forever":
            rid = (await _json(request)).get("request_id")
            return JSONResponse(
                {"type": "try_again", "request_id": rid, "queue_state": "active"}
            )
        if name == "hang-create":
            return JSONResponse({"queue_state": "active"}, status_code=408)
        if name == "capacity-pause":
            return JSONResponse(
                {
                    "queue_state": "paused_capacity",
                    "queue_state_reason": "Tinker backend is running short on capacity, "
                    "please wait",
                },
                status_code=408,
            )
        # slow-poll and heartbeat-timeout: late, but otherwise normal.
        return await self.route_safely(request)

    # -- admin ----------------------------------------------------------------

    async def admin(self, request: Request) -> Response:
        """``/_admin/faults`` (GET, POST, DELETE), ``/_admin/state``, ``/_admin/log``."""
        path = request.url.path
        if path == "/_admin/faults":
            if request.method == "GET":
                return JSONResponse(
                    {
                        "active": self.faults.describe(),
                        "catalogue": {
                            n: {
                                "summary": s.summary,
                                "triage": s.triage,
                                "cases": s.cases,
                            }
                            for n, s in CATALOGUE.items()
                        },
                    }
                )
            if request.method == "DELETE":
                self.faults.remove(request.query_params.get("name"))
                return JSONResponse({"active": self.faults.describe()})
            body = await _json(request)
            items = body.get("faults", [body])
            parsed = []
            try:
                for item in items:
                    options = {
                        k: v for k, v in item.items() if k not in ("name", "count")
                    }
                    # Validate every item before changing anything.
                    FaultSet().add(item["name"], item.get("count"), **options)
                    parsed.append((item["name"], item.get("count"), options))
            except KeyError as exc:
                return JSONResponse(
                    {"detail": f"unknown fault or missing name: {exc}"}, 400
                )
            except (ValueError, TypeError, AttributeError) as exc:
                return JSONResponse({"detail": f"bad fault options: {exc}"}, 400)
            if body.get("replace"):
                self.faults.remove()
            for name, count, options in parsed:
                self.faults.add(name, count, **options)
            return JSONResponse({"active": self.faults.describe()})
        if path == "/_admin/state":
            now = time.monotonic()
            return JSONResponse(
                {
                    "sessions": {
                        sid: {
                            "heartbeats": s.heartbeats,
                            "lastHeartbeatAgeS": None
                            if s.last_heartbeat is None
                            else now - s.last_heartbeat,
                        }
                        for sid, s in self.state.sessions.items()
                    },
                    "runs": {
                        mid: {"steps": r.steps, "base": r.base.name}
                        for mid, r in self.state.runs.items()
                    },
                    "checkpoints": sorted(self.state.checkpoints),
                    "futures": len(self.state.futures),
                }
            )
        if path == "/_admin/log":
            return JSONResponse({"log": list(self.log)})
        return JSONResponse({"detail": "unknown admin endpoint"}, status_code=404)

    # -- service ---------------------------------------------------------------

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def get_server_capabilities(self, request: Request) -> Response:
        return JSONResponse(self.state.capabilities())

    async def client_config(self, request: Request) -> Response:
        return JSONResponse(CLIENT_CONFIG)

    async def dynamic_config(self, request: Request) -> Response:
        return JSONResponse(
            {"refresh_interval_sec": 300, "sample_cancel_enabled": False}
        )

    async def create_session(self, request: Request) -> Response:
        await request.body()
        return JSONResponse(
            {"type": "create_session", "session_id": self.state.create_session()}
        )

    async def session_heartbeat(self, request: Request) -> Response:
        body = await _json(request)
        if not self.state.heartbeat(body.get("session_id", "")):
            return JSONResponse({"detail": "Invalid session_id"}, status_code=404)
        return JSONResponse({"type": "session_heartbeat"})

    async def telemetry(self, request: Request) -> Response:
        await request.body()
        return JSONResponse({"status": "accepted"})

    # -- training ----------------------------------------------------------------

    async def create_model(self, request: Request) -> Response:
        return _submitted(self.state.create_model(await _json(request)))

    async def get_info(self, request: Request) -> Response:
        body = await _json(request)
        info = self.state.info(body.get("model_id", ""))
        if info is None:
            return JSONResponse({"detail": "Unknown model_id"}, status_code=404)
        return JSONResponse(info)

    async def forward_backward(self, request: Request) -> Response:
        raw = await request.body()
        if PROTO not in request.headers.get("content-type", ""):
            return JSONResponse(
                {"detail": "forward_backward expects a protobuf body"}, status_code=415
            )
        try:
            record = self.state.forward_backward(raw)
        except Exception as exc:  # a body that does not parse
            return JSONResponse({"detail": f"Bad request: {exc}"}, status_code=422)
        return _submitted(record)

    async def optim_step(self, request: Request) -> Response:
        return _submitted(self.state.optim_step(await _json(request)))

    async def save_weights(self, request: Request) -> Response:
        return _submitted(self.state.save(await _json(request), for_sampler=False))

    async def save_weights_for_sampler(self, request: Request) -> Response:
        return _submitted(self.state.save(await _json(request), for_sampler=True))

    async def load_weights(self, request: Request) -> Response:
        return _submitted(self.state.load_weights(await _json(request)))

    # -- sampling ----------------------------------------------------------------

    async def create_sampling_session(self, request: Request) -> Response:
        status, body = self.state.create_sampler(await _json(request))
        return JSONResponse(body, status_code=status)

    def get_sampler(self, sampler_id: str) -> Response:
        sampler = self.state.samplers.get(sampler_id)
        if sampler is None:
            return JSONResponse({"detail": "Unknown sampler"}, status_code=404)
        return JSONResponse(
            {
                "sampler_id": sampler_id,
                "base_model": sampler.base.name,
                "model_path": sampler.model_path,
            }
        )

    async def asample(self, request: Request) -> Response:
        record, ids = self.state.sample(await _json(request))
        if record is None:
            return JSONResponse(
                {"detail": "Unknown sampling_session_id"}, status_code=404
            )
        return JSONResponse(
            {"request_id": record.request_id, "sample_sequence_ids": ids}
        )

    # -- futures -----------------------------------------------------------------

    async def retrieve_future(self, request: Request) -> Response:
        """Hold the poll until the result is ready, at most ``poll_hold_s``."""
        body = await _json(request)
        record = self.state.futures.get(body.get("request_id", ""))
        if record is None:
            return JSONResponse({"detail": "Unknown request_id"}, status_code=404)
        record.polls += 1
        wait = record.ready_at - time.monotonic()
        if wait > self.poll_hold_s:
            await asyncio.sleep(self.poll_hold_s)
            return JSONResponse({"queue_state": "active"}, status_code=408)
        if wait > 0:
            await asyncio.sleep(wait)
        if record.conflict is not None:
            return JSONResponse({"detail": record.conflict}, status_code=409)
        status, payload, kind = record.response()
        if kind == PROTO:
            assert isinstance(payload, bytes)
            return Response(payload, status_code=status, media_type=PROTO)
        return JSONResponse(payload, status_code=status)

    async def cancel_future(self, request: Request) -> Response:
        await request.body()
        return JSONResponse({})


def _authorised(request: Request) -> bool:
    key = request.headers.get("x-api-key", "")
    return key.startswith("tml-")


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _submitted(record: FutureRecord) -> Response:
    return JSONResponse({"request_id": record.request_id})
