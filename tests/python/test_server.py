"""The pinned tinker SDK, unmodified, against the local server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

tinker = pytest.importorskip("tinker")
from conftest_server import byte_datum  # noqa: E402
from tinker import types  # noqa: E402

pytestmark = pytest.mark.timeout(60)

TEXT = "the cat sat on the mat. the dog sat on the log. "
MODEL = "local/bigram-byte"


@pytest.fixture
def service(tinker_server):
    client = tinker.ServiceClient(
        base_url=tinker_server.base_url, api_key=tinker_server.api_key
    )
    yield client
    client.close("success")  # stops its heartbeat; not waited for


@pytest.fixture
def training(service):
    return service.create_lora_training_client(base_model=MODEL, rank=4).result(
        timeout=20
    )


def test_sdk_version_is_the_pinned_one():
    assert tinker.__version__ == "0.38.0"


def test_capabilities_list_the_local_models(tinker_server):
    rest = tinker.RestClient(
        base_url=tinker_server.base_url, api_key=tinker_server.api_key
    )
    caps = rest.get_server_capabilities().result(timeout=20)
    names = [m.model_name for m in caps.supported_models]
    assert MODEL in names
    assert all(m.max_context_length for m in caps.supported_models)


def test_training_loop_loss_decreases_and_model_info(training):
    data = [byte_datum(TEXT), byte_datum(TEXT[::-1])]
    losses = []
    for _ in range(6):
        fwd = training.forward_backward(data, "cross_entropy")
        opt = training.optim_step(types.AdamParams(learning_rate=0.2))
        out = fwd.result(timeout=20)
        opt.result(timeout=20)
        losses.append(out.metrics["loss:sum"])
        assert len(out.loss_fn_outputs) == 2
        logprobs = out.loss_fn_outputs[0]["logprobs"].tolist()
        assert len(logprobs) == len(TEXT.encode()) - 1
        assert all(lp <= 0 for lp in logprobs)
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False)), losses
    assert losses[-1] < 0.7 * losses[0]
    info = training.get_info()
    assert info.model_data.model_name == MODEL and info.lora_rank == 4


def test_loss_sum_matches_per_datum_logprobs(training):
    out = training.forward([byte_datum(TEXT)], "cross_entropy").result(timeout=20)
    total = -sum(out.loss_fn_outputs[0]["logprobs"].tolist())
    assert out.metrics["loss:sum"] == pytest.approx(total, rel=1e-4)


def test_samples_change_after_training_and_weight_save(service, training):
    prompt = types.ModelInput.from_ints(list(b"the "))
    params = types.SamplingParams(max_tokens=24, temperature=0.8, seed=7)
    before_path = training.save_weights_for_sampler("before").result(timeout=20).path
    for _ in range(12):
        training.forward_backward([byte_datum(TEXT)], "cross_entropy")
        training.optim_step(types.AdamParams(learning_rate=0.3))
    after_path = training.save_weights_for_sampler("after").result(timeout=20).path
    assert before_path.startswith("tinker://") and "/sampler_weights/" in after_path
    before = service.create_sampling_client(model_path=before_path).result(timeout=20)
    after = service.create_sampling_client(model_path=after_path).result(timeout=20)
    seq_before = before.sample(prompt, 1, params).result(timeout=20).sequences[0]
    seq_after = after.sample(prompt, 1, params).result(timeout=20).sequences[0]
    assert seq_before.tokens != seq_after.tokens
    # After training, samples only use bytes of the training text.
    assert set(seq_after.tokens) <= set(TEXT.encode())
    assert len(seq_after.tokens) == 24 and seq_after.stop_reason == "length"
    assert len(seq_after.logprobs) == 24


def test_save_weights_and_get_sampling_client(training):
    sampler = training.save_weights_and_get_sampling_client().result(timeout=20)
    res = sampler.sample(
        types.ModelInput.from_ints(list(b"ab")), 3, types.SamplingParams(max_tokens=5)
    ).result(timeout=20)
    assert len(res.sequences) == 3
    assert all(len(s.tokens) == 5 for s in res.sequences)


def test_save_state_path_and_duplicate_name_conflict(training):
    path = training.save_state("ckpt").result(timeout=20).path
    assert "/weights/ckpt" in path
    with pytest.raises(ValueError, match="status 409"):
        training.save_state("ckpt").result(timeout=20)
    assert training.save_state("ckpt", overwrite=True).result(timeout=20).path == path


def test_sampling_from_a_save_state_path_fails_like_the_service(service, training):
    path = training.save_state("state-for-sampling").result(timeout=20).path
    sampler = service.create_sampling_client(model_path=path).result(timeout=20)
    with pytest.raises(tinker.RequestFailedError, match="Unknown client error"):
        sampler.sample(
            types.ModelInput.from_ints([1, 2]), 1, types.SamplingParams(max_tokens=2)
        ).result(timeout=20)


def test_too_long_prompt_names_the_limits(service, training):
    sampler = training.save_weights_and_get_sampling_client().result(timeout=20)
    with pytest.raises(
        tinker.RequestFailedError, match="exceeds max sequence length 256"
    ):
        sampler.sample(
            types.ModelInput.from_ints([65] * 250),
            1,
            types.SamplingParams(max_tokens=20),
        ).result(timeout=20)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        ("empty", "max() iterable argument is empty"),
        ("extra-input", "Could not convert loss function inputs to array record"),
        ("short-weights", "tokens and weights must be the same length"),
    ],
)
def test_bad_datums_fail_with_the_service_wording(training, mutate, message):
    import numpy as np

    datum = byte_datum(TEXT)
    inputs = dict(datum.loss_fn_inputs)
    if mutate == "empty":
        datum = types.Datum(
            model_input=types.ModelInput(chunks=[]), loss_fn_inputs=inputs
        )
    elif mutate == "extra-input":
        inputs["mask"] = types.TensorData.from_numpy(np.ones(3, dtype=np.float32))
        datum = types.Datum(model_input=datum.model_input, loss_fn_inputs=inputs)
    else:
        inputs["weights"] = types.TensorData.from_numpy(np.ones(3, dtype=np.float32))
        datum = types.Datum(model_input=datum.model_input, loss_fn_inputs=inputs)
    with pytest.raises(tinker.RequestFailedError) as info:
        training.forward_backward([datum], "cross_entropy").result(timeout=20)
    assert message in str(info.value)


def test_compute_time_is_applied_per_request(local_server_factory):
    server = local_server_factory(compute_ms=300)
    service = tinker.ServiceClient(base_url=server.base_url, api_key=server.api_key)
    training = service.create_lora_training_client(base_model=MODEL, rank=2).result(
        timeout=20
    )
    start = time.monotonic()
    futures = [
        training.forward_backward([byte_datum(TEXT)], "cross_entropy") for _ in range(3)
    ]
    for fut in futures:
        fut.result(timeout=20)
    elapsed = time.monotonic() - start
    service.close("success").result(timeout=10)
    # Three requests queue behind each other on the model: at least 0.9 s.
    assert elapsed >= 0.85


def test_heartbeats_reach_the_server(tinker_server, training):
    session_id = training.holder.get_session_id()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        sessions = tinker_server.admin.state()["sessions"]
        if sessions.get(session_id, {}).get("heartbeats"):
            break
        time.sleep(0.5)
    assert sessions[session_id]["heartbeats"] >= 1


def test_requests_without_a_tml_key_are_refused(tinker_server):
    import urllib.request

    req = urllib.request.Request(
        tinker_server.base_url + "/api/v1/get_server_capabilities"
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(req, timeout=5)
    assert info.value.code == 401


def test_server_binds_loopback_only(tinker_server):
    assert tinker_server.base_url.startswith("http://127.0.0.1:")
    tcp = Path("/proc/net/tcp")
    if not tcp.exists():
        pytest.skip("no /proc/net/tcp on this system")
    port = f"{tinker_server.port:04X}"
    listening = [
        line.split()[1]
        for line in tcp.read_text().splitlines()[1:]
        if line.split()[1].endswith(":" + port) and line.split()[3] == "0A"
    ]
    # 0100007F is 127.0.0.1 in /proc's little-endian hex; never 00000000.
    assert listening == ["0100007F:" + port]


def test_training_client_from_saved_state_resumes_the_weights(service, training):
    data = [byte_datum(TEXT)]
    for _ in range(5):
        training.forward_backward(data, "cross_entropy")
        training.optim_step(types.AdamParams(learning_rate=0.3))
    loss = (
        training.forward(data, "cross_entropy").result(timeout=20).metrics["loss:sum"]
    )
    path = training.save_state("resume").result(timeout=20).path
    resumed = service.create_training_client_from_state(path).result(timeout=20)
    assert resumed.get_info().model_id != training.get_info().model_id
    again = (
        resumed.forward(data, "cross_entropy").result(timeout=20).metrics["loss:sum"]
    )
    assert again == pytest.approx(loss, rel=1e-5)
    fresh = service.create_lora_training_client(base_model=MODEL, rank=2).result(
        timeout=20
    )
    fresh_loss = (
        fresh.forward(data, "cross_entropy").result(timeout=20).metrics["loss:sum"]
    )
    assert fresh_loss > loss


def test_model_ids_follow_the_sdk_derivation(training):
    model_id = training.get_info().model_id
    assert model_id == f"{training.holder.get_session_id()}:train:0"


def test_importance_sampling_raises_the_probability_of_rewarded_tokens(
    service, training
):
    import numpy as np

    tokens = list(b"ab" * 20)
    # The model's vocabulary grows with the data it sees: show it these ids
    # before the sampler's copy is taken, so that both score them alike.
    training.forward([byte_datum("ab" * 20)], "cross_entropy").result(timeout=20)
    sampler = training.save_weights_and_get_sampling_client().result(timeout=20)
    scored = sampler.sample(
        types.ModelInput.from_ints(tokens),
        1,
        types.SamplingParams(max_tokens=1),
        include_prompt_logprobs=True,
    ).result(timeout=20)
    old = np.array(scored.prompt_logprobs[1:], dtype=np.float32)
    datum = types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_numpy(
                np.array(tokens[1:], dtype=np.int64)
            ),
            "logprobs": types.TensorData.from_numpy(old),
            "advantages": types.TensorData.from_numpy(
                np.ones(len(old), dtype=np.float32)
            ),
        },
    )
    first = training.forward_backward([datum], "importance_sampling").result(timeout=20)
    # At the sampler's own weights the ratio is 1: loss = -sum(advantages).
    assert first.metrics["loss:sum"] == pytest.approx(-len(old), rel=1e-4)
    training.optim_step(types.AdamParams(learning_rate=0.2)).result(timeout=20)
    after = training.forward([datum], "importance_sampling").result(timeout=20)
    assert after.metrics["loss:sum"] < first.metrics["loss:sum"]
