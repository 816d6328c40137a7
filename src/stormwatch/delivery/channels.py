"""Alert channels: one URL per subscriber, one send per message, secrets kept out of sight.

A channel is a URL. Two kinds are sent by stormwatch itself, everything
else through `apprise <https://github.com/caronc/apprise>`_ (Slack, Discord,
Microsoft Teams, Telegram, ntfy, Matrix, ... — any URL apprise understands):

``mailto://[user:password@]host[:port]?to=ADDR[,ADDR]&from=ADDR[&name=NAME]``
    Email over SMTP with :mod:`smtplib`: plain SMTP (default port 25);
    ``mailtos://`` is STARTTLS (default port 587) or, with ``mode=ssl``,
    implicit TLS (default port 465). Recipients may also be path segments
    (``mailto://host/a@example.org``). stormwatch sends email itself, not
    through apprise, because apprise sets a random ``Message-ID`` after any
    header it is given: the message would carry two ``Message-ID`` headers
    and a receiver could not de-duplicate on ours. Here the idempotency key
    *is* the ``Message-ID`` (``<KEY@stormwatch>``). A password is never sent
    over an unencrypted connection to a host other than loopback.
``json://`` / ``jsons://``
    A generic JSON webhook (HTTP/HTTPS POST), sent through apprise's JSON
    plugin with an ``Idempotency-Key`` header and the alert object under the
    ``stormwatch`` key (see ``docs/ALERTS.md`` for the schema).

:func:`send` never raises for a delivery problem: it returns a
:class:`SendOutcome` whose ``detail`` has every secret of the URL replaced by
``***``. :func:`redact_url` is the only form in which a URL is ever shown.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
import smtplib
import ssl
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "ChannelError",
    "Message",
    "SendOutcome",
    "channel_kind",
    "redact_text",
    "redact_url",
    "send",
    "validate_url",
]

_EMAIL_SCHEMES = ("mailto", "mailtos")
_JSON_SCHEMES = ("json", "jsons")
_SECRET_QUERY = re.compile(r"(token|key|secret|pass|pwd|auth|sig|apikey|webhook)", re.IGNORECASE)
_APPRISE_ELIDED = re.compile(r"(?<=[/:@])[^/:@?#]\.\.\.[^/:@?#]")
_PLAIN_SEGMENT = re.compile(r"^[A-Za-z_.-]{1,16}$")  # a word, not a token: no digits, short
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")


class ChannelError(ValueError):
    """A channel URL stormwatch cannot send to; the message never contains the secret parts."""


@dataclass(frozen=True)
class Message:
    """One alert, rendered for one subscriber, ready for any channel.

    Attributes
    ----------
    key
        The idempotency key: the same key is the same message.
    title, text, html
        Subject line, plain-text body, HTML body (email; may reference the chart as ``cid:chart``).
    payload
        The ``stormwatch`` JSON object (webhooks).
    notify_type
        ``info``, ``success``, ``warning`` or ``failure`` (apprise's colours and icons).
    chart_png
        The level chart, attached to every channel that takes attachments.
    report_html
        The report file's bytes, attached to email when given.
    created_at
        The message's ``Date`` (naive UTC).
    """

    key: str
    title: str
    text: str
    html: str
    payload: Mapping[str, Any]
    notify_type: str = "info"
    chart_png: bytes | None = field(default=None, repr=False)
    chart_name: str = "stormwatch-level.png"
    report_html: bytes | None = field(default=None, repr=False)
    report_name: str = "stormwatch-report.html"
    created_at: dt.datetime | None = None


@dataclass(frozen=True)
class SendOutcome:
    """What one send did: ``ok`` when the channel confirmed it; ``detail`` is redacted."""

    ok: bool
    detail: str = ""


# -- URLs and secrets -------------------------------------------------------------


def _scheme(url: str) -> str:
    head, sep, _ = url.partition("://")
    return head.lower() if sep else ""


def channel_kind(url: str) -> str:
    """``email``, ``webhook`` (generic JSON) or ``apprise`` (every other service)."""
    scheme = _scheme(url)
    if scheme in _EMAIL_SCHEMES:
        return "email"
    if scheme in _JSON_SCHEMES:
        return "webhook"
    return "apprise"


def _redact_netloc(netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    if not at:
        return netloc
    user, colon, _password = userinfo.partition(":")
    return f"{user}:***@{hostport}" if colon else f"{user}@{hostport}"


def _redact_query(query: str, *, keep: tuple[str, ...] = ()) -> str:
    if not query:
        return ""
    out = []
    for part in query.split("&"):
        name, eq, value = part.partition("=")
        if eq and name.lower() not in keep and _SECRET_QUERY.search(name):
            value = "***"
        out.append(f"{name}{eq}{value}")
    return "?" + "&".join(out)


def redact_url(url: str) -> str:
    """The URL with its secrets replaced by ``***``: the only form ever printed, logged or stored as text.

    Passwords become ``***`` (``mailto://user:***@host``); secret-looking query
    values (token, key, secret, password, ...) too; a JSON webhook's path
    keeps only plain words (no digits, at most 16 letters: ``json://host/hooks/***``,
    since webhook paths often carry the token); for other services
    apprise decides which parts are private and each becomes ``***``.
    """
    scheme = _scheme(url)
    if not scheme:
        return "***"
    try:
        parts = urlsplit(url)
        netloc = _redact_netloc(parts.netloc)
    except ValueError:
        return f"{scheme}://***"
    if scheme in _EMAIL_SCHEMES:
        return f"{scheme}://{netloc}{parts.path}{_redact_query(parts.query, keep=('to', 'from', 'name'))}"
    if scheme in _JSON_SCHEMES:
        segments = [s if _PLAIN_SEGMENT.match(s) else "***" for s in parts.path.split("/") if s]
        path = "".join(f"/{s}" for s in segments)
        return f"{scheme}://{netloc}{path}{_redact_query(parts.query)}"
    plugin = _apprise_plugin(url)
    if plugin is None:
        return f"{scheme}://***"
    private = str(plugin.url(privacy=True)).split("?", 1)[0].rstrip("/")
    private = re.sub(r"\*{3,}", "***", private)
    return _APPRISE_ELIDED.sub("***", private)


def _secret_fragments(url: str) -> list[str]:
    """Pieces of ``url`` that its redacted form hides (longest first)."""
    shown = redact_url(url)
    pieces = {url}
    for token in re.split(r"[/:@?&=#,;]+", url):
        for candidate in (token, unquote(token)):
            if len(candidate) >= 3 and candidate not in shown:
                pieces.add(candidate)
    return sorted(pieces, key=len, reverse=True)


def redact_text(text: str, url: str) -> str:
    """``text`` with every secret fragment of ``url`` (and the URL itself) replaced by ``***``."""
    for piece in _secret_fragments(url):
        text = text.replace(piece, "***")
    return text


# -- validation ---------------------------------------------------------------------


@dataclass(frozen=True)
class _EmailTarget:
    host: str
    port: int
    security: str  # plain | starttls | ssl
    user: str | None
    password: str | None = field(repr=False)
    sender: str
    sender_name: str
    recipients: tuple[str, ...]


def _email_target(url: str) -> _EmailTarget:
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        port_given = parts.port
    except ValueError:
        raise ChannelError(f"{shown}: not a valid email URL (bad host or port)") from None
    host = parts.hostname or ""
    if not host:
        raise ChannelError(f"{shown}: no SMTP host; use mailto://host:port?to=ADDR&from=ADDR")
    query = {k.lower(): v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    secure = _scheme(url) == "mailtos"
    mode = query.get("mode", "").lower()
    if not secure:
        if mode not in ("", "plain", "insecure"):
            raise ChannelError(f"{shown}: mode={mode} needs mailtos://")
        security = "plain"
    elif mode in ("", "starttls"):
        security = "starttls"
    elif mode == "ssl":
        security = "ssl"
    else:
        raise ChannelError(f"{shown}: mode must be starttls or ssl")
    port = port_given or {"plain": 25, "starttls": 587, "ssl": 465}[security]
    recipients = [unquote(s) for s in parts.path.split("/") if s]
    recipients += [a.strip() for a in query.get("to", "").split(",") if a.strip()]
    if not recipients:
        raise ChannelError(f"{shown}: no recipient; add ?to=ADDR")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    sender = query.get("from", "").strip() or (
        user if user and _ADDRESS.match(user) else f"stormwatch@{host}"
    )
    for addr in (*recipients, sender):
        if not _ADDRESS.match(addr):
            raise ChannelError(f"{shown}: {addr!r} is not an email address")
    if password is not None and security == "plain" and not _is_loopback(host):
        raise ChannelError(
            f"{shown}: refusing to send a password unencrypted to {host}; "
            "use mailtos:// (STARTTLS, or mode=ssl)"
        )
    return _EmailTarget(
        host=host,
        port=port,
        security=security,
        user=user,
        password=password,
        sender=sender,
        sender_name=query.get("name", "stormwatch"),
        recipients=tuple(dict.fromkeys(recipients)),
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _apprise_plugin(url: str, extra: Mapping[str, Any] | None = None, timeout: float | None = None) -> Any:
    with _quiet_apprise():
        import apprise
        from apprise.plugins import url_to_dict

        results = url_to_dict(url, secure_logging=True)  # type: ignore[no-untyped-call]
        if results is None:
            return None
        if timeout is not None:
            results.setdefault("cto", timeout)
            results.setdefault("rto", timeout)
        for name, value in (extra or {}).items():
            if isinstance(value, Mapping) and isinstance(results.get(name), dict):
                results[name] = {**results[name], **value}
            else:
                results[name] = value
        asset = apprise.AppriseAsset(storage_mode=apprise.PersistentStoreMode.MEMORY)
        return apprise.Apprise.instantiate(results, asset=asset)


def validate_url(url: str) -> str:
    """Check that stormwatch can send to ``url``; returns its kind (see :func:`channel_kind`).

    Raises
    ------
    ChannelError
        With the redacted URL and what to fix.
    """
    if not _scheme(url):
        raise ChannelError("not a channel URL: expected scheme://... (e.g. mailto://, json://, slack://)")
    kind = channel_kind(url)
    if kind == "email":
        _email_target(url)
    elif _apprise_plugin(url) is None:
        raise ChannelError(
            f"{redact_url(url)}: not a URL apprise understands; see https://appriseit.com/services/"
        )
    return kind


# -- sending --------------------------------------------------------------------------


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.levelno >= logging.WARNING or "exception" in text.lower():
            self.lines.append(text.strip())


@contextmanager
def _quiet_apprise() -> Iterator[_Capture]:
    """Keep apprise's log lines out of stderr and log files; collect its warnings for the outcome.

    Importing apprise's plugins on Python 3.11-3.12 also imports the
    deprecated ``imghdr`` module; that DeprecationWarning is apprise's, not ours.
    """
    logger = logging.getLogger("apprise")
    capture = _Capture()
    old_propagate, old_level = logger.propagate, logger.level
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(capture)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            yield capture
    finally:
        logger.removeHandler(capture)
        logger.propagate, logger.level = old_propagate, old_level


_ERRNO = re.compile(r"\[Errno -?\d+\][^\"')\]]*")


def _condense(lines: list[str]) -> str:
    """apprise's warnings as one short line: the first warning, plus the OS error under it if any."""
    warnings_ = [ln for ln in lines if ln and not ln.lower().startswith("socket exception")]
    head = warnings_[0] if warnings_ else ""
    cause = next((m.group(0).strip() for ln in lines if (m := _ERRNO.search(ln))), "")
    text = f"{head} ({cause})" if head and cause else head or cause or "; ".join(lines)
    return text[:400]


def _html_email(message: Message, cid: str | None) -> str:
    body = message.html
    if cid is not None:
        body = body.replace("cid:chart", f"cid:{cid[1:-1]}")
    return body


def _build_email(message: Message, target: _EmailTarget) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = " ".join(message.title.split())
    msg["From"] = formataddr((target.sender_name, target.sender))
    msg["To"] = ", ".join(target.recipients)
    msg["Message-ID"] = f"<{message.key}@stormwatch>"
    msg["X-Stormwatch-Idempotency-Key"] = message.key
    if message.created_at is not None:
        msg["Date"] = format_datetime(message.created_at.replace(tzinfo=dt.UTC))
    msg.set_content(message.text)
    cid = make_msgid(domain="stormwatch") if message.chart_png else None
    msg.add_alternative(_html_email(message, cid), subtype="html")
    if message.chart_png and cid is not None:
        html_part = msg.get_body(preferencelist=("html",))
        assert html_part is not None  # added just above
        html_part.add_related(
            message.chart_png,
            maintype="image",
            subtype="png",
            cid=cid,
            filename=message.chart_name,
            disposition="inline",
        )
    if message.report_html:
        msg.add_attachment(message.report_html, maintype="text", subtype="html", filename=message.report_name)
    return msg


def _send_email(url: str, message: Message, timeout: float) -> SendOutcome:
    target = _email_target(url)
    msg = _build_email(message, target)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if target.security == "ssl":
        client = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
    with client:
        client.ehlo()
        if target.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if target.user is not None and target.password is not None:
            client.login(target.user, target.password)
        refused = client.send_message(msg, from_addr=target.sender, to_addrs=list(target.recipients))
    if refused:
        # Some recipients took it: resending would duplicate to them, so it counts as sent.
        return SendOutcome(True, f"accepted, but refused for {', '.join(sorted(refused))}")
    return SendOutcome(
        True, f"accepted by {target.host}:{target.port} for {len(target.recipients)} recipient(s)"
    )


def _send_apprise(url: str, message: Message, timeout: float) -> SendOutcome:
    extra: dict[str, Any] = {}
    if channel_kind(url) == "webhook":
        extra = {
            "headers": {"Idempotency-Key": message.key},
            "payload": {"stormwatch": dict(message.payload)},
        }
    with _quiet_apprise() as capture:
        import apprise
        from apprise.attachment.memory import AttachMemory

        plugin = _apprise_plugin(url, extra, timeout)
        if plugin is None:
            return SendOutcome(False, "not a URL apprise understands")
        sender = apprise.Apprise(asset=plugin.asset)
        sender.add(plugin)
        attach = None
        if message.chart_png:
            attach = apprise.AppriseAttachment(
                AttachMemory(  # type: ignore[no-untyped-call]
                    content=message.chart_png, name=message.chart_name, mimetype="image/png"
                )
            )
        ok = bool(
            sender.notify(
                body=message.text,
                title=message.title,
                notify_type=apprise.NotifyType(message.notify_type),
                body_format=apprise.NotifyFormat.TEXT,
                attach=attach,
            )
        )
    if ok:
        return SendOutcome(True, "confirmed by the service")
    return SendOutcome(False, _condense(capture.lines) or "the service did not confirm")


def send(url: str, message: Message, *, timeout: float = 15.0) -> SendOutcome:
    """Send ``message`` to the channel ``url``; never raises for a delivery failure.

    Parameters
    ----------
    url
        The subscriber's channel URL (a secret: never shown unredacted).
    message
        What to send.
    timeout
        Seconds for connecting and for each read, so one dead channel cannot
        hold up the others for long.

    Returns
    -------
    SendOutcome
        ``ok`` when the channel confirmed the message (SMTP accepted it; the
        service answered 2xx); ``detail`` is redacted.
    """
    try:
        if channel_kind(url) == "email":
            outcome = _send_email(url, message, timeout)
        else:
            outcome = _send_apprise(url, message, timeout)
    except ChannelError as exc:
        outcome = SendOutcome(False, str(exc))
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        outcome = SendOutcome(False, f"{type(exc).__name__}: {exc}")
    return SendOutcome(outcome.ok, redact_text(outcome.detail, url))
