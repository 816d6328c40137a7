"""The Atom feed: one entry per level change, for any feed reader.

Entry ids are stable (``tag:stormwatch,2024:change/DATE/FROM-TO``), so a
reader shows each level change exactly once however often the feed is
rewritten. The file is replaced atomically (written beside it, then moved).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

__all__ = ["FeedEntry", "render_atom", "write_feed"]

ATOM_NS = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class FeedEntry:
    """One level change as a feed entry."""

    entry_id: str
    title: str
    text: str
    published: dt.datetime
    updated: dt.datetime
    link: str | None = None


def _stamp(t: dt.datetime) -> str:
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_atom(
    entries: Sequence[FeedEntry],
    *,
    feed_id: str = "tag:stormwatch,2024:level-changes",
    title: str = "stormwatch: storm level changes",
    link: str | None = None,
    updated: dt.datetime | None = None,
) -> bytes:
    """An Atom 1.0 document (RFC 4287) of ``entries``, newest first.

    Parameters
    ----------
    entries
        The level changes; sorted here by ``published``, newest first.
    feed_id, title, link
        The feed's identity and an optional link (the report or dashboard).
    updated
        The feed's ``updated``; default the newest entry's (or the epoch for an empty feed).
    """
    ET.register_namespace("", ATOM_NS)
    ordered = sorted(entries, key=lambda e: (e.published, e.entry_id), reverse=True)
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    ET.SubElement(root, f"{{{ATOM_NS}}}id").text = feed_id
    ET.SubElement(root, f"{{{ATOM_NS}}}title").text = title
    newest = max((e.updated for e in ordered), default=dt.datetime(1970, 1, 1))
    ET.SubElement(root, f"{{{ATOM_NS}}}updated").text = _stamp(updated or newest)
    author = ET.SubElement(root, f"{{{ATOM_NS}}}author")
    ET.SubElement(author, f"{{{ATOM_NS}}}name").text = "stormwatch"
    if link:
        ET.SubElement(root, f"{{{ATOM_NS}}}link", href=link)
    for e in ordered:
        entry = ET.SubElement(root, f"{{{ATOM_NS}}}entry")
        ET.SubElement(entry, f"{{{ATOM_NS}}}id").text = e.entry_id
        ET.SubElement(entry, f"{{{ATOM_NS}}}title").text = e.title
        ET.SubElement(entry, f"{{{ATOM_NS}}}published").text = _stamp(e.published)
        ET.SubElement(entry, f"{{{ATOM_NS}}}updated").text = _stamp(e.updated)
        if e.link:
            ET.SubElement(entry, f"{{{ATOM_NS}}}link", href=e.link)
        content = ET.SubElement(entry, f"{{{ATOM_NS}}}content", type="text")
        content.text = e.text
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"


def write_feed(path: Path, document: bytes) -> Path:
    """Write ``document`` to ``path`` atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(document)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
