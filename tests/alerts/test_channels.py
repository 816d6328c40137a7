"""Channels against real local receivers: SMTP (aiosmtpd) and an HTTP webhook server."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from stormwatch.delivery.channels import (
    ChannelError,
    Message,
    channel_kind,
    redact_text,
    redact_url,
    send,
    validate_url,
)
from tests.alerts._receivers import SmtpSink, WebhookSink, free_port

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _message(key: str = "k" * 32) -> Message:
    return Message(
        key=key,
        title="stormwatch: level up to 2 Warning (from 0 Calm) on 2002-06-24",
        text="Storm level 2 Warning.\nWhat moved: the dollar fell while equities sold off.",
        html='<h2>Warning</h2><img src="cid:chart">',
        payload={"schema": "stormwatch.alert/1", "idempotency_key": key, "level": 2},
        notify_type="warning",
        chart_png=PNG,
        chart_name="stormwatch-level-2002-06-24.png",
        created_at=dt.datetime(2026, 5, 1, 7, 0),
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "mailto://alice:s3cret@smtp.example.org:2525?to=a@b.org",
            "mailto://alice:***@smtp.example.org:2525?to=a@b.org",
        ),
        (
            "mailtos://bob%40x.org:p%40ss@mail.x.org?to=c@d.org&from=bob@x.org",
            "mailtos://bob%40x.org:***@mail.x.org?to=c@d.org&from=bob@x.org",
        ),
        ("json://127.0.0.1:8080/hook", "json://127.0.0.1:8080/hook"),
        (
            "jsons://user:pw@hooks.example.org/services/T0/B1secret",
            "jsons://user:***@hooks.example.org/services/***/***",
        ),
        ("jsons://hooks.example.org/in?token=abc123&team=x", "jsons://hooks.example.org/in?token=***&team=x"),
        ("discord://1234567890/abcdefSECRETtoken", "discord://***/***"),
        ("tgram://123456789:AABBccddSECRET/12345", "tgram://***/12345"),
        ("ntfys://user:pw@ntfy.example.org/topic", "ntfys://user:***@ntfy.example.org/topic"),
        ("no-scheme-at-all", "***"),
    ],
)
def test_redact_url_hides_every_secret(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redact_text_scrubs_the_secret_parts_of_a_url_from_any_message() -> None:
    url = "jsons://user:pw-9911@hooks.example.org/services/T0/B1secret"
    text = f"POST to {url} failed: 403 from hooks.example.org for /services/T0/B1secret (user:pw-9911)"
    clean = redact_text(text, url)
    for secret in ("pw-9911", "B1secret", url):
        assert secret not in clean
    assert "hooks.example.org" in clean


def test_channel_kinds_and_validation() -> None:
    assert channel_kind("mailtos://h?to=a@b.org") == "email"
    assert channel_kind("JSON://h/x") == "webhook"
    assert channel_kind("slack://T1/A2/B3") == "apprise"
    assert validate_url("json://127.0.0.1:9/x") == "webhook"
    assert validate_url("ntfy://ntfy.sh/my-topic") == "apprise"
    with pytest.raises(ChannelError, match="no recipient"):
        validate_url("mailto://127.0.0.1:25")
    with pytest.raises(ChannelError, match="not a URL apprise understands"):
        validate_url("bogus://x")
    # A password is never sent unencrypted to a host that is not loopback.
    with pytest.raises(ChannelError, match="unencrypted") as exc:
        validate_url("mailto://u:topsecret@smtp.example.org?to=a@b.org")
    assert "topsecret" not in str(exc.value)


def test_email_reaches_a_real_smtp_server_with_login_chart_and_stable_message_id(
    smtp_server: SmtpSink,
) -> None:
    url = f"mailto://alice:s3cret-Pa55@127.0.0.1:{smtp_server.port}?to=ops@example.org&from=sw@example.org"
    outcome = send(url, _message("a1" * 16), timeout=5)
    assert outcome.ok, outcome.detail
    assert smtp_server.logins == [("alice", "s3cret-Pa55")]  # the password was used, over loopback
    assert "s3cret-Pa55" not in outcome.detail
    [msg] = smtp_server.messages
    assert msg["Message-ID"] == f"<{'a1' * 16}@stormwatch>"
    assert msg["X-Stormwatch-Idempotency-Key"] == "a1" * 16
    assert msg["Subject"].startswith("stormwatch: level up to 2 Warning")
    assert smtp_server.envelopes == [("sw@example.org", ["ops@example.org"])]
    text = msg.get_body(preferencelist=("plain",))
    assert text is not None and "What moved" in text.get_content()
    html = msg.get_body(preferencelist=("html",))
    assert html is not None
    [png] = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert png.get_filename() == "stormwatch-level-2002-06-24.png"
    assert png.get_content() == PNG
    # The HTML shows the chart from the same message (cid reference).
    assert f"cid:{png['Content-ID'].strip('<>')}" in html.get_content()


def test_a_wrong_password_is_a_failure_whose_detail_keeps_the_password_out(smtp_server: SmtpSink) -> None:
    url = f"mailto://alice:wrong-Pa55word@127.0.0.1:{smtp_server.port}?to=ops@example.org"
    outcome = send(url, _message(), timeout=5)
    assert not outcome.ok
    assert "SMTPAuthenticationError" in outcome.detail
    assert "wrong-Pa55word" not in outcome.detail
    assert smtp_server.messages == []


def test_webhook_gets_the_alert_json_with_idempotency_key_and_chart(webhook_server: WebhookSink) -> None:
    outcome = send(webhook_server.url("/hook/tok-778899"), _message("b2" * 16), timeout=5)
    assert outcome.ok, outcome.detail
    [(path, headers, body)] = webhook_server.requests
    assert path == "/hook/tok-778899"
    assert headers["Idempotency-Key"] == "b2" * 16
    assert body["title"].startswith("stormwatch: level up")
    assert body["type"] == "warning"
    assert body["stormwatch"] == {"schema": "stormwatch.alert/1", "idempotency_key": "b2" * 16, "level": 2}
    [attachment] = body["attachments"]
    assert attachment["mimetype"] == "image/png"
    assert base64.b64decode(attachment["base64"]) == PNG


def test_failures_are_outcomes_not_exceptions_and_are_redacted(webhook_server: WebhookSink) -> None:
    webhook_server.status = 500
    url = webhook_server.url("/hook/very-secret-token-123")
    refused = send(url, _message(), timeout=5)
    assert not refused.ok and "500" in refused.detail
    assert "very-secret-token-123" not in refused.detail
    dead = send(f"json://user:pw-4455@127.0.0.1:{free_port()}/x/secret-path-77", _message(), timeout=2)
    assert not dead.ok
    assert "pw-4455" not in dead.detail and "secret-path-77" not in dead.detail
    no_server = send(f"mailto://127.0.0.1:{free_port()}?to=a@b.org", _message(), timeout=2)
    assert not no_server.ok and "ConnectionRefusedError" in no_server.detail
