"""A tiny trainable language model: one bigram logit table.

The table ``W[prev, next]`` holds the logit of token ``next`` following token
``prev``. Cross-entropy gradients are accumulated by ``forward_backward`` and
applied by ``adam_step`` (AdamW, the update rule Tinker documents), so the loss
the server reports really falls as a client trains, and samples drawn from a
saved copy really change after training.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class ModelInputError(ValueError):
    """A datum the model cannot use; the message is shown to the client."""


def _log_softmax(rows: np.ndarray) -> np.ndarray:
    shifted = rows - rows.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


@dataclass
class DatumResult:
    """Per-datum output of a forward pass."""

    logprobs: np.ndarray
    elementwise_loss: np.ndarray
    loss: float
    weight_sum: float


@dataclass
class BigramModel:
    """A bigram logit table with AdamW state and a gradient accumulator.

    Only token ids the model has seen in training data take part in the
    softmax: the vocabulary grows with the data, so a few steps on a small
    text already make samples look like that text.
    """

    vocab_size: int
    weights: np.ndarray = field(init=False)
    grad: np.ndarray = field(init=False)
    adam_m: np.ndarray = field(init=False)
    adam_v: np.ndarray = field(init=False)
    adam_t: int = 0
    seen: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        shape = (self.vocab_size, self.vocab_size)
        self.seen = np.zeros(self.vocab_size, dtype=bool)
        self.weights = np.zeros(shape)
        self.grad = np.zeros(shape)
        self.adam_m = np.zeros(shape)
        self.adam_v = np.zeros(shape)

    def check_tokens(self, tokens: np.ndarray, what: str) -> None:
        """Raise ModelInputError when a token id is outside the vocabulary."""
        if tokens.size and (tokens.min() < 0 or tokens.max() >= self.vocab_size):
            bad = int(tokens[(tokens < 0) | (tokens >= self.vocab_size)][0])
            raise ModelInputError(
                f"{what} token id {bad} is out of range for vocabulary size "
                f"{self.vocab_size}"
            )

    def forward(
        self,
        inputs: np.ndarray,
        targets: np.ndarray,
        weights: np.ndarray,
        accumulate: bool,
    ) -> DatumResult:
        """Score ``targets`` given ``inputs`` position by position.

        With ``accumulate`` the gradient of the weighted negative log
        likelihood is added to the accumulator.
        """
        self.check_tokens(inputs, "input")
        self.check_tokens(targets, "target")
        self.seen[inputs] = True
        self.seen[targets] = True
        logp = _log_softmax(self.weights[inputs] + self._mask())
        positions = np.arange(len(inputs))
        token_logprobs = logp[positions, targets]
        elementwise = -token_logprobs * weights
        if accumulate and len(inputs):
            probs = np.exp(logp)
            probs[positions, targets] -= 1.0
            np.add.at(self.grad, inputs, probs * weights[:, None])
        return DatumResult(
            logprobs=token_logprobs.astype(np.float32),
            elementwise_loss=elementwise.astype(np.float32),
            loss=float(elementwise.sum()),
            weight_sum=float(weights.sum()),
        )

    def adam_step(
        self,
        learning_rate: float,
        beta1: float,
        beta2: float,
        eps: float,
        weight_decay: float,
        grad_clip_norm: float,
    ) -> dict[str, float]:
        """Apply one AdamW update with the accumulated gradient, then clear it."""
        grad = self.grad
        norm = float(np.sqrt((grad * grad).sum()))
        if grad_clip_norm > 0 and norm > grad_clip_norm:
            grad = grad * (grad_clip_norm / norm)
        self.adam_t += 1
        self.adam_m = beta1 * self.adam_m + (1 - beta1) * grad
        self.adam_v = beta2 * self.adam_v + (1 - beta2) * grad * grad
        m_hat = self.adam_m / (1 - beta1**self.adam_t)
        v_hat = self.adam_v / (1 - beta2**self.adam_t)
        if weight_decay:
            self.weights *= 1 - learning_rate * weight_decay
        self.weights -= learning_rate * m_hat / (np.sqrt(v_hat) + eps)
        self.grad = np.zeros_like(self.grad)
        return {"grad_norm": norm, "step": float(self.adam_t)}

    def _mask(self) -> np.ndarray:
        if not self.seen.any():
            return np.zeros(self.vocab_size)
        return np.where(self.seen, 0.0, -np.inf)

    def snapshot(self) -> np.ndarray:
        """A copy of the logit table with unseen ids masked out (for samplers)."""
        return self.weights + self._mask()


def sample_sequence(
    table: np.ndarray,
    prompt: np.ndarray,
    max_tokens: int,
    temperature: float,
    top_k: int,
    top_p: float,
    stop_tokens: set[int],
    rng: np.random.Generator,
) -> tuple[list[int], list[float], str]:
    """Draw up to ``max_tokens`` tokens after ``prompt`` from a bigram table.

    Returns the tokens, their log-probabilities and the stop reason
    (``"stop"`` when a stop token was drawn, else ``"length"``).
    """
    tokens: list[int] = []
    logprobs: list[float] = []
    prev = int(prompt[-1]) if len(prompt) else 0
    for _ in range(max_tokens):
        logits = table[prev] / max(temperature, 1e-6)
        logp = _log_softmax(logits)
        probs = np.exp(logp)
        if top_k > 0:
            cutoff = np.sort(probs)[-min(top_k, len(probs))]
            probs = np.where(probs >= cutoff, probs, 0.0)
        if top_p < 1:
            order = np.argsort(-probs)
            keep = np.cumsum(probs[order]) - probs[order] < top_p
            keep[0] = True  # the most likely token always stays
            mask = np.zeros_like(probs, dtype=bool)
            mask[order[keep]] = True
            probs = np.where(mask, probs, 0.0)
        probs = probs / probs.sum()
        nxt = int(rng.choice(len(probs), p=probs))
        tokens.append(nxt)
        logprobs.append(float(logp[nxt]))
        if nxt in stop_tokens:
            return tokens, logprobs, "stop"
        prev = nxt
    return tokens, logprobs, "length"


def prompt_logprobs(table: np.ndarray, prompt: np.ndarray) -> np.ndarray:
    """Log-probability of each prompt token given the previous one (NaN first)."""
    out = np.full(len(prompt), np.nan, dtype=np.float32)
    if len(prompt) > 1:
        logp = _log_softmax(table[prompt[:-1]])
        out[1:] = logp[np.arange(len(prompt) - 1), prompt[1:]]
    return out
