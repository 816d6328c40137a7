"""Early-warning metrics: AUROC with a block bootstrap, KLR and Sarlin measures, lead times.

Conventions: a *score* is a float per day (higher = riskier, NaN =
unknown); an *alarm* is 1.0 / 0.0 per day (NaN = unknown); a *label* is the
target's 1.0 / 0.0 (NaN = not known yet). With the confusion counts

==========  ==========  ==========
\\           event       no event
==========  ==========  ==========
alarm       A           B
no alarm    C           D
==========  ==========  ==========

hit rate :math:`A/(A+C)`, false-alarm rate :math:`B/(B+D)`, noise-to-signal
ratio :math:`\\frac{B/(B+D)}{A/(A+C)}` (Kaminsky, Lizondo and Reinhart 1998)
and Sarlin's (2013) usefulness. All functions are pure; the bootstrap is
seeded.

References
----------
Kaminsky, G., Lizondo, S. and Reinhart, C. (1998), "Leading indicators of
currency crises", *IMF Staff Papers* 45(1).
Sarlin, P. (2013), "On policymakers' loss functions and the evaluation of
early warning systems", *Economics Letters* 119(1).
Politis, D. and Romano, J. (1992), "A circular block-resampling procedure
for stationary data", in *Exploring the Limits of Bootstrap*, Wiley.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from stormwatch.evaluation.episodes import Episode

__all__ = [
    "BUSINESS_DAYS_PER_YEAR",
    "Confusion",
    "alarm_onsets",
    "alarms_per_year",
    "auroc",
    "bootstrap_auroc",
    "circular_block_indices",
    "confusion",
    "episode_leads",
    "sarlin_usefulness",
    "score_alarm",
    "signal_metrics",
    "walk_forward_threshold",
]

BUSINESS_DAYS_PER_YEAR = 261.0
"""Business days (Monday-Friday) in an average year: 365.25 * 5 / 7."""

FloatArray = npt.NDArray[np.float64]


def _clean(score: npt.ArrayLike, label: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    s = np.asarray(score, dtype="float64")
    y = np.asarray(label, dtype="float64")
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError(f"score and label must be 1-D and of equal length; got {s.shape} and {y.shape}")
    ok = np.isfinite(s) & np.isfinite(y)
    s, y = s[ok], y[ok]
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1 (NaN for unknown)")
    return s, y


def auroc(score: npt.ArrayLike, label: npt.ArrayLike) -> float:
    """Area under the ROC curve: the probability that an event day outscores a quiet day.

    Ties count one half (Mann-Whitney); days where either input is NaN are
    dropped. NaN when only one class is present.

    .. math::

        \\text{AUROC} = \\frac{R_1 - n_1 (n_1 + 1)/2}{n_1 n_0}

    with :math:`R_1` the sum of the (average) ranks of the event days.
    """
    s, y = _clean(score, label)
    n1 = float(y.sum())
    n0 = float(y.size) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    _, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    start = np.cumsum(counts) - counts  # 0-based first rank of each value group
    avg_rank = start + (counts + 1) / 2.0
    r1 = float(avg_rank[inv.reshape(-1)][y == 1.0].sum())
    return (r1 - n1 * (n1 + 1) / 2.0) / (n1 * n0)


def _block_starts(n: int, block: int, n_boot: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    if n < 1:
        raise ValueError("n must be >= 1")
    if block < 1:
        raise ValueError(f"block must be >= 1 (1 = the iid bootstrap); got {block}")
    b = min(block, n)
    return rng.integers(0, n, size=(n_boot, -(-n // b))).astype(np.int64)


def _indices_from_starts(starts: npt.NDArray[np.int64], block: int, n: int) -> npt.NDArray[np.int64]:
    b = min(block, n)
    idx = (starts[:, :, None] + np.arange(b)[None, None, :]) % n
    return idx.reshape(starts.shape[0], -1)[:, :n].astype(np.int64)


def circular_block_indices(
    n: int, block: int, n_boot: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """Circular block bootstrap resamples (Politis and Romano 1992): ``(n_boot, n)`` positions.

    Each resample glues blocks of ``block`` consecutive positions (wrapping
    round the end) starting at uniform random positions, so serial
    dependence up to about ``block`` days is kept inside the blocks.
    """
    return _indices_from_starts(_block_starts(n, block, n_boot, rng), block, n)


def _weighted_aurocs(
    groups: npt.NDArray[np.int64], n_groups: int, y: FloatArray, counts: FloatArray
) -> FloatArray:
    """AUROC per row of ``counts`` (multiplicity of each day in a resample).

    Days are sorted by their score's rank group; per group the event weight
    :math:`P_g` and the quiet weight :math:`N_g` come from cumulative sums,
    and :math:`\\text{AUROC} = \\sum_g P_g (N_{<g} + N_g / 2) / (P N)`.
    """
    order = np.argsort(groups, kind="stable")
    g_sorted = groups[order]
    ends = np.r_[np.flatnonzero(g_sorted[1:] != g_sorted[:-1]), g_sorted.size - 1]
    c = counts[:, order]
    pos = y[order] == 1.0
    cum_p = np.cumsum(np.where(pos, c, 0.0), axis=1)[:, ends]
    cum_q = np.cumsum(np.where(pos, 0.0, c), axis=1)[:, ends]
    p = np.diff(cum_p, axis=1, prepend=0.0)
    q = np.diff(cum_q, axis=1, prepend=0.0)
    below = cum_q - q
    num = (p * (below + 0.5 * q)).sum(axis=1)
    den = cum_p[:, -1] * cum_q[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def bootstrap_auroc(
    scores: pd.DataFrame,
    label: pd.Series,
    *,
    block: int = 250,
    n_boot: int = 1000,
    seed: int = 0,
    method: str = "numba",
) -> pd.DataFrame:
    """AUROC of every column of ``scores`` on the same circular-block resamples.

    Parameters
    ----------
    scores
        One column per model, on the days of ``label`` (no NaN: evaluate all
        models on exactly the same days).
    label
        Target labels (0/1, no NaN).
    block
        Block length in business days (default 250: a year keeps an episode
        with its lead-up and the serial correlation of 60-day labels inside
        one block).
    n_boot, seed
        Number of resamples and the generator seed (results are reproducible).
    method
        ``"numba"`` (compiled, O(n) per resample) or ``"numpy"`` (the plain
        reference; same numbers, the tests compare them).

    Returns
    -------
    pandas.DataFrame
        ``n_boot`` rows, one column per model. Paired: row ``b`` of every
        column uses the same resample, so differences between models have
        valid percentile intervals too.
    """
    y = label.to_numpy(dtype="float64")
    x = scores.to_numpy(dtype="float64")
    if x.shape[0] != y.size or not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("scores and label must be aligned and free of NaN (use the common sample)")
    n = y.size
    rng = np.random.default_rng(seed)
    groups = np.empty((x.shape[1], n), dtype=np.int64)
    n_groups = np.empty(x.shape[1], dtype=np.int64)
    for j in range(x.shape[1]):
        _, inv = np.unique(x[:, j], return_inverse=True)
        groups[j] = inv.reshape(-1)
        n_groups[j] = int(groups[j].max()) + 1 if n else 0
    starts = _block_starts(n, block, n_boot, rng)
    if method == "numba":
        from stormwatch.evaluation._boot_nb import boot_aurocs

        order = np.argsort(groups, axis=1, kind="stable").astype(np.int64)
        g_sorted = np.take_along_axis(groups, order, axis=1)
        group_end = np.ones_like(order, dtype=np.bool_)
        group_end[:, :-1] = g_sorted[:, 1:] != g_sorted[:, :-1]
        out = boot_aurocs(order, group_end, y == 1.0, starts, min(block, n), n)
    elif method == "numpy":
        out = np.empty((n_boot, x.shape[1]))
        offsets = (np.arange(n_boot, dtype=np.int64) * n)[:, None]
        idx = _indices_from_starts(starts, block, n)
        counts = np.bincount((idx + offsets).ravel(), minlength=n_boot * n).reshape(n_boot, n)
        for j in range(x.shape[1]):
            out[:, j] = _weighted_aurocs(groups[j], int(n_groups[j]), y, counts.astype("float64"))
    else:
        raise ValueError(f"method must be 'numba' or 'numpy'; got {method!r}")
    return pd.DataFrame(out, columns=scores.columns)


@dataclass(frozen=True)
class Confusion:
    """Confusion counts of alarms against labels (see the module docstring)."""

    a: int
    b: int
    c: int
    d: int

    @property
    def n(self) -> int:
        return self.a + self.b + self.c + self.d


def confusion(alarm: npt.ArrayLike, label: npt.ArrayLike) -> Confusion:
    """Count A, B, C, D over the days where both the alarm and the label are known."""
    s, y = _clean(alarm, label)
    if not np.isin(s, (0.0, 1.0)).all():
        raise ValueError("alarms must be 0 or 1 (NaN for unknown)")
    on, ev = s == 1.0, y == 1.0
    return Confusion(
        a=int((on & ev).sum()), b=int((on & ~ev).sum()), c=int((~on & ev).sum()), d=int((~on & ~ev).sum())
    )


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else float("nan")


def sarlin_usefulness(conf: Confusion, mu: float = 0.5) -> tuple[float, float]:
    """Sarlin's (2013) absolute and relative usefulness.

    .. math::

        L(\\mu) = \\mu T_1 P_1 + (1-\\mu) T_2 P_2, \\qquad
        U_a = \\min(\\mu P_1, (1-\\mu) P_2) - L(\\mu), \\qquad
        U_r = U_a / \\min(\\mu P_1, (1-\\mu) P_2)

    with :math:`P_1` the share of event days, :math:`P_2 = 1 - P_1`,
    :math:`T_1 = C/(A+C)` the share of events missed and :math:`T_2 = B/(B+D)`
    the false-alarm rate. :math:`U_r = 1` is a perfect warning, 0 is no better
    than ignoring the indicator (always or never warning, whichever is
    cheaper), negative is worse. ``mu`` is the aversion to missing an event.
    """
    if not 0.0 <= mu <= 1.0:
        raise ValueError(f"mu must be in [0, 1] (0.5 = missed events and false alarms weigh alike); got {mu}")
    n = conf.n
    if n == 0:
        return float("nan"), float("nan")
    p1 = (conf.a + conf.c) / n
    p2 = 1.0 - p1
    t1 = _ratio(conf.c, conf.a + conf.c)
    t2 = _ratio(conf.b, conf.b + conf.d)
    loss = mu * (0.0 if np.isnan(t1) else t1) * p1 + (1.0 - mu) * (0.0 if np.isnan(t2) else t2) * p2
    benchmark = min(mu * p1, (1.0 - mu) * p2)
    ua = benchmark - loss
    return ua, _ratio(ua, benchmark)


def alarm_onsets(alarm: npt.ArrayLike) -> int:
    """How many times the alarm switched on (the first known day counts if it is on)."""
    s = np.asarray(alarm, dtype="float64")
    s = s[np.isfinite(s)]
    if s.size == 0:
        return 0
    on = s == 1.0
    return int(on[0]) + int((on[1:] & ~on[:-1]).sum())


def alarms_per_year(alarm: npt.ArrayLike) -> float:
    """Alarm onsets per year of known days (a year = :data:`BUSINESS_DAYS_PER_YEAR` business days)."""
    s = np.asarray(alarm, dtype="float64")
    n = int(np.isfinite(s).sum())
    return alarm_onsets(s) / (n / BUSINESS_DAYS_PER_YEAR) if n else float("nan")


def signal_metrics(alarm: npt.ArrayLike, label: npt.ArrayLike, *, mu: float = 0.5) -> dict[str, float]:
    """Hit rate, false-alarm rate, noise-to-signal, precision, Sarlin usefulness, alarms per year.

    Parameters
    ----------
    alarm, label
        Aligned 1-D arrays (1.0 / 0.0 / NaN); days where either is NaN are dropped.
    mu
        Preference parameter of :func:`sarlin_usefulness`.

    Returns
    -------
    dict
        ``hit_rate``, ``false_alarm_rate``, ``noise_to_signal`` (NaN when
        there is no hit), ``precision``, ``usefulness_abs``, ``usefulness``
        (relative), ``alarms_per_year``, ``alarm_share``, ``n_days``,
        ``n_event_days``.
    """
    s = np.asarray(alarm, dtype="float64")
    y = np.asarray(label, dtype="float64")
    ok = np.isfinite(s) & np.isfinite(y)
    conf = confusion(s[ok], y[ok])
    hit = _ratio(conf.a, conf.a + conf.c)
    far = _ratio(conf.b, conf.b + conf.d)
    ua, ur = sarlin_usefulness(conf, mu)
    return {
        "hit_rate": hit,
        "false_alarm_rate": far,
        "noise_to_signal": _ratio(far, hit) if hit > 0 else float("nan"),
        "precision": _ratio(conf.a, conf.a + conf.b),
        "usefulness_abs": ua,
        "usefulness": ur,
        "alarms_per_year": alarms_per_year(s[ok]),
        "alarm_share": _ratio(conf.a + conf.b, conf.n),
        "n_days": float(conf.n),
        "n_event_days": float(conf.a + conf.c),
    }


def walk_forward_threshold(score: pd.Series, quantile: float = 0.9, min_obs: int = 252) -> pd.Series:
    """The alarm threshold on day ``t``: the ``quantile`` of the score's known values before ``t``.

    Estimated on an expanding window (walk-forward), never on the full
    sample: the threshold on ``t`` uses only days ``< t`` and is NaN until
    ``min_obs`` values are known.
    """
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be in (0, 1), e.g. 0.9 to alarm on the top decile; got {quantile}")
    if min_obs < 1:
        raise ValueError("min_obs must be >= 1")
    valid = score.dropna().astype("float64")
    thr = valid.expanding(min_periods=min_obs).quantile(quantile).shift(1)
    # Carry the threshold over days with an unknown score (it is only read where the score is known).
    return thr.reindex(score.index).ffill().where(score.notna())


def score_alarm(score: pd.Series, quantile: float = 0.9, min_obs: int = 252) -> pd.Series:
    """1.0 where the score is above its walk-forward threshold, 0.0 below, NaN where unknown."""
    thr = walk_forward_threshold(score, quantile, min_obs)
    known = score.notna() & thr.notna()
    return pd.Series(np.where(known, (score > thr).astype("float64"), np.nan), index=score.index)


def episode_leads(alarm: pd.Series, episodes: Sequence[Episode], *, lead_window: int = 60) -> pd.DataFrame:
    """For each episode, the first alarm from ``lead_window`` business days before its start to its trough.

    Parameters
    ----------
    alarm
        1.0 / 0.0 / NaN on a business-day index.
    episodes
        The episodes to score.
    lead_window
        How far before the start an alarm still counts as a warning of it.

    Returns
    -------
    pandas.DataFrame
        Indexed by episode id: ``first_alarm`` (NaT if none), ``lead_days``
        (business days from the first alarm to the start; positive = before
        it), ``lead_to_trough_days`` (to the trough), ``covered`` (the alarm
        was known on every day of the window).
    """
    idx = pd.DatetimeIndex(alarm.index)
    a = alarm.to_numpy(dtype="float64")
    rows: list[tuple[str, object, float, float, bool]] = []
    for ep in episodes:
        p_start = int(idx.searchsorted(ep.start))
        p_trough = int(idx.searchsorted(ep.trough))
        lo = max(0, p_start - lead_window)
        hi = min(len(idx) - 1, p_trough)
        inside = p_trough < len(idx) and idx[p_trough] == ep.trough.normalize()
        win = a[lo : hi + 1] if inside else np.array([])
        covered = bool(inside and p_start - lead_window >= 0 and win.size and np.isfinite(win).all())
        hits = np.flatnonzero(win == 1.0)
        if hits.size:
            p = lo + int(hits[0])
            rows.append((ep.id, pd.Timestamp(idx[p]), float(p_start - p), float(p_trough - p), covered))
        else:
            rows.append((ep.id, pd.NaT, np.nan, np.nan, covered))
    out = pd.DataFrame(
        rows, columns=["episode", "first_alarm", "lead_days", "lead_to_trough_days", "covered"]
    )
    return out.set_index("episode")
