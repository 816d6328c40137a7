"""Type aliases shared across stormwatch. Imports nothing of ours."""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeAlias

import pandas as pd

SeriesId: TypeAlias = str
"""A series id, ``source:native`` (``fred:DGS10``, ``yahoo:^GSPC``, ``cftc:099741:noncomm_net``)."""

DateLike: TypeAlias = "str | dt.date | dt.datetime | pd.Timestamp"

Frequency: TypeAlias = Literal["daily", "weekly", "monthly", "quarterly", "annual"]

State: TypeAlias = Literal["off", "watch", "on", "unknown"]
