"""The past episodes the charts shade, from the evaluation's episode catalogue.

The catalogue (``stormwatch/data/episodes.toml``, read by
:func:`stormwatch.evaluation.episodes.load_episodes`) is the one definition;
the report and dashboard only draw it: each episode from the S&P 500's high
to its trough, tinted by its kind (what the dollar did).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from stormwatch.evaluation.episodes import Episode, load_episodes

__all__ = ["KIND_LABELS", "KIND_TINTS", "EpisodeSet", "load_episode_set"]

#: Shading of an episode span by its kind.
KIND_TINTS = MappingProxyType(
    {
        "debasement_selloff": "rgba(198,40,40,0.13)",
        "classic_risk_off": "rgba(31,78,121,0.11)",
        "other": "rgba(120,120,120,0.12)",
    }
)

#: What each kind's tint means, for the chart legends.
KIND_LABELS = MappingProxyType(
    {
        "debasement_selloff": "the dollar fell with equities",
        "classic_risk_off": "the dollar rose as equities fell",
        "other": "the dollar moved little",
    }
)


@dataclass(frozen=True)
class EpisodeSet:
    """Episodes and where they came from."""

    episodes: tuple[Episode, ...]
    source: str


def load_episode_set(path: Path | None = None) -> EpisodeSet:
    """The episode catalogue to shade: ``path``, else the packaged one.

    Parameters
    ----------
    path
        A TOML catalogue in the evaluation's format (``[[episode]]`` with
        ``id``, ``name``, ``start``, ``trough``, ``kind``).
    """
    source = "stormwatch/data/episodes.toml" if path is None else str(path)
    return EpisodeSet(load_episodes(path), source)
