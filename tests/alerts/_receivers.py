"""Real local receivers for the alert tests: an SMTP server (aiosmtpd) and an HTTP webhook server."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: The one password the test SMTP server accepts.
SMTP_PASSWORD = "s3cret-Pa55"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpSink:
    """What a real SMTP server on 127.0.0.1 received."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


@dataclass
class WebhookSink:
    """What a real HTTP server on 127.0.0.1 received; ``status`` is what it answers.

    With ``kill_on_receipt`` it SIGKILLs ``kill_pid`` (the sender) after the
    request arrived and before answering: a crash in the middle of a send.
    """

    port: int
    requests: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    kill_pid: int | None = None
    kill_on_receipt: bool = False

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def keys(self) -> list[str]:
        return [h.get("Idempotency-Key", "") for _, h, _ in self.requests]


@contextmanager
def smtp_receiver() -> Iterator[SmtpSink]:
    """An aiosmtpd server on loopback that accepts AUTH over plain SMTP (loopback only)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    sink = SmtpSink(port=free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            raw = envelope.original_content or envelope.content
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            sink.messages.append(msg)
            sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            return "250 OK"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            sink.logins.append((user, password))
            ok = password == SMTP_PASSWORD
            return AuthResult(success=ok, handled=ok)  # handled=False: the server answers 535
        return AuthResult(success=False, handled=False)

    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=sink.port,
        authenticator=authenticator,
        auth_require_tls=False,
        auth_required=False,
    )
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@contextmanager
def webhook_receiver() -> Iterator[WebhookSink]:
    """A threading HTTP server on loopback that records each POSTed JSON body."""
    sink = WebhookSink(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            sink.requests.append((self.path, dict(self.headers), json.loads(body)))
            if sink.kill_on_receipt:
                deadline = time.monotonic() + 10
                while sink.kill_pid is None and time.monotonic() < deadline:
                    time.sleep(0.01)
                if sink.kill_pid is not None:
                    os.kill(sink.kill_pid, signal.SIGKILL)
                return
            self.send_response(sink.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sink.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
