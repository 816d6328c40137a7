"""The episode catalogue and the rule that labels episodes in any data.

The catalogue (``data/episodes.toml``) lists dated US equity sell-offs with
their *kind*, decided by what the dollar did between the S&P 500's high and
its trough:

``debasement_selloff``
    the dollar fell with equities (the thesis' storm: the hedge broke);
``classic_risk_off``
    the dollar rose while equities fell (the dollar was the hedge);
``other``
    the dollar moved less than the rule's thresholds.

The same rule (:class:`EpisodeRule`) finds sell-offs in any price history
(:func:`detect_episodes`) and labels them (:func:`classify_kind`), so new
data is labelled exactly as the catalogue was. Episodes are labels, known
only with hindsight; they are never inputs to a warning.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

__all__ = [
    "EPISODE_KINDS",
    "Episode",
    "EpisodeKind",
    "EpisodeRule",
    "classify_kind",
    "detect_episodes",
    "episodes_frame",
    "load_episode_rule",
    "load_episodes",
]

EpisodeKind: TypeAlias = Literal["debasement_selloff", "classic_risk_off", "other"]
EPISODE_KINDS: tuple[EpisodeKind, ...] = ("debasement_selloff", "classic_risk_off", "other")


@dataclass(frozen=True)
class Episode:
    """One dated sell-off.

    Attributes
    ----------
    id, name
        Stable identifier and a readable name.
    start
        The S&P 500's closing high before the sell-off.
    trough
        Its lowest close before the recovery.
    kind
        See the module docstring.
    notes
        What happened, with the sizes.
    """

    id: str
    name: str
    start: pd.Timestamp
    trough: pd.Timestamp
    kind: EpisodeKind
    notes: str = ""


@dataclass(frozen=True)
class EpisodeRule:
    """How sell-offs are found and labelled.

    Attributes
    ----------
    decline
        A sell-off is a fall of at least this fraction below the running high (0.10).
    rebound
        Its trough is confirmed when the index rises this fraction above it (0.10)
        or makes a new high.
    usd_down, usd_up
        The dollar's simple return from start to trough at or below ``usd_down``
        makes a ``debasement_selloff``; at or above ``usd_up`` a ``classic_risk_off``.
    """

    decline: float = 0.10
    rebound: float = 0.10
    usd_down: float = -0.02
    usd_up: float = 0.02

    def __post_init__(self) -> None:
        if not 0.0 < self.decline < 1.0:
            raise ValueError(f"decline must be in (0, 1), e.g. 0.10 for a 10% fall; got {self.decline}")
        if not self.rebound > 0.0:
            raise ValueError(f"rebound must be > 0, e.g. 0.10; got {self.rebound}")
        if not self.usd_down < 0.0 < self.usd_up:
            raise ValueError("usd_down must be < 0 < usd_up, e.g. -0.02 and 0.02")


def _read_toml(path: Path | None) -> dict[str, object]:
    if path is None:
        text = resources.files("stormwatch").joinpath("data/episodes.toml").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_episode_rule(path: Path | None = None) -> EpisodeRule:
    """The labelling rule declared in the catalogue file (``[rule]``)."""
    raw = _read_toml(path).get("rule", {})
    if not isinstance(raw, dict):
        raise ValueError("the episode catalogue's [rule] must be a table")
    return EpisodeRule(**{k: float(v) for k, v in raw.items()})


def load_episodes(path: Path | None = None) -> tuple[Episode, ...]:
    """The episode catalogue, oldest first.

    Parameters
    ----------
    path
        A TOML file with ``[[episode]]`` tables (``id``, ``name``, ``start``,
        ``trough``, ``kind``, ``notes``); ``None`` reads the packaged catalogue.
    """
    raw = _read_toml(path).get("episode", [])
    if not isinstance(raw, list):
        raise ValueError("the episode catalogue must hold [[episode]] tables")
    out: list[Episode] = []
    for entry in raw:
        kind = str(entry["kind"])
        if kind not in EPISODE_KINDS:
            raise ValueError(f"episode {entry.get('id')!r}: kind {kind!r} is not one of {EPISODE_KINDS}")
        ep = Episode(
            id=str(entry["id"]),
            name=str(entry["name"]),
            start=pd.Timestamp(entry["start"]),
            trough=pd.Timestamp(entry["trough"]),
            kind=kind,
            notes=str(entry.get("notes", "")),
        )
        if ep.trough <= ep.start:
            raise ValueError(f"episode {ep.id!r}: trough {ep.trough.date()} is not after start")
        out.append(ep)
    return tuple(sorted(out, key=lambda e: (e.start, e.trough)))


def episodes_frame(episodes: Sequence[Episode]) -> pd.DataFrame:
    """The episodes as a frame (one row each; columns id, name, start, trough, kind, notes)."""
    return pd.DataFrame(
        {
            "id": [e.id for e in episodes],
            "name": [e.name for e in episodes],
            "start": pd.DatetimeIndex([e.start for e in episodes]),
            "trough": pd.DatetimeIndex([e.trough for e in episodes]),
            "kind": [e.kind for e in episodes],
            "notes": [e.notes for e in episodes],
        }
    )


def _value_on(x: pd.Series, day: pd.Timestamp) -> float:
    """The last known value on or before ``day`` (NaN if none, or if ``day`` is past the data)."""
    known = x.loc[:day].dropna()
    if not len(known) or day > x.dropna().index[-1]:
        return float("nan")
    return float(known.iloc[-1])


def classify_kind(
    usd: pd.Series, start: pd.Timestamp, trough: pd.Timestamp, rule: EpisodeRule | None = None
) -> EpisodeKind | None:
    """The kind of a sell-off from the dollar's return between its start and trough.

    Parameters
    ----------
    usd
        The dollar index (ICE DXY), dated.
    start, trough
        The sell-off's first and lowest day.
    rule
        Thresholds (default :class:`EpisodeRule`).

    Returns
    -------
    str or None
        ``None`` when the dollar is unknown on either day.
    """
    r = rule or EpisodeRule()
    a, b = _value_on(usd, start), _value_on(usd, trough)
    if not (np.isfinite(a) and np.isfinite(b)) or a <= 0:
        return None
    ret = b / a - 1.0
    if ret <= r.usd_down:
        return "debasement_selloff"
    if ret >= r.usd_up:
        return "classic_risk_off"
    return "other"


def _turning_points(x: np.ndarray, decline: float, rebound: float) -> list[tuple[int, int]]:
    """(peak, trough) positions of every fall of ``decline`` confirmed by a ``rebound``."""
    out: list[tuple[int, int]] = []
    peak = trough = -1
    falling = False
    for i, v in enumerate(x.tolist()):
        if not np.isfinite(v):
            continue
        if not falling:
            if peak < 0 or v >= x[peak]:
                peak = i
            elif v <= x[peak] * (1.0 - decline):
                falling, trough = True, i
        else:
            if v < x[trough]:
                trough = i
            elif v >= x[trough] * (1.0 + rebound) or v >= x[peak]:
                out.append((peak, trough))
                falling, peak = False, i
    if falling:
        out.append((peak, trough))
    return out


def detect_episodes(
    spx: pd.Series, usd: pd.Series | None = None, rule: EpisodeRule | None = None
) -> tuple[Episode, ...]:
    """Find sell-offs in a price history by the rule and label them.

    A sell-off starts at a closing high and is counted once the index has
    fallen ``rule.decline`` below it; its trough is the lowest close before the
    index rebounds ``rule.rebound`` above that low (or regains the high). An
    unfinished fall at the end of the data is reported with the low so far.

    Parameters
    ----------
    spx
        The S&P 500 (any equity index), dated; NaN rows are skipped.
    usd
        The dollar index for the kind; without it every kind is ``other``.
    rule
        Thresholds (default: the catalogue's rule).

    Returns
    -------
    tuple of Episode
        Ids ``selloff_<start>``; names give the size of the fall.
    """
    r = rule or load_episode_rule()
    x = spx.to_numpy(dtype="float64")
    idx = pd.DatetimeIndex(spx.index)
    out: list[Episode] = []
    for p, t in _turning_points(x, r.decline, r.rebound):
        start, trough = pd.Timestamp(idx[p]), pd.Timestamp(idx[t])
        kind = classify_kind(usd, start, trough, r) if usd is not None else "other"
        fall = x[t] / x[p] - 1.0
        out.append(
            Episode(
                id=f"selloff_{start.date()}",
                name=f"S&P 500 {100 * fall:.1f}% from {start.date()} to {trough.date()}",
                start=start,
                trough=trough,
                kind=kind or "other",
                notes="found by the rule" + ("" if kind else "; dollar unknown, kind set to other"),
            )
        )
    return tuple(out)
