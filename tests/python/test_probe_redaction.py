"""Secrets in environment values never reach the agent's facts."""

from __future__ import annotations

from tinker_doctor_agent import probe


def test_url_query_secrets_are_redacted_in_env_facts():
    env = {
        "TINKER_BASE_URL": "http://qauser:qapass123@127.0.0.1:9199/?token=tokval999&x=1",
        "HTTPS_PROXY": "http://127.0.0.1:9198/?sig=abc123&api_key=k999",
        "TINKER_OTHER": "https://h.example/p?X-Amz-Signature=s777",
    }
    facts = probe.env_facts(env)
    text = repr(facts)
    for secret in ("qapass123", "tokval999", "abc123", "k999", "s777"):
        assert secret not in text
    assert facts["TINKER_BASE_URL"] == (
        "http://<redacted>@127.0.0.1:9199/?token=<redacted>&x=1"
    )


def test_plain_urls_and_query_values_are_kept():
    assert probe.redact_url("http://127.0.0.1:9/v1?step=3") == (
        "http://127.0.0.1:9/v1?step=3"
    )
