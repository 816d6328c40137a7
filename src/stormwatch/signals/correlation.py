"""Checklist item 5: cross-asset and cross-border correlations approach one.

When foreign holders sell US assets across the board, other countries' equity
markets move together and the assets that normally hedge a US equity holding
(Treasuries, the dollar, gold) stop hedging: everything is sold together. The
module measures that loss of diversification four ways and combines the
correlation measures into the checklist item:

* ``cross_border_correlation`` (read-out): average pairwise correlation of the
  world's equity markets (S&P 500, DAX, FTSE 100, Nikkei 225, Hang Seng,
  CAC 40, EAFE and EM ETFs), in local currency;
* ``cross_asset_correlation`` (read-out): average pairwise correlation of the
  returns of *long holdings* of US equities, Treasuries, the dollar, gold and
  high-yield credit, so that "everything sells off together" is positive;
* ``absorption_ratio`` (read-out): the share of variance absorbed by the top
  fifth of eigenvectors, and its standardised shift (Kritzman et al. 2011);
* ``turbulence`` (read-out): Mahalanobis distance of today's returns from the
  trailing distribution (Kritzman and Li 2010);
* ``ciss_stress`` (read-out): a CISS-style composite of equity, rates, FX,
  credit and funding stress (Holló, Kremer and Lo Duca 2012);
* ``correlations_to_one`` (checklist item 5): the mean of the cross-border,
  cross-asset and absorption-shift scores.

:func:`correlation_attribution` says which pairs pushed the average
correlation up between two dates.

Conventions
-----------
*Returns* are ``horizon``-day (default 2) overlapping log returns, the
Forbes-Rigobon remedy for markets that close at different hours (Tokyo and
Hong Kong close before New York opens). Yields and spreads enter as the
*negative* of their change (the return of a long bond or credit holding, up
to duration). FRED's Treasury yields and ICE's OAS reach the panel one day
late (catalog ``release_lag_days = 1``), so in every set that mixes them with
same-day prices the same-day series are lagged by ``align_lag`` rows: each
row then pairs moves of the same market day, at the cost of one day.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from stormwatch import kernels
from stormwatch._typing import DateLike, SeriesId
from stormwatch.signals._carry import sequential
from stormwatch.signals._seq import expanding_rank
from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, signal
from stormwatch.signals.transforms import seq_zscore

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "CROSS_ASSET",
    "CROSS_BORDER",
    "absorption",
    "ciss",
    "correlation_attribution",
    "pair_correlation_z",
    "returns_frame",
]

Kind = Literal["price", "rate"]

#: Cross-border equity markets: input name -> (Input, kind). Local-currency indices.
CROSS_BORDER: Mapping[str, tuple[Input, Kind]] = {
    "spx": (Input("yahoo:^GSPC", proxies=("yahoo:SPY",)), "price"),
    "dax": (Input("yahoo:^GDAXI", proxies=("yahoo:EWG",)), "price"),
    "ftse": (Input("yahoo:^FTSE", proxies=("yahoo:EWU",)), "price"),
    "nikkei": (Input("yahoo:^N225", proxies=("yahoo:EWJ",)), "price"),
    "hsi": (Input("yahoo:^HSI", proxies=("yahoo:EWH",), optional=True), "price"),
    "cac": (Input("yahoo:^FCHI", optional=True), "price"),
    "efa": (Input("yahoo:EFA", optional=True), "price"),
    "eem": (Input("yahoo:EEM", proxies=("yahoo:VWO",), optional=True), "price"),
}

#: Cross-asset set (long holdings of US assets + gold): name -> (Input, kind).
CROSS_ASSET: Mapping[str, tuple[Input, Kind]] = {
    "spx": CROSS_BORDER["spx"],
    "ust10": (Input("fred:DGS10"), "rate"),
    "dollar": (Input("yahoo:DX-Y.NYB", proxies=("yahoo:UUP",)), "price"),
    "gold": (Input("yahoo:GC=F", proxies=("yahoo:GLD", "fred:GOLDPMGBD228NLBM")), "price"),
    "credit": (Input("fred:BAMLH0A0HYM2", proxies=("fred:BAA10Y",)), "rate"),
}

#: Longer-history fallbacks filled in day by day where the main series has no data yet
#: (also the last proxy of the main input, so that a panel ending before the main series
#: starts gives the same returns as the full panel on those days).
_FILL: Mapping[str, tuple[str, Input, Kind]] = {
    "gold": ("gold_fix", Input("fred:GOLDPMGBD228NLBM", optional=True), "price"),
    "credit": ("credit_baa", Input("fred:BAA10Y", optional=True), "rate"),
}

#: Series published one day late on the panel (catalog release_lag_days = 1).
_LATE: frozenset[str] = frozenset({"ust10", "credit"})

# Shared parameter declarations (one reason each, used by several signals).
_P_HORIZON = Param(
    2,
    "two-day overlapping returns: markets that close at different hours (Tokyo, London, New York) "
    "react to the same news on different calendar days (Forbes and Rigobon 2002)",
)
_P_WINDOW = Param(
    60, "one quarter of daily rows: enough for a stable correlation, short enough to see a regime turn"
)
_P_MIN_OBS = Param(45, "three quarters of the window must be valid before a correlation is given")
_P_Z_WINDOW = Param(
    1260,
    "five years set each pair's normal correlation: globalisation raised the baseline between "
    "1990 and 2010, so an expanding mean would flag the whole later period as high",
)
_P_Z_MIN_OBS = Param(504, "two years of correlations (eight non-overlapping quarters) before a score")
_P_SCORE_MIN_OBS = Param(
    252,
    "one year of the averaged pair scores before it is put back on the z scale: the mean of "
    "several partly offsetting pair z-scores spreads less than one z-score",
)
_P_MIN_PAIRS = Param(3, "an average over fewer than three pairs is one market's story, not co-movement")
_P_ALIGN = Param(
    1,
    "FRED yields and ICE spreads appear on the panel one day late; lagging the same-day prices "
    "by one row pairs moves of the same market day",
)
_P_AR_WINDOW = Param(
    250,
    "one year of returns per eigen-decomposition; Kritzman et al. use 500 days with a 250-day "
    "half-life, which has about the same effective length",
)
_P_AR_SHORT = Param(15, "Kritzman et al.: the 15-day average absorption ratio ...")
_P_AR_LONG = Param(250, "... against its one-year average and standard deviation")
_P_FILL_GAPS = Param(
    5,
    "a missing return (a holiday after the panel's staleness limit, a late print) is read as no "
    "move for up to a week, so one gap does not drop a market from the covariance windows",
)


def _inputs(*sets: Mapping[str, tuple[Input, Kind]], fills: bool = False) -> dict[str, Input]:
    out: dict[str, Input] = {}
    for s in sets:
        for name, (inp, _) in s.items():
            out[name] = inp
    if fills:
        for name, (fill_name, inp, _) in _FILL.items():
            if name in out:
                out[fill_name] = inp
    return out


def _kinds(*sets: Mapping[str, tuple[Input, Kind]]) -> dict[str, Kind]:
    out: dict[str, Kind] = {}
    for s in sets:
        for name, (_, kind) in s.items():
            out[name] = kind
    return out


def _ret(x: pd.Series, kind: Kind, horizon: int) -> pd.Series:
    return pd.Series(_ret_array(x.to_numpy(dtype="float64"), kind, horizon), index=x.index)


def _shift(a: FloatArray, k: int) -> FloatArray:
    """``a`` moved down ``k`` rows (axis 0), NaN on top: ``Series.shift(k)`` on arrays."""
    out = np.full(a.shape, np.nan)
    if k < len(a):
        out[k:] = a[: len(a) - k]
    return out


def _ret_array(x: FloatArray, kind: Kind, horizon: int) -> FloatArray:
    # numpy, same operations as the pandas original (bit for bit): these run for every
    # market of every correlation signal and pandas' per-call overhead dominated the
    # incremental step.
    if kind == "rate":
        # Return of a long bond / credit position, up to duration: yields up = loss.
        out: FloatArray = -(x - _shift(x, horizon))
        return out
    with np.errstate(invalid="ignore"):
        logx = np.log(np.where(x > 0, x, np.nan))
    diff: FloatArray = logx - _shift(logx, horizon)
    return diff


def returns_frame(
    series: Mapping[str, pd.Series],
    kinds: Mapping[str, Kind],
    *,
    horizon: int,
    align_lag: int,
) -> pd.DataFrame:
    r"""The set's ``horizon``-day returns, oriented as long holdings and aligned by market day.

    Parameters
    ----------
    series
        Level series by name (prices, index levels, yields or spreads), all
        on one index (as :class:`~stormwatch.signals.base.SignalData` gives
        them; ``ValueError`` otherwise).
        ``gold_fix`` / ``credit_baa`` fill ``gold`` / ``credit`` on days the
        main series has no return.
    kinds
        ``price`` (log return) or ``rate`` (negative change) for each name
        kept in the frame.
    horizon
        Return horizon in rows.
    align_lag
        If a name published a day late (``ust10``, ``credit``) is in the set,
        every other column is lagged by this many rows.

    Returns
    -------
    DataFrame
        .. math::

            r^{price}_t = \log\frac{P_t}{P_{t-h}}, \qquad
            r^{rate}_t = -(y_t - y_{t-h})
    """
    names = [name for name in kinds if name in series]
    if not names:
        return pd.DataFrame({})
    index = series[names[0]].index
    if any(not series[name].index.equals(index) for name in names):
        raise ValueError("returns_frame: the series must share one index")
    late = bool(align_lag) and any(name in _LATE for name in names)
    out = np.empty((len(index), len(names)))
    for j, name in enumerate(names):
        r = _ret_array(series[name].to_numpy(dtype="float64"), kinds[name], horizon)
        if name in _FILL:
            fill_name, _, fill_kind = _FILL[name]
            if fill_name in series:
                fill = _ret_array(series[fill_name].to_numpy(dtype="float64"), fill_kind, horizon)
                r = np.where(np.isnan(r), fill, r)
        out[:, j] = _shift(r, align_lag) if late and name not in _LATE else r
    return pd.DataFrame(out, index=index, columns=names)


def _fill_short_gaps(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    """A NaN return within ``limit`` rows after a valid one is read as zero (no move). Causal."""
    if limit <= 0:
        return frame
    a = frame.to_numpy(dtype="float64")
    missing = np.isnan(a)
    # Valid rows among the previous ``limit`` (rows t-limit .. t-1), from a running count.
    count = np.zeros((len(a) + 1, a.shape[1]), dtype=np.int64)
    np.cumsum(~missing, axis=0, out=count[1:])
    lo = np.maximum(np.arange(len(a)) - limit, 0)
    recent = count[: len(a)] - count[lo] > 0
    return pd.DataFrame(np.where(missing & recent, 0.0, a), index=frame.index, columns=frame.columns)


def pair_correlation_z(
    returns: pd.DataFrame,
    *,
    window: int,
    min_obs: int,
    z_window: int,
    z_min_obs: int,
    min_pairs: int,
) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    r"""Average of the pairs' sequential z-scores of their (Fisher-transformed) rolling correlation.

    Each pair is compared with *its own* history, so a market joining the
    set (an ETF that starts in 2003) does not shift the score.

    Returns
    -------
    score : Series
        .. math::

            S_t = \frac{1}{|P_t|}\sum_{(i,j) \in P_t}
                  z_W\!\left(\operatorname{artanh}\hat\rho_{ij,t}\right)

        NaN where fewer than ``min_pairs`` pairs have a score.
    corr, z : DataFrame
        Each pair's rolling correlation and z-score (columns ``a|b``).
    """
    names = list(returns.columns)
    pairs = list(itertools.combinations(names, 2))
    index = returns.index
    if not pairs:
        empty = pd.DataFrame(index=index)
        return pd.Series(np.nan, index=index), empty, empty
    arr = returns.to_numpy(dtype="float64")
    ia = [names.index(a) for a, _ in pairs]
    ib = [names.index(b) for _, b in pairs]
    rho = kernels.rolling_corr(arr[:, ia], arr[:, ib], window, min_obs)
    fisher = np.arctanh(np.clip(rho, -0.999, 0.999))
    z = _carried_rolling_zscore(fisher, index, z_window, z_min_obs)
    labels = [f"{a}|{b}" for a, b in pairs]
    corr_df = pd.DataFrame(rho, index=index, columns=labels)
    z_df = pd.DataFrame(z, index=index, columns=labels)
    n = z_df.notna().sum(axis=1)
    score = z_df.mean(axis=1).where(n >= min_pairs)
    return score, corr_df, z_df


def _carried_rolling_zscore(x: np.ndarray, index: pd.Index, window: int, min_obs: int) -> np.ndarray:
    """:func:`stormwatch.kernels.rolling_zscore`, its last ``window`` rows carried for an incremental run."""

    def run(v: np.ndarray, buffer: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        rows = v if buffer is None else np.concatenate([buffer, v], axis=0)
        z = np.asarray(kernels.rolling_zscore(rows, window, min_obs), dtype="float64")
        start = 0 if buffer is None else buffer.shape[0]
        return z[start:], rows[-window:].copy()

    return sequential(
        f"kzscore/{window}/{min_obs}/{x.shape[1]}", index, x, lambda v: run(v, None), lambda b, v: run(v, b)
    )


def _avg_corr(returns: pd.DataFrame, window: int) -> tuple[pd.Series, pd.Series]:
    stat = kernels.rolling_avg_corr(returns.to_numpy(dtype="float64"), window)
    return (
        pd.Series(stat.value, index=returns.index),
        pd.Series(stat.n_used, index=returns.index, dtype="float64"),
    )


def _correlation_output(
    data: SignalData,
    kinds: Mapping[str, Kind],
    *,
    horizon: int,
    window: int,
    min_obs: int,
    z_window: int,
    z_min_obs: int,
    score_min_obs: int,
    min_pairs: int,
    align_lag: int,
) -> tuple[pd.Series, pd.DataFrame]:
    rets = returns_frame(data.series, kinds, horizon=horizon, align_lag=align_lag)
    score, corr, _ = pair_correlation_z(
        rets, window=window, min_obs=min_obs, z_window=z_window, z_min_obs=z_min_obs, min_pairs=min_pairs
    )
    z = seq_zscore(score, min_obs=score_min_obs, window=z_window)
    avg, n_used = _avg_corr(_fill_short_gaps(rets, 5), window)
    evidence = pd.DataFrame(
        {
            "avg_corr": avg,
            "n_markets": n_used,
            "avg_pair_corr": corr.mean(axis=1),
            "pair_z_mean": score,
            "n_pairs": corr.notna().sum(axis=1).astype("float64"),
        }
    )
    return z, evidence


_CORR_PARAMS = {
    "horizon": _P_HORIZON,
    "window": _P_WINDOW,
    "min_obs": _P_MIN_OBS,
    "z_window": _P_Z_WINDOW,
    "z_min_obs": _P_Z_MIN_OBS,
    "score_min_obs": _P_SCORE_MIN_OBS,
    "min_pairs": _P_MIN_PAIRS,
}


@signal(
    id="cross_border_correlation",
    family="correlation",
    title="Average correlation of the world's equity markets",
    kind="readout",
    inputs=_inputs(CROSS_BORDER),
    params=_CORR_PARAMS,
    rationale="""
        When foreign holders sell across the board, national equity markets stop moving on local
        news and move together. The average pairwise correlation of two-day local-currency
        returns over a quarter, each pair scored against its own five-year history, measures it.
        Local currency, not USD: the question is whether the equity markets move together; the
        dollar's part is read by checklist items 1 and 3.
    """,
)
def cross_border_correlation(
    data: SignalData,
    *,
    horizon: int,
    window: int,
    min_obs: int,
    z_window: int,
    z_min_obs: int,
    score_min_obs: int,
    min_pairs: int,
) -> SignalOutput:
    r"""Cross-border equity correlation.

    Parameters
    ----------
    data
        Equity index levels (local currency) and USD ETFs.
    horizon, window, min_obs, z_window, z_min_obs, score_min_obs, min_pairs
        See the declared parameters.

    Returns
    -------
    SignalOutput
        ``intensity``: the mean pair z-score (:func:`pair_correlation_z`,
        evidence ``pair_z_mean``), itself sequentially z-scored;
        evidence: ``avg_corr`` (average correlation of the markets with a full
        window, as in :func:`correlation_attribution`), ``n_markets``,
        ``avg_pair_corr`` (mean of the pairwise-complete correlations).

    Notes
    -----
    .. math::

        S_t = \frac{1}{|P_t|}\sum_{(i,j)} z_{1260}\left(\operatorname{artanh}
        \operatorname{corr}_{60}(r^i, r^j)_t\right), \quad r^i_t = \log\frac{P^i_t}{P^i_{t-2}},
        \quad I_t = z_{1260}(S_t)
    """
    kinds = _kinds(CROSS_BORDER)
    score, evidence = _correlation_output(
        data,
        kinds,
        horizon=horizon,
        window=window,
        min_obs=min_obs,
        z_window=z_window,
        z_min_obs=z_min_obs,
        score_min_obs=score_min_obs,
        min_pairs=min_pairs,
        align_lag=0,
    )
    return SignalOutput(intensity=score, evidence=evidence)


@signal(
    id="cross_asset_correlation",
    family="correlation",
    title="Average correlation of long US equity, Treasury, dollar, gold and credit holdings",
    kind="readout",
    inputs=_inputs(CROSS_ASSET, fills=True),
    params={**_CORR_PARAMS, "align_lag": _P_ALIGN},
    rationale="""
        Each asset enters as the return of a long holding (Treasuries and credit as the negative of
        the yield or spread change, the dollar as the DXY return), so the average correlation rises
        when the usual hedges of a US equity holding (Treasuries, the dollar, gold) fall with it:
        the thesis' 'everything is sold together', the opposite of 2008 when the dollar and
        Treasuries rose as equities fell.
    """,
)
def cross_asset_correlation(
    data: SignalData,
    *,
    horizon: int,
    window: int,
    min_obs: int,
    z_window: int,
    z_min_obs: int,
    score_min_obs: int,
    min_pairs: int,
    align_lag: int,
) -> SignalOutput:
    r"""Cross-asset correlation of long holdings.

    Parameters
    ----------
    data
        S&P 500, 10-year yield, dollar index, gold, high-yield OAS (with the
        LBMA fix and Baa-Treasury spread filling their early history).
    horizon, window, min_obs, z_window, z_min_obs, score_min_obs, min_pairs, align_lag
        See the declared parameters.

    Returns
    -------
    SignalOutput
        As :func:`cross_border_correlation`.

    Notes
    -----
    Oriented returns :math:`r^{eq} = \Delta_h \log P`, :math:`r^{ust} = -\Delta_h y_{10}`,
    :math:`r^{\$} = \Delta_h \log DXY`, :math:`r^{gold} = \Delta_h \log G`,
    :math:`r^{cr} = -\Delta_h OAS`; then the score of :func:`pair_correlation_z`.
    """
    kinds = _kinds(CROSS_ASSET)
    score, evidence = _correlation_output(
        data,
        kinds,
        horizon=horizon,
        window=window,
        min_obs=min_obs,
        z_window=z_window,
        z_min_obs=z_min_obs,
        score_min_obs=score_min_obs,
        min_pairs=min_pairs,
        align_lag=align_lag,
    )
    return SignalOutput(intensity=score, evidence=evidence)


def _union_returns(data: SignalData, *, horizon: int, align_lag: int, fill_gaps: int) -> pd.DataFrame:
    kinds = _kinds(CROSS_BORDER, CROSS_ASSET)
    rets = returns_frame(data.series, kinds, horizon=horizon, align_lag=align_lag)
    return _fill_short_gaps(rets, fill_gaps)


#: An absorption ratio whose one-year standard deviation is below this is flat (rounding only).
_AR_FLAT = 1e-9


def absorption(
    returns: pd.DataFrame, *, window: int, short: int, long: int
) -> tuple[pd.Series, pd.Series, pd.Series]:
    r"""Absorption ratio of volatility-scaled returns and its standardised shift.

    Returns are divided by their own trailing (``window``) standard deviation
    first, so a yield change in percent and an equity log return weigh the
    same (an approximation of the correlation-matrix version). The shift is
    computed within runs of a constant number of markets, so a market joining
    the set restarts it instead of faking a jump, and is NaN where the ratio
    has not moved beyond rounding over the long window.

    Returns
    -------
    ar, shift, n_used
        .. math::

            AR_t = \frac{\sum_{k=1}^{\lceil m/5 \rceil}\lambda_k}{\sum_{k=1}^{m}\lambda_k},
            \qquad
            \Delta AR_t = \frac{\overline{AR}_{15} - \overline{AR}_{250}}{\sigma_{250}(AR)}
    """
    scale = returns.rolling(window, min_periods=window // 2).std()
    scaled = returns / scale.where(scale > 0)
    stat = kernels.absorption_ratio(scaled.to_numpy(dtype="float64"), window)
    ar = np.asarray(stat.value, dtype="float64")
    used = np.asarray(stat.n_used)
    shift = np.full(ar.shape, np.nan)
    # Runs of a constant column count (0 = not computed).
    starts = np.flatnonzero(np.r_[True, used[1:] != used[:-1]])
    ends = np.r_[starts[1:], used.size]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        if used[a] == 0 or b - a < long:
            continue
        run = kernels.absorption_shift(ar[a:b], short=short, long=long)
        # A ratio that does not move (within rounding) has no shift: 0/0, not noise/1e-17.
        _, sd = kernels.rolling_mean_std(ar[a:b], long)
        shift[a:b] = np.where(sd > _AR_FLAT, run, np.nan)
    idx = returns.index
    return pd.Series(ar, index=idx), pd.Series(shift, index=idx), pd.Series(used, index=idx, dtype="float64")


_UNION_INPUTS = _inputs(CROSS_BORDER, CROSS_ASSET, fills=True)


@signal(
    id="absorption_ratio",
    family="correlation",
    title="Absorption ratio of world equities and US cross-asset returns (standardised shift)",
    kind="readout",
    inputs=_UNION_INPUTS,
    params={
        "horizon": _P_HORIZON,
        "window": _P_AR_WINDOW,
        "short": _P_AR_SHORT,
        "long": _P_AR_LONG,
        "align_lag": _P_ALIGN,
        "fill_gaps": _P_FILL_GAPS,
    },
    rationale="""
        The absorption ratio is the share of the total variance of a set of markets explained by
        its few largest common factors (the top fifth of eigenvectors): when it rises, markets are
        tightly coupled and a shock spreads. Kritzman et al. (2011) found that sharp rises in it
        (the 15-day average one standard deviation above the one-year average) preceded most
        large drawdowns. The set is the cross-border equity markets plus the US cross-asset
        holdings.
    """,
)
def absorption_ratio(
    data: SignalData, *, horizon: int, window: int, short: int, long: int, align_lag: int, fill_gaps: int
) -> SignalOutput:
    r"""Absorption ratio read-out; intensity = standardised shift.

    Parameters
    ----------
    data
        The union of the cross-border and cross-asset inputs.
    horizon, window, short, long, align_lag, fill_gaps
        See the declared parameters.

    Returns
    -------
    SignalOutput
        ``intensity`` = :math:`\Delta AR_t` (see :func:`absorption`);
        evidence ``absorption_ratio``, ``ar_shift``, ``n_markets``.

    References
    ----------
    Kritzman, M., Li, Y., Page, S. and Rigobon, R. (2011), "Principal components as a
    measure of systemic risk", *Journal of Portfolio Management* 37(4).
    """
    rets = _union_returns(data, horizon=horizon, align_lag=align_lag, fill_gaps=fill_gaps)
    ar, shift, used = absorption(rets, window=window, short=short, long=long)
    evidence = pd.DataFrame({"absorption_ratio": ar, "ar_shift": shift, "n_markets": used})
    return SignalOutput(intensity=shift, evidence=evidence)


@signal(
    id="turbulence",
    family="correlation",
    title="Financial turbulence of world equities and US cross-asset returns",
    kind="readout",
    inputs=_UNION_INPUTS,
    params={
        "horizon": _P_HORIZON,
        "window": Param(
            500,
            "two years of history define 'usual' returns and co-movements; at least ten rows "
            "per market for a stable inverse covariance",
        ),
        "smooth": Param(5, "one week's average: turbulence persists, one unusual day is not a regime"),
        "z_window": Param(
            2520,
            "ten years of smoothed turbulence set its neutral level: long enough to hold a "
            "crisis, so the next one is measured against it",
        ),
        "z_min_obs": Param(504, "two years of turbulence before a score"),
        "align_lag": _P_ALIGN,
        "fill_gaps": _P_FILL_GAPS,
    },
    rationale="""
        Turbulence is the squared Mahalanobis distance of today's returns from their trailing mean,
        given the trailing covariance: it is high when assets move by unusual amounts *or* in
        unusual combinations (e.g. Treasuries and the dollar falling with equities). Kritzman and
        Li (2010) show that it persists and that risk-adjusted returns are poor while it is high.
    """,
)
def turbulence(
    data: SignalData,
    *,
    horizon: int,
    window: int,
    smooth: int,
    z_window: int,
    z_min_obs: int,
    align_lag: int,
    fill_gaps: int,
) -> SignalOutput:
    r"""Turbulence read-out.

    Parameters
    ----------
    data
        The union of the cross-border and cross-asset inputs.
    horizon, window, smooth, z_window, z_min_obs, align_lag, fill_gaps
        See the declared parameters.

    Returns
    -------
    SignalOutput
        ``intensity``: sequential z-score of the log of the ``smooth``-day mean
        turbulence; evidence ``turbulence`` (daily, per market),
        ``turbulence_smoothed``, ``turbulence_pct`` (its expanding percentile
        among the days so far), ``n_markets``.

    Notes
    -----
    .. math::

        d_t = \frac{1}{m}(r_t - \mu_t)^\top \Sigma_t^{-1}(r_t - \mu_t), \qquad
        I_t = z_{W}\left(\log \tfrac{1}{s}\textstyle\sum_{k<s} d_{t-k}\right)

    with :math:`\mu_t, \Sigma_t` from rows :math:`t-500..t-1` (today excluded);
    :math:`E[d_t] \approx 1` for normal returns.

    References
    ----------
    Kritzman, M. and Li, Y. (2010), "Skulls, financial turbulence, and risk
    management", *Financial Analysts Journal* 66(5).
    """
    rets = _union_returns(data, horizon=horizon, align_lag=align_lag, fill_gaps=fill_gaps)
    stat = kernels.turbulence(rets.to_numpy(dtype="float64"), window, min_obs=window // 2)
    used = np.asarray(stat.n_used, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        per_market = np.where(used > 0, np.asarray(stat.value) / used, np.nan)
    turb = pd.Series(per_market, index=rets.index)
    smoothed = turb.rolling(smooth, min_periods=smooth).mean()
    logged = np.log(smoothed.where(smoothed > 0))
    intensity = seq_zscore(logged, min_obs=z_min_obs, window=z_window)
    pct = expanding_rank(turb, min_obs=z_min_obs, mid=False)
    evidence = pd.DataFrame(
        {
            "turbulence": turb,
            "turbulence_smoothed": smoothed,
            "turbulence_pct": pct,
            "n_markets": pd.Series(used, index=rets.index),
        }
    )
    return SignalOutput(intensity=intensity, evidence=evidence)


# ---------------------------------------------------------------------------
# CISS-style composite
# ---------------------------------------------------------------------------


def _realized_vol(x: pd.Series, kind: Kind, window: int) -> pd.Series:
    daily = _ret(x, kind, 1).to_numpy(dtype="float64")
    out = np.full(daily.shape, np.nan)
    if daily.size >= window:
        # Two-pass std of each window on its own (not a running sum): the value depends
        # on the window's rows only, bit for bit, so the expanding ranks of an
        # incremental run see exactly the ties the full run sees.
        win = np.lib.stride_tricks.sliding_window_view(daily, window)
        out[window - 1 :] = np.std(win, axis=1, ddof=1)
    return pd.Series(out * math.sqrt(252.0), index=x.index)


def _ecdf(x: pd.Series, min_obs: int) -> pd.Series:
    """Sequential empirical CDF: the rank of today's value among all values so far, in (0, 1]."""
    return expanding_rank(x, min_obs=min_obs, mid=False)


def ciss(subindices: pd.DataFrame, *, halflife: float, min_subindices: int) -> tuple[pd.Series, pd.Series]:
    r"""Aggregate CDF-scaled stress sub-indices with their time-varying correlation.

    Parameters
    ----------
    subindices
        One column per sub-index, each in (0, 1] (an empirical CDF).
    halflife
        Half-life in rows of the EWMA cross-products.
    min_subindices
        Sub-indices needed on a day (NaN below).

    Returns
    -------
    ciss, avg_corr
        .. math::

            \sigma_{ij,t} = \lambda\sigma_{ij,t-1} + (1-\lambda)\tilde s_{i,t}\tilde s_{j,t},
            \quad \tilde s = s - \tfrac12, \quad
            \rho_{ij,t} = \frac{\sigma_{ij,t}}{\sqrt{\sigma_{ii,t}\sigma_{jj,t}}}

        .. math::

            CISS_t = \sqrt{\frac{s_t^\top C_t s_t}{n_t^2}}

        over the :math:`n_t` sub-indices available on day :math:`t`
        (equal weights), so CISS is 1 when every sub-index is at its
        historical maximum and all are perfectly correlated. ``avg_corr`` is
        the mean off-diagonal :math:`\rho_{ij,t}`.
    """
    s = subindices.to_numpy(dtype="float64")
    k = s.shape[1]
    kind = f"ciss/{halflife}/{min_subindices}/{k}"
    both = sequential(
        kind,
        subindices.index,
        s,
        lambda v: _ciss_rows(v, None, halflife, min_subindices),
        lambda st, v: _ciss_rows(v, st, halflife, min_subindices),
    )
    return pd.Series(both[:, 0], index=subindices.index), pd.Series(both[:, 1], index=subindices.index)


def _ciss_rows(
    s: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None, halflife: float, min_subindices: int
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The EWMA recursion of :func:`ciss` from a carried (cross-products, seen) state."""
    n_rows, k = s.shape
    lam = 0.5 ** (1.0 / halflife)
    sig, seen = (np.zeros((k, k)), np.zeros((k, k), dtype=bool)) if state is None else state
    out = np.full(n_rows, np.nan)
    avg = np.full(n_rows, np.nan)
    for t in range(n_rows):
        row = s[t]
        ok = ~np.isnan(row)
        dev = np.where(ok, row - 0.5, 0.0)
        both = ok[:, None] & ok[None, :]
        upd = lam * sig + (1.0 - lam) * np.outer(dev, dev)
        # First observation of a pair starts its EWMA at the cross-product itself.
        upd = np.where(seen, upd, np.outer(dev, dev))
        sig = np.where(both, upd, sig)
        seen |= both
        m = int(ok.sum())
        if m < min_subindices:
            continue
        idx = np.flatnonzero(ok)
        sub = sig[np.ix_(idx, idx)]
        d = np.sqrt(np.diag(sub))
        if np.any(d <= 0):
            continue
        corr = np.clip(sub / np.outer(d, d), -1.0, 1.0)
        v = row[idx]
        out[t] = math.sqrt(max(float(v @ corr @ v), 0.0)) / m
        off = corr[~np.eye(m, dtype=bool)]
        avg[t] = float(off.mean()) if off.size else np.nan
    return np.column_stack([out, avg]), (sig.copy(), seen.copy())


#: CISS sub-indices and the raw indicators averaged into each (see ``ciss_stress``).
_CISS_SUBINDICES: Mapping[str, tuple[str, ...]] = {
    "equity": ("vix", "spx_rv"),
    "rates": ("move", "ust10_rv"),
    "fx": ("evz", "dollar_rv"),
    "credit": ("hy_oas", "baa"),
    "funding": ("ted",),
}


@signal(
    id="ciss_stress",
    family="correlation",
    title="Composite indicator of systemic stress (CISS-style): equity, rates, FX, credit, funding",
    kind="readout",
    inputs={
        "vix": Input("fred:VIXCLS", optional=True),
        "spx": Input("yahoo:^GSPC", proxies=("yahoo:SPY",)),
        "move": Input("local:MOVE", optional=True),
        "ust10": Input("fred:DGS10", optional=True),
        "evz": Input("fred:EVZCLS", optional=True),
        "dollar": Input("yahoo:DX-Y.NYB", proxies=("yahoo:UUP",), optional=True),
        "hy_oas": Input("fred:BAMLH0A0HYM2", proxies=("fred:BAMLC0A0CM",), optional=True),
        "baa": Input("fred:BAA10Y", optional=True),
        "interbank3m": Input("fred:IR3TIB01USM156N", optional=True),
        "tbill3m": Input("fred:TB3MS", proxies=("fred:DGS3MO",), optional=True),
    },
    params={
        "rv_window": Param(
            20, "one month of daily moves for realised volatility, like the one-month implied vols"
        ),
        "cdf_min_obs": Param(
            504,
            "two years of history before a value is ranked: an empirical CDF needs a calm and a "
            "stressed spell to mean anything",
        ),
        "halflife": Param(
            48.0,
            "Holló et al. use weekly data with lambda = 0.93, a half-life of about 9.5 weeks, "
            "i.e. about 48 business days",
        ),
        "min_subindices": Param(3, "at least three of the five markets, or it is not a systemic reading"),
        "z_window": Param(2520, "ten years of CISS set its neutral level; a crisis stays in the baseline"),
        "z_min_obs": Param(252, "one year of CISS values before a score"),
    },
    rationale="""
        Systemic stress is stress in several markets at once. Following the ECB's CISS (Holló,
        Kremer and Lo Duca 2012), each raw indicator is ranked against its own history (a
        sequential empirical CDF), averaged into five market sub-indices (equity, rates, FX,
        credit, funding) and aggregated with their time-varying correlation, so the composite is
        highest when the stressed markets are also moving together: the thesis' correlations
        approaching one, read through stress rather than returns.
    """,
)
def ciss_stress(
    data: SignalData,
    *,
    rv_window: int,
    cdf_min_obs: int,
    halflife: float,
    min_subindices: int,
    z_window: int,
    z_min_obs: int,
) -> SignalOutput:
    r"""CISS-style composite stress read-out.

    Parameters
    ----------
    data
        VIX, S&P 500, MOVE, 10-year yield, EVZ, dollar index, high-yield OAS,
        Baa-Treasury spread, 3-month interbank rate and T-bill rate.
    rv_window, cdf_min_obs, halflife, min_subindices, z_window, z_min_obs
        See the declared parameters.

    Returns
    -------
    SignalOutput
        ``intensity``: rolling sequential z-score of the CISS; evidence
        ``ciss`` (0..1), each sub-index ``ciss.<market>`` and
        ``ciss.avg_corr`` (mean correlation of the sub-indices).

    Notes
    -----
    Raw indicators :math:`x` (implied vol, realised vol, spread levels, the
    3-month interbank-bill spread) become :math:`F_t(x_t)`, the share of the
    values up to :math:`t` at or below :math:`x_t`; a sub-index is the mean of
    its indicators' ranks; then :func:`ciss`, and
    :math:`I_t = z_{W}(CISS_t)`.

    References
    ----------
    Holló, D., Kremer, M. and Lo Duca, M. (2012), "CISS - a composite indicator of
    systemic stress in the financial system", ECB Working Paper 1426.
    """
    raw: dict[str, pd.Series] = {
        "vix": data["vix"],
        "spx_rv": _realized_vol(data["spx"], "price", rv_window),
        "move": data["move"],
        "ust10_rv": _realized_vol(data["ust10"], "rate", rv_window),
        "evz": data["evz"],
        "dollar_rv": _realized_vol(data["dollar"], "price", rv_window),
        "hy_oas": data["hy_oas"],
        "baa": data["baa"],
        "ted": data["interbank3m"] - data["tbill3m"],
    }
    ranks = {name: _ecdf(x, cdf_min_obs) for name, x in raw.items()}
    subs = pd.DataFrame(
        {
            market: pd.concat([ranks[n] for n in members], axis=1).mean(axis=1)
            for market, members in _CISS_SUBINDICES.items()
        }
    )
    level, avg_corr = ciss(subs, halflife=halflife, min_subindices=min_subindices)
    intensity = seq_zscore(level, min_obs=z_min_obs, window=z_window)
    evidence = pd.concat(
        [pd.DataFrame({"ciss": level, "ciss.avg_corr": avg_corr}), subs.add_prefix("ciss.")], axis=1
    )
    return SignalOutput(intensity=intensity, evidence=evidence)


# ---------------------------------------------------------------------------
# The checklist item
# ---------------------------------------------------------------------------


@signal(
    id="correlations_to_one",
    family="correlation",
    title="Cross-asset and cross-border correlations approach one",
    kind="checklist",
    checklist_item=5,
    inputs=_UNION_INPUTS,
    params={
        **_CORR_PARAMS,
        "align_lag": _P_ALIGN,
        "ar_window": _P_AR_WINDOW,
        "ar_short": _P_AR_SHORT,
        "ar_long": _P_AR_LONG,
        "fill_gaps": _P_FILL_GAPS,
        "min_parts": Param(
            2,
            "two of the three measures (cross-border, cross-asset, absorption shift) must be "
            "available: one alone is one lens on co-movement",
        ),
    },
    rationale="""
        The report's fifth step: other countries' equity markets and the usual hedges of a US
        holding all move together, so diversification fails. The item is the mean of three
        comparable scores: the cross-border equity correlation, the cross-asset correlation of
        long holdings, and the absorption ratio's standardised shift. Turbulence and the
        CISS-style composite are shown beside it as read-outs: they measure unusual moves and
        stress, not co-movement alone.
    """,
)
def correlations_to_one(
    data: SignalData,
    *,
    horizon: int,
    window: int,
    min_obs: int,
    z_window: int,
    z_min_obs: int,
    score_min_obs: int,
    min_pairs: int,
    align_lag: int,
    ar_window: int,
    ar_short: int,
    ar_long: int,
    fill_gaps: int,
    min_parts: int,
) -> SignalOutput:
    r"""Checklist item 5: correlations approach one.

    Parameters
    ----------
    data
        The union of the cross-border and cross-asset inputs.
    horizon, window, min_obs, z_window, z_min_obs, score_min_obs, min_pairs, align_lag, ar_window, ar_short,
    ar_long
        As in :func:`cross_border_correlation`, :func:`cross_asset_correlation`
        and :func:`absorption_ratio`.
    fill_gaps, min_parts
        See the declared parameters.

    Returns
    -------
    SignalOutput
        ``intensity``: the mean of the available parts; evidence: each part
        (``cross_border.z``, ``cross_asset.z``, ``absorption_shift``), the
        average correlation levels (``cross_border.avg_corr``,
        ``cross_asset.avg_corr``), the absorption ratio and ``n_parts``.

    Notes
    -----
    .. math::

        I_t = \frac{1}{|Q_t|}\sum_{q \in Q_t} q_t, \qquad
        Q_t \subseteq \{S^{border}_t, S^{asset}_t, \Delta AR_t\}, \ |Q_t| \ge 2
    """
    cb_score, cb_ev = _correlation_output(
        data,
        _kinds(CROSS_BORDER),
        horizon=horizon,
        window=window,
        min_obs=min_obs,
        z_window=z_window,
        z_min_obs=z_min_obs,
        score_min_obs=score_min_obs,
        min_pairs=min_pairs,
        align_lag=0,
    )
    ca_score, ca_ev = _correlation_output(
        data,
        _kinds(CROSS_ASSET),
        horizon=horizon,
        window=window,
        min_obs=min_obs,
        z_window=z_window,
        z_min_obs=z_min_obs,
        score_min_obs=score_min_obs,
        min_pairs=min_pairs,
        align_lag=align_lag,
    )
    rets = _union_returns(data, horizon=horizon, align_lag=align_lag, fill_gaps=fill_gaps)
    ar, shift, _ = absorption(rets, window=ar_window, short=ar_short, long=ar_long)
    parts = pd.DataFrame({"cross_border.z": cb_score, "cross_asset.z": ca_score, "absorption_shift": shift})
    n = parts.notna().sum(axis=1).astype("float64")
    intensity = parts.mean(axis=1).where(n >= min_parts)
    evidence = pd.concat(
        [
            parts,
            pd.DataFrame(
                {
                    "cross_border.avg_corr": cb_ev["avg_corr"],
                    "cross_asset.avg_corr": ca_ev["avg_corr"],
                    "absorption_ratio": ar,
                    "n_parts": n,
                }
            ),
        ],
        axis=1,
    )
    return SignalOutput(intensity=intensity, evidence=evidence)


# ---------------------------------------------------------------------------
# Attribution
# ---------------------------------------------------------------------------


def _pick(panel: pd.DataFrame, inp: Input) -> SeriesId | None:
    for cid in inp.candidates:
        if cid in panel.columns and panel[cid].notna().any():
            return cid
    return None


def correlation_attribution(
    panel: pd.DataFrame,
    date: DateLike,
    window: int = 60,
    lookback: int = 60,
    k: int = 5,
    *,
    universe: Literal["cross_border", "cross_asset", "all"] = "cross_border",
    horizon: int = 2,
    align_lag: int = 1,
) -> pd.DataFrame:
    r"""Which pairs pushed the average correlation up between ``date - lookback`` and ``date``.

    Parameters
    ----------
    panel
        The business-day panel (catalog ids as columns). Inputs are chosen as
        the signals choose them (first candidate with data).
    date
        The day of interest; the last panel row on or before it is used.
    window
        Rows in each correlation window (as the signals' ``window``).
    lookback
        Rows between the two windows' last days.
    k
        Pairs to return.
    universe
        ``cross_border`` (equity markets, as ``cross_border_correlation``),
        ``cross_asset`` (long holdings, as ``cross_asset_correlation``) or
        ``all`` (both).
    horizon, align_lag
        Return horizon and day alignment, as in the signals.

    Returns
    -------
    DataFrame
        Up to ``k`` rows, largest rise first: ``a``, ``b`` (input names, e.g.
        ``spx``, ``dax``), ``id_a``, ``id_b`` (the series used), ``before``,
        ``now``, ``change`` and ``contribution``: the pair's share of the
        change in the average,

        .. math::

            c_{ij} = \frac{2}{m_1(m_1-1)}\rho^{(1)}_{ij} - \frac{2}{m_0(m_0-1)}\rho^{(0)}_{ij}

        with :math:`m_0, m_1` the markets in each window (the same rule as
        :func:`stormwatch.kernels.corr_contributions`: markets with a
        complete window). Attrs ``avg_before`` and ``avg_now`` hold the two
        averages, whose difference the contributions of *all* pairs sum to
        when the market set is unchanged.
    """
    sets: dict[str, Mapping[str, tuple[Input, Kind]]] = {
        "cross_border": CROSS_BORDER,
        "cross_asset": CROSS_ASSET,
        "all": {**CROSS_BORDER, **CROSS_ASSET},
    }
    if universe not in sets:
        raise ValueError(f"universe must be one of {sorted(sets)}; got {universe!r}")
    if window < 2 or lookback < 1 or k < 0:
        raise ValueError("need window >= 2, lookback >= 1 and k >= 0; e.g. window=60, lookback=60, k=5")
    chosen = sets[universe]
    series: dict[str, pd.Series] = {}
    ids: dict[str, SeriesId] = {}
    for name, (inp, _) in chosen.items():
        cid = _pick(panel, inp)
        if cid is not None:
            series[name] = panel[cid].astype("float64")
            ids[name] = cid
    for name, (fill_name, inp, _) in _FILL.items():
        if name in chosen:
            cid = _pick(panel, inp)
            if cid is not None:
                series[fill_name] = panel[cid].astype("float64")
    kinds = {n: kd for n, (_, kd) in chosen.items() if n in series}
    rets = _fill_short_gaps(returns_frame(series, kinds, horizon=horizon, align_lag=align_lag), 5)
    index = pd.DatetimeIndex(rets.index)
    pos = int(index.searchsorted(pd.Timestamp(date), side="right")) - 1
    if pos < 0:
        raise ValueError(f"date {date} is before the panel starts ({index[0].date()})")
    if pos - lookback - window + 1 < 0:
        raise ValueError(
            f"not enough history before {index[pos].date()}: "
            f"need window + lookback = {window + lookback} rows"
        )
    names = list(rets.columns)
    arr = rets.to_numpy(dtype="float64")
    now = kernels.corr_contributions(arr, window, end=pos)
    before = kernels.corr_contributions(arr, window, end=pos - lookback)
    top = kernels.top_pairs(names, now.corr, before.corr, k=k)
    m1, m0 = int(now.used.sum()), int(before.used.sum())
    w1 = 2.0 / (m1 * (m1 - 1)) if m1 >= 2 else np.nan
    w0 = 2.0 / (m0 * (m0 - 1)) if m0 >= 2 else np.nan
    rows = [
        {
            "a": p.a,
            "b": p.b,
            "id_a": ids.get(p.a, ""),
            "id_b": ids.get(p.b, ""),
            "before": p.before,
            "now": p.now,
            "change": p.change,
            "contribution": w1 * p.now - w0 * p.before,
        }
        for p in top
    ]
    out = pd.DataFrame(rows, columns=["a", "b", "id_a", "id_b", "before", "now", "change", "contribution"])
    out.attrs["avg_before"] = before.average
    out.attrs["avg_now"] = now.average
    out.attrs["date"] = index[pos]
    out.attrs["date_before"] = index[pos - lookback]
    return out
