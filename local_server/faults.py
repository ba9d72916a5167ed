"""Fault injection for the local Tinker server.

Each fault is named, documented with the Tinker Doctor TRIAGE code (and the
shared case) it reproduces, and fires on a fixed set of endpoints. A fault can
be limited to a number of hits (``count``) so that a retry can succeed, and
some take a delay. Faults are set per run (``--fault NAME[:key=value,...]``)
or at run time through ``/_admin/faults``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

# Endpoints on which a request is submitted (they answer with a future).
SUBMIT_PATHS = (
    "/api/v1/create_model",
    "/api/v1/forward_backward",
    "/api/v1/optim_step",
    "/api/v1/save_weights",
    "/api/v1/save_weights_for_sampler",
    "/api/v1/load_weights",
    "/api/v1/asample",
)
RETRIEVE = "/api/v1/retrieve_future"
HEARTBEAT = "/api/v1/session_heartbeat"


@dataclass(frozen=True)
class FaultSpec:
    """What a fault does, where it fires and what it diagnoses as."""

    name: str
    summary: str
    triage: str
    cases: str
    paths: tuple[str, ...]
    request_types: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)


CATALOGUE: dict[str, FaultSpec] = {
    spec.name: spec
    for spec in (
        FaultSpec(
            "billing-402",
            "HTTP 402 on submissions and polls: the account is paused for billing",
            "TD303",
            "S18",
            SUBMIT_PATHS + (RETRIEVE,),
        ),
        FaultSpec(
            "forbidden-403",
            "HTTP 403 'You do not have access to this model' on model and "
            "training endpoints",
            "TD506",
            "-",
            SUBMIT_PATHS + ("/api/v1/create_sampling_session",),
        ),
        FaultSpec(
            "unknown-session-404",
            "HTTP 404 'Invalid session_id' on every session-scoped request",
            "TD506",
            "-",
            (
                "/api/v1/create_model",
                "/api/v1/create_sampling_session",
                HEARTBEAT,
                RETRIEVE,
            ),
        ),
        FaultSpec(
            "conflict-409-save",
            "HTTP 409 'checkpoint already exists' when a save is retrieved",
            "TD507",
            "-",
            (RETRIEVE,),
            ("SaveWeights", "SaveWeightsForSampler"),
        ),
        FaultSpec(
            "rate-limit-429",
            "HTTP 429 'Rate limit exceeded' on submissions",
            "TD304",
            "S18",
            SUBMIT_PATHS,
        ),
        FaultSpec(
            "server-error-5xx",
            "HTTP 500 (or 'status') on submissions",
            "TD305",
            "B13",
            SUBMIT_PATHS,
            defaults={"status": 500},
        ),
        FaultSpec(
            "try-again-forever",
            "every poll answers 200 {type: try_again} after holding 'delay_s'",
            "TD307",
            "B07",
            (RETRIEVE,),
            defaults={"delay_s": 1.0},
        ),
        FaultSpec(
            "hang-create",
            "training-client creation never completes (its polls answer 408)",
            "TD306 (with TD300 from the smoke check)",
            "B10",
            (RETRIEVE,),
            ("CreateModel",),
            defaults={"delay_s": 1.0},
        ),
        FaultSpec(
            "capacity-pause",
            "polls answer 408 with queue_state 'paused_capacity'",
            "TD306",
            "B11, B14",
            (RETRIEVE,),
            defaults={"delay_s": 1.0},
        ),
        FaultSpec(
            "slow-poll",
            "each poll is held 'delay_s' seconds before it is answered",
            "TD302 when over the SDK's 45 s poll timeout",
            "X14",
            (RETRIEVE,),
            defaults={"delay_s": 5.0},
        ),
        FaultSpec(
            "heartbeat-drop",
            "heartbeat connections are dropped before a response is complete",
            "TD301 (TD121 with the agent's heartbeat facts)",
            "B08",
            (HEARTBEAT,),
        ),
        FaultSpec(
            "heartbeat-timeout",
            "heartbeats are held 'delay_s' seconds, past the SDK's 10 s timeout",
            "TD302 (TD121 with the agent's heartbeat facts)",
            "-",
            (HEARTBEAT,),
            defaults={"delay_s": 12.0},
        ),
        FaultSpec(
            "heartbeat-unknown-session",
            "heartbeats answer 404 'Invalid session_id'",
            "TD506",
            "-",
            (HEARTBEAT,),
        ),
        FaultSpec(
            "connection-drop",
            "every API request's connection is dropped before its response "
            "is complete (limit with 'count' or 'paths')",
            "TD301",
            "B08",
            ("/api/v1/",),
        ),
    )
}


@dataclass
class ActiveFault:
    """One fault switched on, with its options and how often it fired."""

    spec: FaultSpec
    count: int | None = None
    hits: int = 0
    options: dict[str, Any] = field(default_factory=dict)

    def option(self, key: str) -> Any:
        """An option, falling back to the fault's default."""
        return self.options.get(key, self.spec.defaults.get(key))

    def matches(self, path: str, request_type: str | None) -> bool:
        """Whether this fault applies to a request on ``path``."""
        paths = tuple(self.options.get("paths") or self.spec.paths)
        if not any(
            path == p or (p.endswith("/") and path.startswith(p)) for p in paths
        ):
            return False
        if self.spec.request_types and request_type not in self.spec.request_types:
            return False
        return self.count is None or self.hits < self.count

    def describe(self) -> dict[str, Any]:
        """A JSON view for the admin endpoint."""
        return {
            "name": self.spec.name,
            "count": self.count,
            "hits": self.hits,
            "options": self.options,
            "triage": self.spec.triage,
        }


class FaultSet:
    """The faults active on one server; safe to use from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[ActiveFault] = []

    def add(self, name: str, count: int | None = None, **options: Any) -> ActiveFault:
        """Switch a fault on; KeyError for an unknown name, ValueError for bad options."""
        spec = CATALOGUE[name]
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 0
        ):
            raise ValueError(
                f"count must be a non-negative integer or null, not {count!r}"
            )
        for key in ("delay_s", "status"):
            value = options.get(key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                raise ValueError(f"{key} must be a number, not {value!r}")
        status = options.get("status")
        if status is not None and not 100 <= int(status) <= 599:
            raise ValueError(f"status must be an HTTP status, not {status!r}")
        paths = options.get("paths")
        if paths is not None and (
            not isinstance(paths, list) or not all(isinstance(p, str) for p in paths)
        ):
            raise ValueError(f"paths must be a list of strings, not {paths!r}")
        fault = ActiveFault(spec, count, 0, dict(options))
        with self._lock:
            self._active = [f for f in self._active if f.spec.name != name]
            self._active.append(fault)
        return fault

    def remove(self, name: str | None = None) -> None:
        """Switch one fault off, or all of them."""
        with self._lock:
            self._active = [
                f for f in self._active if name is not None and f.spec.name != name
            ]

    def take(self, path: str, request_type: str | None = None) -> ActiveFault | None:
        """The first fault that fires for this request, counting the hit."""
        with self._lock:
            for fault in self._active:
                if fault.matches(path, request_type):
                    fault.hits += 1
                    return fault
        return None

    def describe(self) -> list[dict[str, Any]]:
        """The active faults as JSON."""
        with self._lock:
            return [f.describe() for f in self._active]


def parse_fault_arg(text: str) -> tuple[str, int | None, dict[str, Any]]:
    """Parse ``NAME[:key=value,...]`` from the command line.

    ``count`` becomes the hit limit; numbers are converted; ``paths`` takes
    ``|``-separated paths.
    """
    name, _, rest = text.partition(":")
    if name not in CATALOGUE:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(CATALOGUE)}")
    count: int | None = None
    options: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"fault option {item!r} is not key=value")
        if key == "count":
            count = int(value)
            if count < 0:
                raise ValueError(f"count must not be negative: {value}")
        elif key == "paths":
            options["paths"] = value.split("|")
        else:
            try:
                options[key] = float(value) if "." in value else int(value)
            except ValueError:
                options[key] = value
    return name, count, options
