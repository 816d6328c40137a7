"""The storm level, declared: stages, rules, weights, hysteresis, and why.

Everything that decides the level sits in :data:`STORM_SPEC`. The engine
(:mod:`stormwatch.level.engine`) only executes it, and the report, dashboard
and alerts render from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["LEVEL_NAMES", "STORM_SPEC", "Stage", "StormSpec"]

LEVEL_NAMES: tuple[str, ...] = ("Calm", "Watch", "Warning", "Storm", "Endgame")


@dataclass(frozen=True)
class Stage:
    """One step of the ladder: which checklist items it needs, each at a minimum state.

    ``all_of`` items must all reach their state; of ``any_of``, at least one
    must (empty: no such condition). States rank ``off < watch < on``.
    """

    level: int
    name: str
    all_of: tuple[tuple[int, str], ...] = ()
    any_of: tuple[tuple[int, str], ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class StormSpec:
    """The declared storm-level spec.

    Attributes
    ----------
    checklist
        Checklist item number -> signal id (the thesis' six escalation steps).
    stages
        Stages 1..4, each requiring the previous stage's items plus its own.
    weights
        Signal id -> weight in the 0-100 score, with the reason.
    up_days, down_days
        Hysteresis: a higher stage must hold ``up_days`` business days before
        the level steps up; the level steps down only after the conditions
        of the current level have been absent for ``down_days``.
    intensity_cap
        Intensities are clipped to ``[0, intensity_cap]`` before weighting,
        so one extreme reading cannot fill the score alone.
    """

    checklist: Mapping[int, str]
    stages: tuple[Stage, ...]
    weights: Mapping[str, tuple[float, str]]
    up_days: int = 2
    down_days: int = 10
    intensity_cap: float = 3.0
    reasons: Mapping[str, str] = field(default_factory=dict)


STORM_SPEC = StormSpec(
    checklist=MappingProxyType(
        {
            1: "dollar_down_vol_up",
            2: "fx_skew_confirms",
            3: "dollar_falls_with_equities",
            4: "high_beta_leads_selloff",
            5: "correlations_to_one",
            6: "fed_put_fails",
        }
    ),
    stages=(
        Stage(
            1,
            "Watch",
            any_of=((1, "watch"), (2, "on")),
            reason="First signs: the dollar falls against the majors while implied vol rises "
            "(checklist 1 at least watch), or FX skew shows demand for dollar-downside protection "
            "(2 on; a proxy for skew is capped at watch, so it cannot raise the level alone).",
        ),
        Stage(
            2,
            "Warning",
            all_of=((3, "on"),),
            any_of=((1, "watch"), (2, "watch")),
            reason="The hedge has broken: the dollar falls while US equities sell off (3 on), "
            "confirmed by a falling dollar with rising vol or by FX skew (1 or 2 at least watch).",
        ),
        Stage(
            3,
            "Storm",
            all_of=((3, "on"), (4, "watch"), (5, "watch")),
            any_of=((1, "watch"), (2, "watch")),
            reason="Cross-border selling: on top of Warning, high-beta/thematic stocks lead the selling "
            "and correlations across assets and borders approach one (4 and 5 at least watch).",
        ),
        Stage(
            4,
            "Endgame",
            all_of=((3, "on"), (4, "watch"), (5, "watch"), (6, "on")),
            any_of=((1, "watch"), (2, "watch")),
            reason="The Fed put fails: on top of Storm, easing comes while the dollar falls further "
            "and equities keep falling (6 on).",
        ),
    ),
    weights=MappingProxyType(
        {
            "dollar_down_vol_up": (2.0, "checklist 1: the first link of the escalation"),
            "fx_skew_confirms": (1.0, "checklist 2: often a proxy from free data, so half weight"),
            "dollar_falls_with_equities": (3.0, "checklist 3: the broken hedge is the thesis' core"),
            "high_beta_leads_selloff": (1.5, "checklist 4: how the flow moves through the market"),
            "correlations_to_one": (1.5, "checklist 5: diversification failing across borders"),
            "fed_put_fails": (2.0, "checklist 6: the final signal"),
            "stagflation_pressure": (0.75, "aggravator: policy-driven weakness feeding inflation"),
            "bear_steepening_while_cutting": (0.75, "aggravator: the market pricing a policy error"),
            "metals_sold_with_equities": (0.5, "aggravator: gold and silver stop diversifying"),
            "real_rate_dollar_pressure": (0.75, "aggravator: the catalyst that drives the dollar"),
            "positioning_unwind": (0.75, "aggravator: flows, not domestic news, drive the selling"),
            "current_account_deficit": (0.25, "fuel: slow-moving; sets the size, not the timing"),
            "foreign_holdings": (0.25, "fuel: the stock of recycled dollars that can leave"),
            "valuation": (0.25, "fuel: rich valuations amplify liquidity shifts"),
            "concentration": (0.25, "fuel: concentration in the largest stocks and the AI theme"),
        }
    ),
    up_days=2,
    down_days=10,
    intensity_cap=3.0,
    reasons=MappingProxyType(
        {
            "up_days": "two business days: one print can be a data error or a one-day squeeze; "
            "a warning system must still be fast, so not more",
            "down_days": "two business weeks: sell-offs pause and resume; stepping down on the "
            "first quiet day would send a flurry of alerts",
            "intensity_cap": "three standard deviations: beyond that a reading is extreme "
            "whatever its exact size",
            "unknown": "a signal whose inputs are missing counts as not on (the level can only "
            "be raised by evidence) and is listed as unknown in every explanation",
        }
    ),
)
