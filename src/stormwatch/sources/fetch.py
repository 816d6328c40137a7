"""Source-agnostic driving of connectors: fetch every request a query needs, then parse.

Most sources answer a query in one request. FRED with an API key may need
several (the 2000-vintage cap); it exposes ``fetch_chunks`` and ``combine``,
and these helpers use them when present, so ingest can treat every source
alike while still keeping the raw bytes of each request::

    chunks = fetch_all(source, query)      # network: [(query, bytes), ...]
    frame = parse_all(source, chunks)      # pure
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import pandas as pd

from stormwatch.sources.base import Query, Source

__all__ = ["ChunkedSource", "fetch_all", "parse_all"]


@runtime_checkable
class ChunkedSource(Protocol):
    """A source that may need several requests for one query."""

    def fetch_chunks(self, query: Query) -> Sequence[tuple[Query, bytes]]:
        """Fetch every request ``query`` needs, returning each with its own query."""
        ...

    @staticmethod
    def combine(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
        """Merge the frames parsed from each chunk."""
        ...


def fetch_all(source: Source, query: Query) -> list[tuple[Query, bytes]]:
    """All raw bodies for ``query``: ``fetch_chunks`` if the source has it, else one ``fetch_raw``.

    Parameters
    ----------
    source
        A registered connector instance.
    query
        The query.

    Returns
    -------
    list of (Query, bytes)
        Each request's own query (pass it to ``parse``) and its body.
    """
    if isinstance(source, ChunkedSource):
        return list(source.fetch_chunks(query))
    return [(query, source.fetch_raw(query))]


def parse_all(source: Source, chunks: Sequence[tuple[Query, bytes]]) -> pd.DataFrame:
    """Parse each chunk with its own query and merge the frames (pure).

    Raises
    ------
    ValueError
        ``chunks`` is empty.
    """
    if not chunks:
        raise ValueError("parse_all needs at least one (query, bytes) chunk")
    frames = [source.parse(raw, q) for q, raw in chunks]
    if len(frames) == 1:
        return frames[0]
    if isinstance(source, ChunkedSource):
        return source.combine(frames)
    out = pd.concat(frames, ignore_index=True)
    out = out.drop_duplicates(subset=["period", "published_at"], keep="last")
    return out.sort_values(["period", "published_at"], kind="stable").reset_index(drop=True)
