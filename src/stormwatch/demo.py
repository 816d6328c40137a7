"""A SIMULATED storm: every series the signals read, generated offline.

``stormwatch demo`` shows a new user what the system does without network or
data. This module is its pure half: :func:`simulate_scenario` draws, from a
seed, an observation frame (``series_id``, ``period``, ``published_at``,
``value``) for every catalog series the signals read, in each series' native
units, frequency and publication lag (:meth:`~stormwatch.catalog.SeriesSpec.published_at`),
so that the real store, panel, signals and level run on it unchanged.

**None of this is market history.** The dates lie in the future (2030 on) so
that no one mistakes a simulated day for a real one, and every output of the
demo carries :data:`SIMULATED_BANNER`.

The model
---------
A small daily factor model. Eight correlated factors — US equities, the
dollar, implied volatility, rates, credit, gold, foreign equities and a
"risky minus safe" equity style — with calm-period correlations in which the
usual hedges work (the dollar and implied vol rise when equities fall,
Treasuries rally), plus:

* a *common stress factor*, off in the calm, that in the storm loads on every
  asset at once (US and foreign equities, gold, Treasuries, credit and the
  dollar are sold together: correlations go to one);
* a few calm risk-off days a year (implied vol jumps, equities drop, the
  dollar rises);
* storm shocks that partly revert within a week (:func:`_reverting`): big
  daily swings, while the month-scale moves follow the phase's drifts.

Each series is built from the factors: the dollar index from five simulated
currencies with the ICE weights, the USD ETFs from local indices and
currencies, style ETFs from their beta and style loading, implied vols and
risk reversals as target paths plus persistent deviations, and so on.

The scenario
------------
Each :class:`Phase` sets drifts, volatility multipliers and targets; the
phases follow the thesis' escalation (MISSION.md):

====  ================  ==============================================================
lvl   phase             what happens
====  ================  ==============================================================
0     calm              ten years of a strong dollar, rising equities, low vol: the
                        sequential estimates warm up
1     dollar_vol        the dollar falls against the majors while implied vols rise;
                        EUR call skew is bid (checklist 1 and 2)
2     broken_hedge      the dollar keeps falling while US equities sell off (3)
3     cross_border      high beta, semis, small caps and low quality lead the selling;
                        a common factor takes over foreign indices, gold, credit and
                        yields (4 and 5)
4     fed_put_fails     the Fed cuts 50 bp, then 25 bp twice, and the balance sheet grows,
                        yet the dollar falls faster and equities keep falling (6)
1     relief            the dollar stabilises and equities bounce; skew stays bid
0     calm_again        volatility, spreads and skew normalise
====  ================  ==============================================================

The level column is the design intent; the real level engine decides. With
the level spec as of this writing, on seeds 0-39 (measured with the real
signals): 39 walk 1, 2, 3, 4 through the storm phases in order and back to 0;
31 do so without any detour; 8 also show a two-to-three-week Watch in the calm
years (a dollar dip that happened to coincide with rising implied vol:
checklist 1 at watch), the kind of false alarm real data gives too. The
default seed 0 walks cleanly (``tests/test_demo.py``).

Everything is deterministic per seed (``numpy.random.default_rng``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd

from stormwatch._typing import SeriesId
from stormwatch.catalog import Catalog, load_catalog
from stormwatch.compute import required_ids

__all__ = [
    "DEFAULT_START",
    "PHASES",
    "SIMULATED_BANNER",
    "SIMULATED_SOURCE",
    "Phase",
    "missing_recipes",
    "phase_table",
    "simulate_scenario",
    "simulated_ids",
]

SIMULATED_BANNER = "SIMULATED DATA — not market history"
"""Printed at the top and bottom of every demo output."""

SIMULATED_SOURCE = "simulated"
"""The ``source`` recorded in the store's fetch status for every demo series."""

DEFAULT_START = pd.Timestamp("2030-01-01")
"""First simulated business day: in the future, so no one mistakes it for history."""

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Phase:
    """One stretch of the scenario.

    Attributes
    ----------
    key, title, description
        How the walk-through names and explains it.
    days
        Length in business days.
    level
        The storm level the phase is built to reach (the design intent; the
        real level engine decides, and the demo shows both).
    drift
        Per-day drifts held through the phase (log returns for prices; keys
        of :data:`_CALM_DRIFT`).
    vol
        Multipliers of each factor's calm daily volatility, the stress
        factor's size and the storm ``reversal`` (keys of :data:`_CALM_VOL`).
    target
        Values that level-type paths (implied vols as multiples of calm,
        risk reversals, yields, spreads, positioning, macro data; keys of
        :data:`_CALM_TARGET`) reach at the *end* of the phase, moving
        linearly from the previous phase's.
    """

    key: str
    title: str
    days: int
    level: int
    description: str
    drift: Mapping[str, float] = field(default_factory=dict)
    vol: Mapping[str, float] = field(default_factory=dict)
    target: Mapping[str, float] = field(default_factory=dict)


# Calm defaults: drifts per business day, vol multipliers, and targets.
_CALM_DRIFT: Mapping[str, float] = MappingProxyType(
    {
        "equity": 0.00038,  # ~10% a year
        "dollar": 0.00010,  # a strong dollar, ~2.5% a year
        "style": 0.00004,  # risky end slightly ahead (the AI theme)
        "beta": 1.0,  # multiplier of each style leg's beta minus one
        "foreign_equity": 0.00022,
        "gold": 0.00012,
        "walcl": -0.00004,  # slow quantitative tightening
    }
)
_CALM_VOL: Mapping[str, float] = MappingProxyType(
    {
        "equity": 1.0,
        "dollar": 1.0,
        "stress": 0.0,
        "style": 1.0,
        "foreign_equity": 1.0,
        "rates": 1.0,
        "credit": 1.0,
        "gold": 1.0,
        # How much of a shock reverts within a week (see _reverting): 0 in the calm;
        # negative in the storm, where markets swing and give back while the trend persists.
        "reversal": 0.0,
    }
)
_CALM_TARGET: Mapping[str, float] = MappingProxyType(
    {
        # implied vols, as multiples of their calm level
        "vix": 1.0,
        "move": 1.0,
        "evz": 1.0,
        "ovx": 1.0,
        "gvz": 1.0,
        # 1-month 25-delta risk reversals, vol points (as quoted)
        "rr_eurusd": -0.45,
        "rr_usdjpy": -1.0,
        "rr_gbpusd": -0.55,
        # rates and spreads, percent
        "dgs10": 4.25,
        "dgs2": 4.05,
        "dgs3mo": 4.30,
        "sofr_terminal": 3.90,
        "infl_swap_2y": 2.45,
        "t5yie": 2.30,
        "t10yie": 2.30,
        "hy_oas": 3.10,
        "sonia": 4.20,
        # Fed plumbing
        "tga_bn": 750.0,
        "rrp_bn": 150.0,
        # macro
        "cfnai": 0.05,
        "claims_k": 220.0,
        "sahm": 0.10,
        "mich": 3.0,
        # CFTC non-commercial net positions, contracts
        "cftc_eur": -30_000.0,
        "cftc_jpy": -90_000.0,
        "cftc_usd": 25_000.0,
        "cftc_es": 80_000.0,
        # TIC foreign net purchases of US equities, millions a month
        "tic_equity": 15_000.0,
    }
)

#: Where a target path starts, if not at its calm value: risk reversals drift down through the
#: calm (dollar-downside protection gets cheaper while the dollar is strong).
_INITIAL: Mapping[str, float] = MappingProxyType({"rr_eurusd": -0.20, "rr_usdjpy": -0.75, "rr_gbpusd": -0.35})

PHASES: tuple[Phase, ...] = (
    Phase(
        "calm",
        "Years of calm",
        days=2660,
        level=0,
        description="A strong dollar, equities rising about 10% a year, low implied volatility; on risk-off "
        "days the dollar rises (the usual hedge). The sequential estimates (expanding z-scores, "
        "1-10 year baselines) warm up on these years.",
    ),
    Phase(
        "dollar_vol",
        "The dollar falls while implied vols rise",
        days=30,
        level=1,
        description="The dollar falls against the majors while implied volatility rises in equities (VIX), "
        "rates (MOVE), FX (EVZ), oil (OVX) and gold (GVZ); EUR call skew gets bid (25-delta risk "
        "reversals turn positive). Equities are still flat.",
        drift={"dollar": -0.0017, "equity": 0.0, "gold": 0.0015, "style": 0.0},
        vol={"dollar": 0.9, "equity": 0.9, "reversal": -0.6},
        target={
            "vix": 2.0,
            "move": 1.55,
            "evz": 1.8,
            "ovx": 1.6,
            "gvz": 1.7,
            "rr_eurusd": 0.90,
            "rr_usdjpy": -1.9,
            "rr_gbpusd": 0.30,
            "hy_oas": 3.3,
            "cftc_eur": 40_000.0,
            "cftc_jpy": -40_000.0,
            "cftc_usd": 10_000.0,
            "cftc_es": 60_000.0,
        },
    ),
    Phase(
        "broken_hedge",
        "The dollar falls while equities sell off",
        days=25,
        level=2,
        description="US equities sell off and the dollar keeps falling instead of rising: the hedge that "
        "kept foreign holders unhedged is broken. The selling is index-wide (high beta falls no "
        "more than the market yet) and foreign markets do not follow.",
        drift={
            "dollar": -0.0016,
            "equity": -0.0042,
            "beta": 0.0,
            "style": 0.0002,
            "gold": 0.0008,
            "foreign_equity": 0.0004,
            "walcl": 0.0,
        },
        vol={"dollar": 0.9, "equity": 1.0, "reversal": -0.8},
        target={
            "vix": 2.2,
            "move": 1.65,
            "evz": 1.95,
            "ovx": 1.7,
            "gvz": 1.8,
            "rr_eurusd": 1.10,
            "rr_usdjpy": -2.2,
            "rr_gbpusd": 0.45,
            "hy_oas": 3.7,
            "tga_bn": 880.0,
            "cftc_eur": 80_000.0,
            "cftc_jpy": 0.0,
            "cftc_usd": -5_000.0,
            "cftc_es": -20_000.0,
            "tic_equity": -40_000.0,
        },
    ),
    Phase(
        "cross_border",
        "High beta leads; correlations go to one",
        days=30,
        level=3,
        description="High-beta, semiconductor, small-cap and low-quality stocks lead the selling, and a "
        "common factor takes over: foreign indices, gold, Treasuries (yields up), credit and the "
        "dollar are all sold together with US equities.",
        drift={
            "dollar": -0.0019,
            "equity": -0.0040,
            "style": -0.0024,
            "gold": -0.0010,
            "foreign_equity": -0.0020,
            "walcl": 0.0,
        },
        vol={
            "dollar": 0.6,
            "equity": 0.6,
            "stress": 1.0,
            "style": 1.2,
            "foreign_equity": 0.5,
            "rates": 0.5,
            "credit": 0.5,
            "gold": 0.5,
            "reversal": -0.8,
        },
        target={
            "vix": 2.5,
            "move": 1.8,
            "evz": 2.1,
            "ovx": 1.85,
            "gvz": 1.95,
            "rr_eurusd": 1.30,
            "rr_usdjpy": -2.6,
            "rr_gbpusd": 0.60,
            "dgs10": 4.60,
            "dgs2": 3.85,
            "dgs3mo": 4.05,
            "sofr_terminal": 3.45,
            "infl_swap_2y": 2.65,
            "hy_oas": 4.7,
            "tga_bn": 950.0,
            "cfnai": -0.4,
            "claims_k": 245.0,
            "cftc_eur": 110_000.0,
            "cftc_jpy": 40_000.0,
            "cftc_usd": -15_000.0,
            "cftc_es": -100_000.0,
            "tic_equity": -70_000.0,
        },
    ),
    Phase(
        "fed_put_fails",
        "The Fed eases; the dollar and equities fall further",
        days=40,
        level=4,
        description="The Fed cuts 50 bp between meetings, then 25 bp twice, and its balance sheet "
        "grows (QT ends, the Treasury draws its cash down, the reverse repo drains), yet the dollar "
        "falls faster and equities keep falling. Long yields rise against the cuts (bear "
        "steepening) and inflation expectations climb while activity weakens.",
        drift={
            "dollar": -0.0023,
            "equity": -0.0050,
            "style": -0.0024,
            "gold": -0.0004,
            "foreign_equity": -0.0020,
            "walcl": 0.0040,
        },
        vol={
            "dollar": 0.6,
            "equity": 0.6,
            "stress": 1.1,
            "style": 1.2,
            "foreign_equity": 0.5,
            "rates": 0.5,
            "credit": 0.5,
            "gold": 0.5,
            "reversal": -0.8,
        },
        target={
            "vix": 3.0,
            "move": 2.1,
            "evz": 2.4,
            "ovx": 2.1,
            "gvz": 2.2,
            "rr_eurusd": 1.60,
            "rr_usdjpy": -3.0,
            "rr_gbpusd": 0.80,
            "dgs10": 4.95,
            "dgs2": 3.10,
            "dgs3mo": 3.25,
            "sofr_terminal": 2.70,
            "infl_swap_2y": 3.10,
            "t5yie": 2.75,
            "t10yie": 2.55,
            "hy_oas": 5.6,
            "sonia": 3.95,
            "tga_bn": 600.0,
            "rrp_bn": 40.0,
            "cfnai": -0.9,
            "claims_k": 290.0,
            "sahm": 0.45,
            "mich": 3.7,
            "cftc_eur": 150_000.0,
            "cftc_jpy": 70_000.0,
            "cftc_usd": -20_000.0,
            "cftc_es": -160_000.0,
            "tic_equity": -90_000.0,
        },
    ),
    Phase(
        "relief",
        "Relief: the dollar stabilises",
        days=40,
        level=1,
        description="Coordinated words from the G7 and a pause at the Fed: the dollar stops falling and "
        "equities bounce; volatility and spreads come off their highs, but EUR call skew stays "
        "bid for a while.",
        drift={
            "dollar": 0.0004,
            "equity": 0.0020,
            "style": 0.0008,
            "gold": 0.0006,
            "foreign_equity": 0.0012,
            "walcl": 0.0002,
        },
        vol={"equity": 1.0, "stress": 0.4, "style": 1.2, "reversal": -0.4},
        target={
            "vix": 1.5,
            "move": 1.4,
            "evz": 1.5,
            "ovx": 1.4,
            "gvz": 1.4,
            "rr_eurusd": 0.25,
            "rr_usdjpy": -1.6,
            "rr_gbpusd": 0.0,
            "dgs10": 4.60,
            "dgs2": 3.25,
            "dgs3mo": 3.30,
            "sofr_terminal": 2.95,
            "infl_swap_2y": 2.90,
            "t5yie": 2.65,
            "t10yie": 2.50,
            "hy_oas": 4.4,
            "sonia": 3.95,
            "tga_bn": 700.0,
            "rrp_bn": 60.0,
            "cfnai": -0.6,
            "claims_k": 275.0,
            "sahm": 0.55,
            "mich": 3.6,
            "cftc_eur": 90_000.0,
            "cftc_jpy": 30_000.0,
            "cftc_usd": -10_000.0,
            "cftc_es": -60_000.0,
            "tic_equity": -20_000.0,
        },
    ),
    Phase(
        "calm_again",
        "Calm returns",
        days=80,
        level=0,
        description="Volatility, spreads and skew normalise (the skew baseline stays a little higher than "
        "before) and the level steps back down to Calm.",
        drift={
            "dollar": 0.0001,
            "equity": 0.0007,
            "style": 0.0003,
            "gold": 0.0003,
            "foreign_equity": 0.0005,
            "walcl": 0.0,
        },
        vol={"stress": 0.1},
        target={
            "vix": 1.15,
            "move": 1.1,
            "evz": 1.1,
            "ovx": 1.1,
            "gvz": 1.1,
            "rr_eurusd": -0.25,
            "rr_usdjpy": -1.1,
            "rr_gbpusd": -0.40,
            "dgs10": 4.45,
            "dgs2": 3.35,
            "dgs3mo": 3.30,
            "sofr_terminal": 3.10,
            "infl_swap_2y": 2.70,
            "t5yie": 2.50,
            "t10yie": 2.42,
            "hy_oas": 3.8,
            "sonia": 3.95,
            "tga_bn": 750.0,
            "rrp_bn": 100.0,
            "cfnai": -0.2,
            "claims_k": 250.0,
            "sahm": 0.45,
            "mich": 3.3,
            "cftc_eur": 40_000.0,
            "cftc_jpy": -20_000.0,
            "cftc_usd": 5_000.0,
            "cftc_es": 0.0,
            "tic_equity": 5_000.0,
        },
    ),
)
"""The scenario, in order. The calm is long enough for every sequential estimate to warm up."""

#: Policy decisions in the ``fed_put_fails`` phase: (business day in the phase, change in percent).
_FED_CUTS: tuple[tuple[int, float], ...] = ((2, -0.50), (5, -0.25), (24, -0.25))


def phase_table(start: pd.Timestamp = DEFAULT_START, phases: Sequence[Phase] = PHASES) -> pd.DataFrame:
    """The scenario's phases with their first and last simulated business day.

    Parameters
    ----------
    start
        First simulated business day.
    phases
        The scenario.

    Returns
    -------
    DataFrame
        One row per phase: ``phase``, ``title``, ``level`` (the design intent),
        ``first_day``, ``last_day``, ``days``, ``description``.
    """
    days = pd.bdate_range(start, periods=sum(p.days for p in phases))
    rows = []
    pos = 0
    for p in phases:
        rows.append(
            {
                "phase": p.key,
                "title": p.title,
                "level": p.level,
                "first_day": days[pos],
                "last_day": days[pos + p.days - 1],
                "days": p.days,
                "description": p.description,
            }
        )
        pos += p.days
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Per-day paths from the phase table
# ---------------------------------------------------------------------------

#: Business days over which a drift or volatility change phases in.
_SOFTEN_DAYS = 5

#: Days over which a storm shock partly reverts (see :func:`_reverting`).
_REVERT_LAG = 5


def _steps(phases: Sequence[Phase], key: str, defaults: Mapping[str, float], what: str) -> Array:
    """Each phase's value (or the calm default) per day, phased in over a few days."""
    vals = np.concatenate(
        [np.full(p.days, getattr(p, what).get(key, defaults[key]), dtype="float64") for p in phases]
    )
    # Markets turn over days, not at one close: a trailing moving average.
    kernel = np.ones(_SOFTEN_DAYS) / _SOFTEN_DAYS
    padded = np.concatenate([np.full(_SOFTEN_DAYS - 1, vals[0]), vals])
    out: Array = np.convolve(padded, kernel, mode="valid")
    return out


def _ramps(phases: Sequence[Phase], key: str) -> Array:
    """A per-day path moving linearly to each phase's end target (kept where a phase sets none)."""
    parts = []
    prev = _INITIAL.get(key, _CALM_TARGET[key])
    for i, p in enumerate(phases):
        end = p.target.get(key, prev if i else _CALM_TARGET[key])
        parts.append(np.linspace(prev, end, p.days + 1)[1:])
        prev = end
    return np.concatenate(parts)


def _reverting(e: Array, theta: Array) -> Array:
    r"""Shocks of unit variance that partly revert over the next :data:`_REVERT_LAG` days.

    .. math::

        x_t = \frac{e_t + \frac{\theta_t}{L}\sum_{k=1}^{L} e_{t-k}}{\sqrt{1 + \theta_t^2 / L}}

    With :math:`\theta < 0` a move is partly given back within a week: one- and
    two-day moves (and their correlations) barely change, while a month's sum
    shrinks by about :math:`1 + \theta`. ``e`` has :data:`_REVERT_LAG` more rows
    than ``theta`` (the shocks before the first day).
    """
    lag = _REVERT_LAG
    n = len(theta)
    past = np.zeros((n, e.shape[1]))
    for k in range(1, lag + 1):
        past += e[lag - k : lag - k + n]
    th = theta[:, None]
    out: Array = (e[lag:] + th / lag * past) / np.sqrt(1.0 + th**2 / lag)
    return out


def _ar1(shocks: Array, phi: float) -> Array:
    """``d_t = phi * d_{t-1} + shock_t`` from ``d_{-1} = 0``."""
    out = np.empty_like(shocks)
    acc = 0.0
    for t, s in enumerate(shocks):
        acc = phi * acc + s
        out[t] = acc
    return out


#: The daily factors; their calm correlations follow.
_FACTORS: tuple[str, ...] = ("equity", "dollar", "vol", "rates", "credit", "gold", "foreign", "style")
_CORR_PAIRS: Mapping[tuple[str, str], float] = MappingProxyType(
    {
        ("equity", "dollar"): -0.50,  # the dollar rises on risk-off days: the hedge works
        ("equity", "vol"): -0.75,
        ("equity", "rates"): 0.30,  # yields fall when equities fall: Treasuries hedge
        ("equity", "credit"): -0.55,  # spreads widen when equities fall
        ("equity", "gold"): 0.05,
        ("equity", "style"): 0.20,
        ("dollar", "vol"): 0.70,  # the dollar rises when implied vol rises
        ("dollar", "rates"): 0.25,
        ("dollar", "credit"): 0.15,
        ("dollar", "gold"): -0.40,
        ("vol", "rates"): -0.25,
        ("vol", "credit"): 0.55,
        ("rates", "credit"): -0.20,
        ("rates", "gold"): -0.20,
    }
)


def _factor_corr() -> Array:
    """The calm correlation matrix of the daily factor shocks (positive definite)."""
    k = len(_FACTORS)
    corr = np.eye(k)
    for (a, b), rho in _CORR_PAIRS.items():
        i, j = _FACTORS.index(a), _FACTORS.index(b)
        corr[i, j] = corr[j, i] = rho
    return corr


def _log_ret(x: Array) -> Array:
    """Daily log returns of a level path, 0 on the first day."""
    lx = np.log(x)
    out: Array = np.diff(lx, prepend=lx[0])
    return out


@dataclass(frozen=True)
class _Latent:
    """Daily latent paths on the business-day grid."""

    days: pd.DatetimeIndex
    series: Mapping[str, Array]

    def s(self, name: str) -> pd.Series:
        return pd.Series(self.series[name], index=self.days)


class _Model:
    """Draws the latent daily paths of one scenario (one random stream, a fixed order)."""

    def __init__(self, rng: np.random.Generator, start: pd.Timestamp, phases: Sequence[Phase]) -> None:
        self.rng = rng
        self.phases = phases
        self.n = sum(p.days for p in phases)
        self.days = pd.bdate_range(start, periods=self.n)
        self.theta = self.volm("reversal")
        self.out: dict[str, Array] = {}

    # -- per-day parameters ----------------------------------------------------

    def drift(self, key: str) -> Array:
        return _steps(self.phases, key, _CALM_DRIFT, "drift")

    def volm(self, key: str) -> Array:
        return _steps(self.phases, key, _CALM_VOL, "vol")

    def ramp(self, key: str) -> Array:
        return _ramps(self.phases, key)

    def phase_start(self, key: str) -> int:
        pos = 0
        for p in self.phases:
            if p.key == key:
                return pos
            pos += p.days
        raise KeyError(f"no phase {key!r} in the scenario")

    # -- shocks ----------------------------------------------------------------

    def noise(self) -> Array:
        """One standard normal shock per day, reverting in the storm."""
        return self.noises(1)[:, 0]

    def noises(self, k: int) -> Array:
        return _reverting(self.rng.standard_normal((self.n + _REVERT_LAG, k)), self.theta)

    def white(self) -> Array:
        """Plain standard normal shocks (for persistent deviations, which revert by themselves)."""
        return self.rng.standard_normal(self.n)

    # -- the model ---------------------------------------------------------------

    def run(self) -> _Latent:
        z = self.noises(len(_FACTORS)) @ np.linalg.cholesky(_factor_corr()).T
        f = {name: z[:, i] for i, name in enumerate(_FACTORS)}
        # The common stress factor: off in the calm; in the storm about 1% a day on every
        # asset, reverting over the following week, so its monthly moves stay small beside
        # the phases' drifts while day-to-day co-movement is strong.
        stress = (
            0.009
            * self.volm("stress")
            * _reverting(self.rng.standard_normal((self.n + _REVERT_LAG, 1)), np.full(self.n, -0.8))[:, 0]
        )
        # Calm risk-off days (about three a year): vol jumps, equities drop, the dollar rises.
        calm = np.zeros(self.n)
        calm[: self.phases[0].days] = 1.0
        jumps = (self.rng.random(self.n) < 3.0 / 252.0) * calm
        jump = jumps * self.rng.uniform(0.15, 0.35, self.n)

        eq_shock = self._equities_and_dollar(f, stress, jump)
        self._vols_and_skew(f, stress, jump)
        self._styles(f)
        self._foreign(f, stress, eq_shock)
        self._rates_and_policy(f, stress)
        self._credit_and_metals(f, stress)
        self._fed_and_macro()
        return _Latent(days=self.days, series=MappingProxyType(dict(self.out)))

    def _equities_and_dollar(self, f: Mapping[str, Array], stress: Array, jump: Array) -> Array:
        out = self.out
        eq_shock = 0.0070 * self.volm("equity") * f["equity"] - 0.05 * jump
        out["spx_ret"] = self.drift("equity") + eq_shock + stress
        out["spx"] = 6000.0 * np.exp(np.cumsum(out["spx_ret"]))
        # The dollar: a factor, and each currency as log foreign-per-USD on it.
        usd_shock = 0.0030 * self.volm("dollar") * f["dollar"] + 0.03 * jump
        usd_ret = self.drift("dollar") + usd_shock + 0.30 * stress
        out["usd_shock"] = usd_shock
        fx = {  # start (foreign per USD), beta to the dollar factor, own daily vol
            "eur": (1 / 1.25, 1.00, 0.0010),
            "jpy": (120.0, 0.85, 0.0035),
            "gbp": (1 / 1.45, 0.85, 0.0025),
            "chf": (0.80, 0.95, 0.0025),
            "cny": (6.60, 0.25, 0.0010),
            "cad": (1.22, 0.45, 0.0030),
            "sek": (8.6, 1.05, 0.0040),
            "mxn": (16.5, 0.50, 0.0060),
        }
        for ccy, (lvl0, beta, own) in fx.items():
            r = beta * usd_ret + own * self.noise()
            if ccy == "jpy":
                r = r + 0.15 * stress  # the yen is bid in a sell-off, over and above the dollar's fall
            out[f"x_{ccy}"] = lvl0 * np.exp(np.cumsum(r))
        # ICE dollar index: the published geometric formula.
        out["dxy"] = (
            50.14348112
            * out["x_eur"] ** 0.576
            * out["x_jpy"] ** 0.136
            * out["x_gbp"] ** 0.119
            * out["x_cad"] ** 0.091
            * out["x_sek"] ** 0.042
            * out["x_chf"] ** 0.036
        )
        # Fed broad index: its main weights, the rest as a dollar-driven basket.
        weights = {"eur": 0.19, "cny": 0.14, "cad": 0.13, "mxn": 0.13, "jpy": 0.06, "gbp": 0.05, "chf": 0.05}
        broad = np.zeros(self.n)
        for c, w in weights.items():
            broad += w * np.log(out[f"x_{c}"])
        other = np.cumsum(0.25 * usd_ret + 0.0012 * self.noise())
        out["broad"] = 123.0 * np.exp(broad - broad[0] + other)
        return eq_shock

    def _vols_and_skew(self, f: Mapping[str, Array], stress: Array, jump: Array) -> None:
        out = self.out
        # Implied vols: log level = calm level x target path x exp(persistent deviation).
        vol_shock = 0.055 * f["vol"] - 2.0 * stress + jump
        for name, calm, load, own in (
            ("vix", 15.0, 1.00, 0.015),
            ("move", 85.0, 0.45, 0.018),
            ("evz", 7.5, 0.40, 0.016),
            ("ovx", 32.0, 0.45, 0.020),
            ("gvz", 15.0, 0.45, 0.016),
        ):
            dev = _ar1(load * vol_shock + own * self.white(), 0.97)
            out[name] = calm * self.ramp(name) * np.exp(dev)
        # Risk reversals (vol points, as quoted). In the calm they wander within a range (a
        # bounded deviation, tanh of an AR(1)): quiet years have no skew scares. In the storm
        # the target path carries them out of that range.
        for name, load, width in (
            ("rr_eurusd", -0.4, 0.30),
            ("rr_usdjpy", 0.4, 0.45),
            ("rr_gbpusd", -0.4, 0.35),
        ):
            ar = _ar1(0.36 * (load * f["dollar"] + self.white()), 0.93)
            out[name] = self.ramp(name) + width * np.tanh(ar)

    def _styles(self, f: Mapping[str, Array]) -> None:
        out = self.out
        style = self.drift("style") + 0.0035 * self.volm("style") * f["style"]
        beta_m = self.drift("beta")
        legs = {  # start, beta, style loading, own daily vol, alpha a day
            "sphb": (90.0, 1.45, 1.00, 0.0045, 0.0),
            "splv": (70.0, 0.65, -0.50, 0.0035, 0.0),
            "usmv": (88.0, 0.70, -0.45, 0.0030, 0.0),
            "xly": (210.0, 1.15, 0.50, 0.0050, 0.0),
            "xlp": (80.0, 0.60, -0.55, 0.0045, 0.0),
            "qual": (175.0, 0.95, -0.40, 0.0025, 0.00004),
            "iwm": (215.0, 1.15, 0.70, 0.0055, -0.00004),
            "smh": (250.0, 1.50, 1.20, 0.0090, 0.00012),
            "soxx": (230.0, 1.50, 1.20, 0.0090, 0.00012),
            "ndx": (21000.0, 1.15, 0.60, 0.0035, 0.00012),
            "xlk": (230.0, 1.20, 0.80, 0.0045, 0.00012),
            "mtum": (200.0, 1.05, 0.50, 0.0050, 0.00002),
        }
        semis = self.noise()
        for name, (lvl0, beta, load, own, alpha) in legs.items():
            # Each leg moves with the market by its beta; index-wide selling (beta_m = 0) hits
            # every leg alike.
            b = 1.0 + beta_m * (beta - 1.0)
            own_r = own * self.noise()
            if name in ("smh", "soxx"):
                own_r = own * (0.9 * semis + 0.436 * self.noise())
            out[name] = lvl0 * np.exp(np.cumsum(b * out["spx_ret"] + load * style + own_r + alpha))
        out["rut"] = out["iwm"] * 9.8 * np.exp(np.cumsum(0.0004 * self.noise()))
        out["style"] = style

    def _foreign(self, f: Mapping[str, Array], stress: Array, eq_shock: Array) -> None:
        out = self.out
        fvol = self.volm("foreign_equity")
        fe = 0.0065 * fvol * f["foreign"]
        euro_area = 0.0045 * fvol * self.noise()
        fdrift = self.drift("foreign_equity")
        local = {  # start, beta to US shocks, foreign-factor loading, own vol, euro-area loading
            "dax": (19000.0, 0.65, 1.0, 0.0040, 1.0),
            "cac": (7600.0, 0.65, 0.95, 0.0035, 1.0),
            "ftse": (8200.0, 0.50, 0.80, 0.0045, 0.3),
            "n225": (39000.0, 0.55, 0.75, 0.0070, 0.0),
            "hsi": (19500.0, 0.40, 0.70, 0.0095, 0.0),
        }
        for name, (lvl0, beta, load, own, ea) in local.items():
            r = (
                fdrift
                + beta * eq_shock
                + load * fe
                + ea * euro_area
                + own * fvol * self.noise()
                + 0.9 * stress
            )
            if name == "n225":
                r = r + 0.5 * _log_ret(out["x_jpy"])  # a weaker yen lifts Japanese exporters
            out[name] = lvl0 * np.exp(np.cumsum(r))

    def _rates_and_policy(self, f: Mapping[str, Array], stress: Array) -> None:
        out = self.out
        rate_shock = 0.055 * self.volm("rates") * f["rates"]
        # percent: target path + persistent deviation; stress_bp = bp per 1% of the stress
        # factor (negative: yields rise as everything is sold)
        for name, load, own, phi, stress_bp in (
            ("dgs10", 1.00, 0.015, 0.995, -6.0),
            ("dgs2", 0.85, 0.020, 0.99, -2.0),
            ("dgs3mo", 0.15, 0.012, 0.95, 0.0),
            ("sofr_terminal", 0.80, 0.020, 0.99, 0.0),
            ("infl_swap_2y", 0.25, 0.025, 0.985, -1.0),
            ("t5yie", 0.30, 0.025, 0.985, -1.0),
            ("t10yie", 0.30, 0.018, 0.99, -1.0),
            ("sonia", 0.05, 0.004, 0.9, 0.0),
        ):
            dev = _ar1(load * rate_shock + own * self.white() + stress_bp * stress, phi)
            out[name] = self.ramp(name) + dev
        out["euribor"] = 2.05 + _ar1(0.003 * self.white(), 0.98)
        out["jp3m"] = 0.55 + _ar1(0.002 * self.white(), 0.99)
        out["ch3m"] = 0.25 + _ar1(0.003 * self.white(), 0.99)
        # The funds rate: target-range mid 4.375, the effective rate 4-5 bp below it with a
        # month-end bump; the cuts of the fed_put_fails phase.
        mid = np.full(self.n, 4.375)
        first = self.phase_start("fed_put_fails")
        for day, change in _FED_CUTS:
            mid[first + day :] += change
        month_end = np.asarray(self.days.is_month_end, dtype="float64")
        wobble = self.rng.choice([0.0, 0.0, 0.0, 0.01, -0.01], self.n)
        out["dff"] = np.round(mid - 0.045 + wobble + 0.02 * month_end, 2)

    def _credit_and_metals(self, f: Mapping[str, Array], stress: Array) -> None:
        out = self.out
        # Spreads (percent): log level = target path + persistent deviation.
        credit_shock = 0.016 * self.volm("credit") * f["credit"] - 3.0 * stress
        dev = _ar1(credit_shock + 0.004 * self.white(), 0.985)
        out["hy_oas"] = self.ramp("hy_oas") * np.exp(dev)
        out["ig_oas"] = 0.30 * out["hy_oas"] ** 0.8 * np.exp(_ar1(0.004 * self.white(), 0.97))
        out["baa10y"] = 0.72 * out["hy_oas"] ** 0.7 * np.exp(_ar1(0.006 * self.white(), 0.97))
        # Gold rises as the dollar falls (in the calm); in the storm it is sold with equities.
        gold = (
            self.drift("gold")
            + 0.0085 * self.volm("gold") * f["gold"]
            - 0.35 * out["usd_shock"]
            + 0.8 * stress
        )
        out["gold"] = 2400.0 * np.exp(np.cumsum(gold))
        out["silver"] = 30.0 * np.exp(np.cumsum(1.3 * gold + 0.011 * self.noise()))

    def _fed_and_macro(self) -> None:
        out = self.out
        # The Fed's balance sheet, the Treasury's cash and the reverse repo (billions).
        out["walcl_bn"] = 6700.0 * np.exp(np.cumsum(self.drift("walcl") + 0.0008 * self.white()))
        out["tga_bn"] = self.ramp("tga_bn") + _ar1(18.0 * self.white(), 0.97)
        out["rrp_bn"] = np.maximum(self.ramp("rrp_bn") + _ar1(8.0 * self.white(), 0.95), 0.0)
        # Slower data: target paths with persistent noise.
        for name, sd, phi in (
            ("cfnai", 0.08, 0.97),
            ("claims_k", 2.0, 0.97),
            ("sahm", 0.005, 0.995),
            ("mich", 0.03, 0.98),
            ("cftc_eur", 2500.0, 0.97),
            ("cftc_jpy", 3000.0, 0.97),
            ("cftc_usd", 1200.0, 0.97),
            ("cftc_es", 7000.0, 0.97),
            ("tic_equity", 4000.0, 0.95),
        ):
            out[name] = self.ramp(name) + _ar1(sd * self.white(), phi)
        out["sahm"] = np.maximum(out["sahm"], 0.0)


# ---------------------------------------------------------------------------
# From latent paths to catalog series (native units, quotes, frequency)
# ---------------------------------------------------------------------------

Recipe = Callable[[_Latent, np.random.Generator], pd.Series]


def _daily(
    name: str, scale: float = 1.0, *, digits: int = 2, noise: float = 0.0, invert: bool = False
) -> Recipe:
    """A daily series: the latent path, scaled (or inverted), with optional tracking noise, rounded."""

    def make(lat: _Latent, rng: np.random.Generator) -> pd.Series:
        x = lat.series[name] * scale
        if invert:
            x = 1.0 / x
        if noise:
            x = x * np.exp(noise * rng.standard_normal(len(x)))
        return pd.Series(np.round(x, digits), index=lat.days)

    return make


def _cross(num: str, den: str, digits: int) -> Recipe:
    """An ECB euro cross: foreign currency per EUR = (foreign per USD) / (EUR per USD)."""

    def make(lat: _Latent, rng: np.random.Generator) -> pd.Series:
        return pd.Series(np.round(lat.series[num] / lat.series[den], digits), index=lat.days)

    return make


def _weekly(name: str, weekday: int, scale: float = 1.0, digits: int = 0) -> Recipe:
    """The value on each week's ``weekday`` (0 = Monday); a Saturday carries the Friday's value."""

    def make(lat: _Latent, rng: np.random.Generator) -> pd.Series:
        s = (lat.s(name) * scale).round(digits)
        dow = pd.DatetimeIndex(s.index).day_of_week
        if weekday >= 5:
            fri = s[dow == 4]
            return pd.Series(
                fri.to_numpy(), index=pd.DatetimeIndex(fri.index) + pd.Timedelta(days=weekday - 4)
            )
        return s[dow == weekday]

    return make


def _by_period(s: pd.Series, freq: str, how: str) -> pd.Series:
    """Mean or last value per calendar period, dated on the period's first day."""
    grouped = s.groupby(pd.DatetimeIndex(s.index).to_period(freq))
    m = grouped.mean() if how == "mean" else grouped.last()
    return pd.Series(m.to_numpy(), index=pd.PeriodIndex(m.index).to_timestamp(how="start"))


def _monthly(name: str, *, how: str = "mean", offset: float = 0.0, digits: int = 2) -> Recipe:
    """Monthly periods (first of the month): the month's mean or last value."""

    def make(lat: _Latent, rng: np.random.Generator) -> pd.Series:
        return _by_period(lat.s(name) + offset, "M", how).round(digits)

    return make


def _french(kind: str) -> Recipe:
    """Fama-French daily factors in percent per day, from the style legs."""

    def make(lat: _Latent, rng: np.random.Generator) -> pd.Series:
        n = len(lat.days)
        if kind == "smb":
            x = 0.8 * (_log_ret(lat.series["iwm"]) - lat.series["spx_ret"]) + 0.002 * rng.standard_normal(n)
        elif kind == "rmw":
            x = -0.6 * lat.series["style"] + 0.003 * rng.standard_normal(n)
        else:  # momentum
            x = 0.8 * (_log_ret(lat.series["mtum"]) - lat.series["spx_ret"]) + 0.004 * rng.standard_normal(n)
        return pd.Series(np.round(100.0 * x, 2), index=lat.days)

    return make


def _usd_etf(
    local: Mapping[str, float], ccys: Mapping[str, float], start: float, *, own: float = 0.0008
) -> Recipe:
    """A USD-priced ETF: local index returns plus the currency return (foreign currency up = gain)."""

    def make(lat: _Latent, rng: np.random.Generator) -> pd.Series:
        r = own * rng.standard_normal(len(lat.days))
        for name, w in local.items():
            r += w * _log_ret(lat.series[name])
        for ccy, w in ccys.items():
            r -= w * _log_ret(lat.series[f"x_{ccy}"])
        return pd.Series(np.round(start * np.exp(np.cumsum(r)), 2), index=lat.days)

    return make


def _gdp(lat: _Latent) -> pd.Series:
    """Nominal GDP, billions of USD SAAR, by quarter: 4.6% a year, slower when activity weakens."""
    cfnai = _by_period(lat.s("cfnai"), "Q", "mean")
    growth = 0.0112 + 0.006 * np.minimum(cfnai.to_numpy(), 0.0)
    return pd.Series(31_000.0 * np.exp(np.cumsum(growth) - growth[0]), index=cfnai.index)


def _fuel(kind: str) -> Recipe:
    """Structural series: at records by the end of the calm, as the thesis' fuel says."""

    def make(lat: _Latent, rng: np.random.Generator) -> pd.Series:
        gdp = _gdp(lat)
        nq = len(gdp)
        if kind == "gdp":
            return gdp.round(3)
        if kind in ("ca_pct", "ca_musd"):
            pct = np.linspace(-3.0, -4.4, nq) + 0.12 * rng.standard_normal(nq)
            if kind == "ca_pct":
                return pd.Series(pct.round(2), index=gdp.index)
            return pd.Series((pct / 100.0 * gdp.to_numpy() / 4.0 * 1000.0).round(0), index=gdp.index)
        if kind == "buffett":
            spx_q = _by_period(lat.s("spx"), "Q", "last")
            ratio = 190.0 * (spx_q.to_numpy() / spx_q.iloc[0]) / (gdp.to_numpy() / gdp.iloc[0])
            return pd.Series(ratio.round(1), index=gdp.index)
        spx_m = _by_period(lat.s("spx"), "M", "last")
        nm = len(spx_m)
        if kind == "cape":
            earnings = np.exp(np.arange(nm) * 0.055 / 12.0)
            cape = 31.0 * (spx_m.to_numpy() / spx_m.iloc[0]) / earnings
            return pd.Series(cape.round(2), index=spx_m.index)
        if kind == "bop":
            x = np.linspace(-72_000.0, -95_000.0, nm) + 4_000.0 * rng.standard_normal(nm)
            return pd.Series(x.round(0), index=spx_m.index)
        if kind == "tic_holdings":
            # Foreign holdings of Treasuries grow ~6% a year; foreigners sell in the storm.
            flow = _by_period(lat.s("tic_equity"), "M", "mean").to_numpy()
            growth = 0.005 + 0.08 * np.minimum(flow, 0.0) / 1_000_000.0
            return pd.Series((8_600_000.0 * np.exp(np.cumsum(growth))).round(0), index=spx_m.index)
        raise ValueError(f"unknown fuel series {kind!r}")

    return make


def _dfii5(lat: _Latent, rng: np.random.Generator) -> pd.Series:
    """5-year TIPS yield: a 5-year nominal yield (between the 2- and 10-year) less the breakeven."""
    real = 0.45 * lat.series["dgs2"] + 0.55 * lat.series["dgs10"] - lat.series["t5yie"]
    return pd.Series(np.round(real, 2), index=lat.days)


def _spy(lat: _Latent, rng: np.random.Generator) -> pd.Series:
    """SPY adjusted close: a tenth of the index plus reinvested dividends (1.3% a year)."""
    x = lat.series["spx"] / 10.0 * np.exp(np.arange(len(lat.days)) * 0.013 / 252.0)
    return pd.Series(np.round(x, 2), index=lat.days)


def _recipes() -> dict[SeriesId, Recipe]:
    r: dict[SeriesId, Recipe] = {}
    # rates (percent)
    for sid, name in (
        ("fred:DGS10", "dgs10"),
        ("fred:DGS2", "dgs2"),
        ("fred:DGS3MO", "dgs3mo"),
        ("fred:DFF", "dff"),
        ("fred:T5YIE", "t5yie"),
        ("fred:T10YIE", "t10yie"),
    ):
        r[sid] = _daily(name)
    r["fred:IUDSOIA"] = _daily("sonia", digits=4)
    r["local:EURIBOR3M"] = _daily("euribor", digits=3)
    r["local:SOFR_FUT_TERMINAL"] = _daily("sofr_terminal", digits=3)
    r["local:USD_INFL_SWAP_2Y"] = _daily("infl_swap_2y", digits=3)
    r["fred:DFII5"] = _dfii5
    r["fred:IR3TIB01EZM156N"] = _monthly("euribor", digits=4)
    r["fred:IR3TIB01GBM156N"] = _monthly("sonia", offset=0.15, digits=4)
    r["fred:IR3TIB01USM156N"] = _monthly("dgs3mo", offset=0.25, digits=4)
    r["fred:IR3TIB01JPM156N"] = _monthly("jp3m", digits=4)
    r["fred:IR3TIB01CHM156N"] = _monthly("ch3m", digits=4)
    r["fred:TB3MS"] = _monthly("dgs3mo", offset=-0.02)
    r["fred:EXPINF2YR"] = _monthly("infl_swap_2y", offset=-0.10, digits=4)
    # the dollar and currencies, as each source quotes them (the panel inverts USD per foreign)
    r["yahoo:DX-Y.NYB"] = _daily("dxy", digits=3)
    r["yahoo:UUP"] = _daily("dxy", 0.27)
    r["fred:DTWEXBGS"] = _daily("broad", digits=4)
    r["fred:DTWEXB"] = _daily("broad", 0.975, digits=4)
    for sid in ("ecb:EXR/D.USD.EUR.SP00.A", "yahoo:EURUSD=X", "fred:DEXUSEU"):
        r[sid] = _daily("x_eur", invert=True, digits=4)
    for sid in ("yahoo:GBPUSD=X", "fred:DEXUSUK"):
        r[sid] = _daily("x_gbp", invert=True, digits=4)
    for sid in ("yahoo:JPY=X", "fred:DEXJPUS"):
        r[sid] = _daily("x_jpy", digits=2)
    for sid in ("yahoo:CNY=X", "fred:DEXCHUS"):
        r[sid] = _daily("x_cny", digits=4)
    r["fred:DEXSZUS"] = _daily("x_chf", digits=4)
    r["ecb:EXR/D.JPY.EUR.SP00.A"] = _cross("x_jpy", "x_eur", 2)
    for ccy in ("GBP", "CHF", "CNY"):
        r[f"ecb:EXR/D.{ccy}.EUR.SP00.A"] = _cross(f"x_{ccy.lower()}", "x_eur", 4)
    # implied vols and skew
    for sid, name in (
        ("fred:VIXCLS", "vix"),
        ("local:MOVE", "move"),
        ("fred:EVZCLS", "evz"),
        ("fred:OVXCLS", "ovx"),
        ("fred:GVZCLS", "gvz"),
    ):
        r[sid] = _daily(name)
    r["local:EURUSD_RR25_1M"] = _daily("rr_eurusd", digits=3)
    r["local:USDJPY_RR25_1M"] = _daily("rr_usdjpy", digits=3)
    r["local:GBPUSD_RR25_1M"] = _daily("rr_gbpusd", digits=3)
    # US equities, styles, themes
    r["yahoo:^GSPC"] = _daily("spx")
    r["yahoo:SPY"] = _spy
    for name in ("SPHB", "SPLV", "USMV", "XLY", "XLP", "QUAL", "IWM", "SMH", "SOXX", "XLK", "MTUM"):
        r[f"yahoo:{name}"] = _daily(name.lower())
    r["yahoo:^RUT"] = _daily("rut")
    r["yahoo:^NDX"] = _daily("ndx")
    r["yahoo:QQQ"] = _daily("ndx", 1.0 / 41.0, noise=0.0003)
    r["french:F-F_Research_Data_5_Factors_2x3_daily:RMW"] = _french("rmw")
    r["french:F-F_Research_Data_Factors_daily:SMB"] = _french("smb")
    r["french:F-F_Research_Data_5_Factors_2x3_daily:SMB"] = _french("smb")
    r["french:F-F_Momentum_Factor_daily:Mom"] = _french("mom")
    # foreign equities: local indices and USD ETFs
    for sid, name in (
        ("yahoo:^GDAXI", "dax"),
        ("yahoo:^FCHI", "cac"),
        ("yahoo:^FTSE", "ftse"),
        ("yahoo:^N225", "n225"),
        ("yahoo:^HSI", "hsi"),
    ):
        r[sid] = _daily(name)
    r["yahoo:EWG"] = _usd_etf({"dax": 1.0}, {"eur": 1.0}, 33.0)
    r["yahoo:EWU"] = _usd_etf({"ftse": 1.0}, {"gbp": 1.0}, 35.0)
    r["yahoo:EWJ"] = _usd_etf({"n225": 1.0}, {"jpy": 1.0}, 70.0)
    r["yahoo:EWH"] = _usd_etf({"hsi": 1.0}, {}, 18.0)  # the Hong Kong dollar is pegged
    r["yahoo:EFA"] = _usd_etf(
        {"dax": 0.2, "cac": 0.15, "ftse": 0.17, "n225": 0.25, "hsi": 0.05},
        {"eur": 0.38, "gbp": 0.17, "jpy": 0.25, "chf": 0.1},
        80.0,
        own=0.002,
    )
    r["yahoo:EEM"] = _usd_etf({"hsi": 0.5, "spx": 0.25}, {"cny": 0.5, "mxn": 0.2}, 43.0, own=0.006)
    r["yahoo:VWO"] = _usd_etf({"hsi": 0.45, "spx": 0.25}, {"cny": 0.5, "mxn": 0.25}, 45.0, own=0.006)
    # cross-asset: credit, gold, silver
    r["fred:BAMLH0A0HYM2"] = _daily("hy_oas")
    r["fred:BAMLC0A0CM"] = _daily("ig_oas")
    r["fred:BAA10Y"] = _daily("baa10y")
    r["yahoo:GC=F"] = _daily("gold", digits=1)
    r["fred:GOLDPMGBD228NLBM"] = _daily("gold", 0.999, noise=0.002)
    r["yahoo:GLD"] = _daily("gold", 1.0 / 10.9, noise=0.0005)
    r["yahoo:SI=F"] = _daily("silver", digits=3)
    r["yahoo:SLV"] = _daily("silver", 0.92, noise=0.001)
    # the Fed: balance sheet and TGA weekly (Wednesday, millions), reverse repo daily (billions)
    r["fred:WALCL"] = _weekly("walcl_bn", 2, 1000.0)
    r["fred:WTREGEN"] = _weekly("tga_bn", 2, 1000.0)
    r["fred:RRPONTSYD"] = _daily("rrp_bn", digits=3)
    # macro: activity, claims (week ending Saturday), inflation expectations, Sahm rule
    r["fred:CFNAI"] = _monthly("cfnai")
    r["fred:ICSA"] = _weekly("claims_k", 5, 1000.0, digits=-3)
    r["fred:SAHMREALTIME"] = _monthly("sahm", how="last")
    r["fred:MICH"] = _monthly("mich", digits=1)
    # positioning: CFTC (Tuesday as-of dates), TIC flows
    r["cftc:099741:noncomm_net"] = _weekly("cftc_eur", 1)
    r["cftc:097741:noncomm_net"] = _weekly("cftc_jpy", 1)
    r["cftc:098662:noncomm_net"] = _weekly("cftc_usd", 1)
    r["cftc:13874A:noncomm_net"] = _weekly("cftc_es", 1)
    r["tic:for_lt_eqty_net"] = _monthly("tic_equity", digits=0)
    # structural fuel
    r["fred:GDP"] = _fuel("gdp")
    r["fred:USAB6BLTT02STSAQ"] = _fuel("ca_pct")
    r["fred:IEABC"] = _fuel("ca_musd")
    r["fred:BOPGSTB"] = _fuel("bop")
    r["tic:for_treas_pos"] = _fuel("tic_holdings")
    r["local:CAPE_SHILLER"] = _fuel("cape")
    r["local:BUFFETT_W5000_GDP"] = _fuel("buffett")
    return r


_RECIPES: Mapping[SeriesId, Recipe] = MappingProxyType(_recipes())


def simulated_ids() -> tuple[SeriesId, ...]:
    """Every series id the scenario can simulate."""
    return tuple(_RECIPES)


def missing_recipes(ids: Sequence[SeriesId] | None = None) -> list[SeriesId]:
    """Ids among ``ids`` (default: every id a registered signal reads) the scenario cannot simulate.

    Parameters
    ----------
    ids
        Series ids; ``None`` means :func:`stormwatch.compute.required_ids`.

    Returns
    -------
    list of str
        The ids without a recipe, in the given order (empty when all are covered).
    """
    wanted = required_ids() if ids is None else list(ids)
    return [i for i in wanted if i not in _RECIPES]


def simulate_scenario(
    seed: int = 0,
    *,
    start: pd.Timestamp | str = DEFAULT_START,
    ids: Sequence[SeriesId] | None = None,
    catalog: Catalog | None = None,
    phases: Sequence[Phase] = PHASES,
) -> pd.DataFrame:
    """Draw the SIMULATED scenario as one long observation frame.

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng``: the same seed gives the same frame.
    start
        First simulated business day (default 2030-01-01: in the future, so
        no one mistakes it for history).
    ids
        Series to return (default: every id a registered signal reads,
        :func:`stormwatch.compute.required_ids`). Ids the scenario has no
        recipe for are left out; :func:`missing_recipes` names them.
    catalog
        For each series' publication lag (default: the packaged catalog).
    phases
        The scenario (default :data:`PHASES`).

    Returns
    -------
    DataFrame
        ``series_id``, ``period``, ``published_at``, ``value``: one row per
        period (a single vintage), in the catalog's native units, quote and
        frequency, ``published_at`` from the catalog's release lag
        (:meth:`stormwatch.catalog.SeriesSpec.published_at`). Periods end on
        or before the last simulated day.

    Notes
    -----
    The latent daily paths come from one random stream; each series' own
    noise (tracking error, survey noise) from a stream derived from the seed
    and its id, so asking for fewer ids does not change the ones returned.
    """
    cat = catalog or load_catalog()
    wanted = list(dict.fromkeys(required_ids() if ids is None else list(ids)))
    lat = _Model(np.random.default_rng(seed), pd.Timestamp(start), phases).run()
    frames = []
    for sid in wanted:
        recipe = _RECIPES.get(sid)
        if recipe is None:
            continue
        spec = cat.resolve(sid)
        values = recipe(lat, np.random.default_rng([seed, *sid.encode()])).dropna()
        values = values[values.index <= lat.days[-1]]
        period = pd.Series(pd.DatetimeIndex(values.index).astype("datetime64[ns]"))
        frames.append(
            pd.DataFrame(
                {
                    "series_id": sid,
                    "period": period,
                    "published_at": spec.published_at(period).astype("datetime64[ns]"),
                    "value": values.to_numpy(dtype="float64"),
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {
                "series_id": pd.Series([], dtype=object),
                "period": pd.Series([], dtype="datetime64[ns]"),
                "published_at": pd.Series([], dtype="datetime64[ns]"),
                "value": pd.Series([], dtype="float64"),
            }
        )
    return pd.concat(frames, ignore_index=True)
