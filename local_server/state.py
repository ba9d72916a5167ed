"""Server state: sessions, models, futures, checkpoints and samplers.

Every submission is computed when it arrives (the SDK submits one model's
requests in sequence order) and its result becomes visible after the
configured compute time, queued behind that model's earlier work, as a GPU
worker would serialise them.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from tinker.proto import tinker_public_pb2 as pb

from .model import BigramModel, ModelInputError, prompt_logprobs, sample_sequence

PROTO = "application/x-protobuf"


@dataclass
class ModelSpec:
    """A base model the server offers."""

    name: str
    vocab_size: int
    max_context_length: int


@dataclass
class FutureRecord:
    """One submitted request and its eventual outcome."""

    request_id: str
    request_type: str
    ready_at: float
    payload: bytes | dict[str, Any] | None = None
    error: str | None = None
    category: str = "user"
    conflict: str | None = None
    polls: int = 0

    def response(self) -> tuple[int, bytes | dict[str, Any], str]:
        """Status, body and content type of a completed poll."""
        if self.error is not None:
            return 200, {"error": self.error, "category": self.category}, "json"
        if isinstance(self.payload, bytes):
            return 200, self.payload, PROTO
        return 200, self.payload or {}, "json"


@dataclass
class TrainingRun:
    """A LoRA 'training client' on the server: a model plus its queue."""

    model_id: str
    session_id: str
    base: ModelSpec
    rank: int
    model: BigramModel
    busy_until: float = 0.0
    steps: int = 0


@dataclass
class Checkpoint:
    """Saved weights; ``kind`` is 'weights' (save_state) or 'sampler_weights'."""

    path: str
    kind: str
    base: ModelSpec
    table: np.ndarray
    model_id: str


@dataclass
class Sampler:
    """A sampling session over a fixed copy of the weights."""

    sampler_id: str
    base: ModelSpec
    table: np.ndarray
    model_path: str | None
    from_training_state: bool = False


@dataclass
class Session:
    """A client session and when it last sent a heartbeat."""

    session_id: str
    created: float
    last_heartbeat: float | None = None
    heartbeats: int = 0


class ServerState:
    """Everything the local server knows; used from its event loop only."""

    def __init__(
        self, compute_ms: float, models: list[ModelSpec], seed: int = 0
    ) -> None:
        self.compute_s = compute_ms / 1000.0
        self.models = {m.name: m for m in models}
        self.sessions: dict[str, Session] = {}
        self.runs: dict[str, TrainingRun] = {}
        self.checkpoints: dict[str, Checkpoint] = {}
        self.samplers: dict[str, Sampler] = {}
        self.futures: dict[str, FutureRecord] = {}
        self.rng = np.random.default_rng(seed)
        self._ids = itertools.count(1)
        self.ready = asyncio.Event()

    # -- helpers -----------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A short unique id such as ``run-0003-1a2b``."""
        return f"{prefix}-{next(self._ids):04d}-{secrets.token_hex(2)}"

    def add_future(
        self,
        request_type: str,
        run: TrainingRun | None = None,
        payload: bytes | dict[str, Any] | None = None,
        error: str | None = None,
        conflict: str | None = None,
    ) -> FutureRecord:
        """Register a computed outcome, visible after the compute time."""
        now = time.monotonic()
        start = max(now, run.busy_until) if run is not None else now
        ready_at = start + self.compute_s
        if run is not None:
            run.busy_until = ready_at
        record = FutureRecord(
            self.new_id("req"),
            request_type,
            ready_at,
            payload,
            error,
            conflict=conflict,
        )
        self.futures[record.request_id] = record
        return record

    def capabilities(self) -> dict[str, Any]:
        """The GetServerCapabilitiesResponse body."""
        return {
            "supported_models": [
                {
                    "model_name": m.name,
                    "max_context_length": m.max_context_length,
                    "trainable": True,
                    "sampleable": True,
                }
                for m in self.models.values()
            ]
        }

    # -- sessions and models -------------------------------------------------

    def create_session(self) -> str:
        """Open a session."""
        sid = self.new_id("sess")
        self.sessions[sid] = Session(sid, time.monotonic())
        return sid

    def heartbeat(self, session_id: str) -> bool:
        """Record a heartbeat; False for an unknown session."""
        session = self.sessions.get(session_id)
        if session is None:
            return False
        session.last_heartbeat = time.monotonic()
        session.heartbeats += 1
        return True

    def create_model(self, body: dict[str, Any]) -> FutureRecord:
        """Create a training run; a bad request becomes a failed future."""
        base = self.models.get(body.get("base_model", ""))
        if body.get("session_id") not in self.sessions:
            return self.add_future("CreateModel", error="Invalid session_id")
        if base is None:
            return self.add_future(
                "CreateModel",
                error=f"Unknown base model {body.get('base_model')!r}; "
                f"this server offers {', '.join(self.models)}",
            )
        lora = body.get("lora_config") or {}
        run = TrainingRun(
            _model_id(body["session_id"], body.get("model_seq_id")),
            body["session_id"],
            base,
            int(lora.get("rank") or 32),
            BigramModel(base.vocab_size),
        )
        self.runs[run.model_id] = run
        return self.add_future(
            "CreateModel", run, {"model_id": run.model_id, "type": "create_model"}
        )

    def info(self, model_id: str) -> dict[str, Any] | None:
        """The GetInfoResponse body, or None for an unknown model."""
        run = self.runs.get(model_id)
        if run is None:
            return None
        return {
            "type": "get_info",
            "model_id": model_id,
            "model_data": {
                "arch": "bigram",
                "model_name": run.base.name,
                "tokenizer_id": None,
            },
            "is_lora": True,
            "lora_rank": run.rank,
            "model_name": run.base.name,
        }

    # -- training ------------------------------------------------------------

    def forward_backward(self, raw: bytes) -> FutureRecord:
        """Run a protobuf ForwardBackwardRequest through the model."""
        msg = pb.ForwardBackwardRequest()
        msg.ParseFromString(raw)
        request_type = "Forward" if msg.forward_only else "ForwardBackward"
        run = self.runs.get(msg.model_id)
        if run is None:
            return self.add_future(
                request_type, error=f"Unknown model_id {msg.model_id!r}"
            )
        try:
            payload = _run_forward_backward(run, msg)
        except ModelInputError as exc:
            return self.add_future(request_type, run, error=str(exc))
        return self.add_future(request_type, run, payload)

    def optim_step(self, body: dict[str, Any]) -> FutureRecord:
        """Apply AdamW with the accumulated gradient."""
        run = self.runs.get(body.get("model_id", ""))
        if run is None:
            return self.add_future(
                "OptimStep", error=f"Unknown model_id {body.get('model_id')!r}"
            )
        params = body.get("adam_params") or body.get("optim_params")
        if params is None or params.get("type", "adamw") not in ("adamw", "adam"):
            return self.add_future(
                "OptimStep",
                run,
                error="Only Adam parameters are supported by the local server",
            )
        metrics = run.model.adam_step(
            float(params.get("learning_rate", 1e-4)),
            float(params.get("beta1", 0.9)),
            float(params.get("beta2", 0.95)),
            float(params.get("eps", 1e-12)),
            float(params.get("weight_decay", 0.0)),
            float(params.get("grad_clip_norm", 0.0)),
        )
        run.steps += 1
        return self.add_future("OptimStep", run, {"metrics": metrics})

    def save(self, body: dict[str, Any], for_sampler: bool) -> FutureRecord:
        """save_state (weights) or save_weights_for_sampler."""
        request_type = "SaveWeightsForSampler" if for_sampler else "SaveWeights"
        run = self.runs.get(body.get("model_id", ""))
        if run is None:
            return self.add_future(
                request_type, error=f"Unknown model_id {body.get('model_id')!r}"
            )
        name = body.get("path")
        kind = "sampler_weights" if for_sampler else "weights"
        if name is None and for_sampler:
            sampler = Sampler(
                self.new_id("sampler"), run.base, run.model.snapshot(), None
            )
            self.samplers[sampler.sampler_id] = sampler
            return self.add_future(
                request_type,
                run,
                {
                    "sampling_session_id": sampler.sampler_id,
                    "type": "save_weights_for_sampler",
                },
            )
        name = name or f"step-{run.steps:06d}"
        path = f"tinker://{run.model_id}/{kind}/{name}"
        if path in self.checkpoints and not body.get("overwrite"):
            return self.add_future(
                request_type, run, conflict=f"Checkpoint already exists: {path}"
            )
        self.checkpoints[path] = Checkpoint(
            path, kind, run.base, run.model.snapshot(), run.model_id
        )
        payload = {
            "path": path,
            "type": "save_weights_for_sampler" if for_sampler else "save_weights",
        }
        return self.add_future(request_type, run, payload)

    def load_weights(self, body: dict[str, Any]) -> FutureRecord:
        """Load a checkpoint into an existing run or into a new one."""
        ckpt = self.checkpoints.get(body.get("path", ""))
        if ckpt is None:
            return self.add_future(
                "LoadWeights", error=f"Checkpoint not found: {body.get('path')}"
            )
        run = self.runs.get(body.get("model_id") or "")
        if run is None:
            if body.get("session_id") not in self.sessions:
                return self.add_future("LoadWeights", error="Invalid session_id")
            run = TrainingRun(
                _model_id(body["session_id"], body.get("model_seq_id")),
                body["session_id"],
                self.models.get(body.get("base_model") or "", ckpt.base),
                32,
                BigramModel(ckpt.base.vocab_size),
            )
            self.runs[run.model_id] = run
        finite = np.isfinite(ckpt.table[0])
        run.model.seen = finite.copy() if not finite.all() else np.zeros_like(finite)
        run.model.weights = np.where(np.isfinite(ckpt.table), ckpt.table, 0.0)
        return self.add_future(
            "LoadWeights",
            run,
            {"path": ckpt.path, "model_id": run.model_id, "type": "load_weights"},
        )

    # -- sampling --------------------------------------------------------------

    def create_sampler(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """A sampling session from a checkpoint path or a base model."""
        if body.get("session_id") not in self.sessions:
            return 404, {"detail": "Invalid session_id"}
        path = body.get("model_path")
        if path:
            ckpt = self.checkpoints.get(path)
            if ckpt is None:
                return 404, {"detail": f"Checkpoint not found: {path}"}
            sampler = Sampler(
                self.new_id("sampler"),
                ckpt.base,
                ckpt.table,
                path,
                ckpt.kind == "weights",
            )
        else:
            base = self.models.get(body.get("base_model") or "")
            if base is None:
                return 400, {"detail": f"Unknown base model {body.get('base_model')!r}"}
            table = np.zeros((base.vocab_size, base.vocab_size))
            sampler = Sampler(self.new_id("sampler"), base, table, None)
        self.samplers[sampler.sampler_id] = sampler
        return 200, {
            "sampling_session_id": sampler.sampler_id,
            "type": "create_sampling_session",
        }

    def sample(self, body: dict[str, Any]) -> tuple[FutureRecord | None, list[str]]:
        """Draw samples; returns (future or None for an unknown sampler, ids)."""
        sampler = self.samplers.get(body.get("sampling_session_id") or "")
        if sampler is None:
            return None, []
        num = int(body.get("num_samples") or 1)
        ids = [self.new_id("seq") for _ in range(num)]
        if sampler.from_training_state:
            # What the hosted service answers when a save_state checkpoint
            # (optimizer state included) is used for sampling.
            return self.add_future("Sample", error="Unknown client error"), ids
        tokens: list[int] = []
        for chunk in body.get("prompt", {}).get("chunks", []):
            if chunk.get("type", "encoded_text") != "encoded_text":
                return self.add_future(
                    "Sample", error="Only text prompts are supported"
                ), ids
            tokens.extend(int(t) for t in chunk.get("tokens", []))
        prompt = np.asarray(tokens, dtype=np.int64)
        params = body.get("sampling_params") or {}
        max_tokens = int(params.get("max_tokens") or 16)
        limit = sampler.base.max_context_length
        if len(prompt) + max_tokens > limit:
            return (
                self.add_future(
                    "Sample",
                    error=f"PromptTooLong: sequence length {len(prompt) + max_tokens} exceeds "
                    f"max sequence length {limit} (prompt {len(prompt)} tokens + "
                    f"max_tokens {max_tokens})",
                ),
                ids,
            )
        if len(prompt) and (
            prompt.min() < 0 or prompt.max() >= sampler.base.vocab_size
        ):
            return (
                self.add_future(
                    "Sample",
                    error=f"prompt token id out of range for vocabulary size "
                    f"{sampler.base.vocab_size}",
                ),
                ids,
            )
        stop = params.get("stop")
        stop_tokens = (
            {int(s) for s in stop}
            if isinstance(stop, list) and all(isinstance(s, int) for s in stop)
            else set()
        )
        seed = params.get("seed")
        rng = np.random.default_rng(seed) if seed is not None else self.rng
        msg = pb.SampleResponse()
        for _ in range(num):
            out, logps, reason = sample_sequence(
                sampler.table,
                prompt,
                max_tokens,
                float(params.get("temperature", 1.0)),
                int(params.get("top_k", -1)),
                float(params.get("top_p", 1.0)),
                stop_tokens,
                rng,
            )
            seq = msg.sequences.add()
            seq.stop_reason = (
                pb.STOP_REASON_STOP if reason == "stop" else pb.STOP_REASON_LENGTH
            )
            seq.tokens = np.asarray(out, dtype=np.int32).tobytes()
            seq.logprobs = np.asarray(logps, dtype=np.float32).tobytes()
        if body.get("prompt_logprobs"):
            msg.prompt_logprobs = prompt_logprobs(sampler.table, prompt).tobytes()
        return self.add_future("Sample", payload=msg.SerializeToString()), ids


def _model_id(session_id: str, model_seq_id: Any) -> str:
    """The id the SDK derives itself for load_weights: ``<session>:train:<n>``."""
    return f"{session_id}:train:{int(model_seq_id or 0)}"


_DTYPES = {
    pb.DTYPE_FLOAT32: np.float32,
    pb.DTYPE_INT64: np.int64,
    pb.DTYPE_INT32: np.int32,
}


def _tensor(msg: pb.Tensor) -> np.ndarray:
    dtype = _DTYPES.get(msg.dtype)
    if dtype is None or msg.HasField("sparse_csr"):
        raise ModelInputError("Could not convert loss function inputs to array record")
    return np.frombuffer(msg.dense, dtype=dtype)


def _batched(arrays: list[np.ndarray], dtype: int) -> pb.BatchedTensor:
    offsets = np.cumsum([0] + [a.nbytes for a in arrays]).astype(np.int64)
    return pb.BatchedTensor(
        data=b"".join(a.tobytes() for a in arrays),
        offsets=offsets.tobytes(),
        dtype=dtype,
    )


# Inputs each supported loss takes (besides the model input).
LOSS_INPUTS = {
    "cross_entropy": {"target_tokens", "weights"},
    "importance_sampling": {"target_tokens", "logprobs", "advantages"},
}


def _run_forward_backward(run: TrainingRun, msg: pb.ForwardBackwardRequest) -> bytes:
    """Score every datum; with a backward pass, accumulate the gradient.

    ``cross_entropy``: loss −Σ w·log p(target). ``importance_sampling``: loss
    −Σ A·exp(log p − log q) with q the sampler's logprobs; its gradient is the
    cross-entropy gradient weighted by A·ratio (the ratio held constant).
    """
    expected = LOSS_INPUTS.get(msg.loss_fn)
    if expected is None:
        raise ModelInputError(
            f"loss_fn {msg.loss_fn!r} is not supported by the local server "
            f"(supported: {', '.join(LOSS_INPUTS)})"
        )
    if not msg.data:
        raise ModelInputError("No data provided")
    limit = run.base.max_context_length
    prepared = []
    for datum in msg.data:
        tokens: list[np.ndarray] = []
        for chunk in datum.model_input:
            if chunk.WhichOneof("chunk") != "encoded_text":
                raise ModelInputError("Only text model inputs are supported")
            tokens.append(np.frombuffer(chunk.encoded_text.tokens, dtype=np.int32))
        inputs = (
            np.concatenate(tokens).astype(np.int64) if tokens else np.zeros(0, np.int64)
        )
        if inputs.size == 0:
            # The hosted service's wording for a datum without tokens.
            raise ModelInputError("max() iterable argument is empty")
        if len(inputs) > limit:
            raise ModelInputError(
                f"sequence length {len(inputs)} exceeds max sequence length {limit}"
            )
        if set(datum.loss_fn_inputs) != expected:
            raise ModelInputError(
                "Could not convert loss function inputs to array record"
            )
        arrays = {k: _tensor(v) for k, v in datum.loss_fn_inputs.items()}
        targets = arrays.pop("target_tokens").astype(np.int64)
        lengths = {k: len(v) for k, v in arrays.items()}
        if any(n != len(inputs) for n in [len(targets), *lengths.values()]):
            raise ModelInputError(
                "tokens and weights must be the same length "
                f"(model_input {len(inputs)}, target_tokens {len(targets)}, "
                + ", ".join(f"{k} {n}" for k, n in sorted(lengths.items()))
                + ")"
            )
        run.model.check_tokens(inputs, "input")
        run.model.check_tokens(targets, "target")
        prepared.append(
            (inputs, targets, {k: v.astype(np.float64) for k, v in arrays.items()})
        )
    backward = not msg.forward_only
    logprobs, elementwise, total = [], [], 0.0
    for inputs, targets, arrays in prepared:
        if msg.loss_fn == "cross_entropy":
            result = run.model.forward(inputs, targets, arrays["weights"], backward)
            logprobs.append(result.logprobs)
            elementwise.append(result.elementwise_loss)
            total += result.loss
            continue
        current = run.model.forward(inputs, targets, np.zeros(len(inputs)), False)
        ratio = np.exp(current.logprobs.astype(np.float64) - arrays["logprobs"])
        per_token = -ratio * arrays["advantages"]
        if backward:
            run.model.forward(inputs, targets, arrays["advantages"] * ratio, True)
        logprobs.append(current.logprobs)
        elementwise.append(per_token.astype(np.float32))
        total += float(per_token.sum())
    out = pb.ForwardBackwardOutput(loss_fn_output_type="ArrayRecord")
    record = out.loss_fn_outputs.add()
    record.type_tag = "ArrayRecord"
    record.num_datums = len(prepared)
    record.fields["logprobs"].CopyFrom(_batched(logprobs, pb.DTYPE_FLOAT32))
    record.fields["elementwise_loss"].CopyFrom(_batched(elementwise, pb.DTYPE_FLOAT32))
    out.metrics["loss:sum"] = total
    return out.SerializeToString()
