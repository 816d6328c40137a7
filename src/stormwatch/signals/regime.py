"""The dollar/equity regime: which of four quadrants the last month sits in.

Every day is named by the signs of the dollar's and the S&P 500's trailing
``window``-day moves (each in units of its typical move so far), with a dead
band around zero where a move is too small to have a clear sign:

=================================  ===========  ===========
label                              dollar       equities
=================================  ===========  ===========
``debasement_selloff``             down         down
``classic_risk_off``               up           down
``risk_on_weak_dollar``            down         up
``dollar_strength_risk_on``        up           up
``neutral``                        either move inside the dead band
``unknown``                        warm-up or missing data
=================================  ===========  ===========

The thesis' storm lives in the first quadrant; 2008 lived in the second (the
dollar surged as carry trades unwound). The label is a public function,
:func:`regime_labels`, for the storm level and the CLI; the signal's evidence
carries it as a string column. The state is ``watch`` in the debasement
quadrant, ``on`` when both moves there exceed one typical monthly move
(:data:`DEEP`), ``off`` in every other quadrant: the regime *names* the
environment; the graded, thresholded reading of the same quadrant is
checklist item 3 (``dollar_falls_with_equities``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from stormwatch.signals._fx import DOLLAR_INPUT, EQUITY_INPUT, scaled_return
from stormwatch.signals._seq import soft_and
from stormwatch.signals.base import Param, SignalData, SignalOutput, SignalResult, evaluate, registry, signal

__all__ = ["DEEP", "REGIME_LABELS", "dollar_equity_regime", "regime_from_result", "regime_labels"]

DEEP: float = 1.0
"""Depth into the debasement quadrant that makes the state ``on`` (both moves past one typical month)."""

REGIME_LABELS: tuple[str, ...] = (
    "debasement_selloff",
    "classic_risk_off",
    "risk_on_weak_dollar",
    "dollar_strength_risk_on",
    "neutral",
    "unknown",
)
"""Every label :func:`regime_labels` can return."""


@signal(
    id="dollar_equity_regime",
    family="regime",
    title="Dollar/equity regime (debasement sell-off, classic risk-off, ...)",
    kind="regime",
    inputs={"dollar": DOLLAR_INPUT, "equity": EQUITY_INPUT},
    params={
        "window": Param(
            20,
            "one trading month, the horizon of checklist items 1 and 3: the regime is the "
            "environment those items are read in",
        ),
        "band": Param(
            0.25,
            "a move smaller than a quarter of a typical monthly move (about 0.5% for the DXY, 1% for "
            "the S&P 500) has no clear sign and is called neutral rather than given a quadrant",
        ),
        "min_obs": Param(
            252,
            "one trading year of history before a move is scaled: a typical monthly move needs a year "
            "of overlapping months to be estimated",
        ),
    },
    rationale=(
        "A falling dollar with falling equities (debasement sell-off) is the thesis' storm; a rising "
        "dollar with falling equities (classic risk-off, 2008) is the crisis the unhedged foreign "
        "investor is used to. Naming every day by its quadrant tells which of the two a sell-off is, "
        "and the signed distance into the debasement quadrant says how deep in it the market is."
    ),
    watch_at=0.25,
    on_at=DEEP,
)
def dollar_equity_regime(data: SignalData, *, window: int, band: float, min_obs: int) -> SignalOutput:
    r"""Quadrant of the scaled dollar and equity moves; intensity = depth into debasement.

    .. math::

        d_t = s(\mathrm{DXY})_t, \quad e_t = s(\mathrm{SPX})_t, \qquad
        I_t = \min(-d_t, -e_t)

    where :math:`s` is the ``window``-day log return in units of its
    expanding root mean square. The label is ``neutral`` if
    :math:`|d_t| < b` or :math:`|e_t| < b` (:math:`b` = ``band``), else the
    quadrant of :math:`(\operatorname{sign} d_t, \operatorname{sign} e_t)`.
    :math:`I_t > b` exactly in the debasement quadrant; elsewhere it is the
    (negative) distance to it.

    State (explicit, so that it always agrees with the label whatever
    ``band`` is): ``on`` when the label is ``debasement_selloff`` and
    :math:`I_t \ge` :data:`DEEP`, ``watch`` for the rest of that quadrant,
    ``off`` for the other labels, ``unknown`` in warm-up. With the default
    band the declared thresholds (0.25, 1.0) give the same states.

    Parameters
    ----------
    data
        ``dollar`` (DXY; proxies DTWEXBGS, DTWEXB) and ``equity`` (S&P 500;
        proxy SPY).
    window, band, min_obs
        See the declaration.

    Returns
    -------
    SignalOutput
        Intensity; explicit state; evidence: the label (string), both scaled
        moves.
    """
    if window < 1:
        raise ValueError("window must be >= 1; for a one-month move use window=20")
    if band < 0:
        raise ValueError("band must be >= 0; use 0 for no dead band")
    d = scaled_return(data["dollar"], window, min_obs=min_obs)
    e = scaled_return(data["equity"], window, min_obs=min_obs)
    label = _label(d, e, band)
    intensity = soft_and(-d, -e)
    state = pd.Series(
        np.where(
            label == "unknown",
            "unknown",
            np.where(label == "debasement_selloff", np.where(intensity >= DEEP, "on", "watch"), "off"),
        ),
        index=data.index,
        dtype=object,
    )
    evidence = pd.DataFrame(
        {
            "label": label,
            "dollar_equity_regime.dollar_move": d,
            "dollar_equity_regime.equity_move": e,
        },
        index=data.index,
    )
    return SignalOutput(intensity=intensity, state=state, evidence=evidence)


def _label(d: pd.Series, e: pd.Series, band: float) -> pd.Series:
    dv = d.to_numpy(dtype="float64")
    ev = e.to_numpy(dtype="float64")
    known = np.isfinite(dv) & np.isfinite(ev)
    with np.errstate(invalid="ignore"):
        inside = (np.abs(dv) < band) | (np.abs(ev) < band)
        quadrant = np.where(
            dv < 0,
            np.where(ev < 0, "debasement_selloff", "risk_on_weak_dollar"),
            np.where(ev < 0, "classic_risk_off", "dollar_strength_risk_on"),
        )
    out = np.where(~known, "unknown", np.where(inside, "neutral", quadrant))
    return pd.Series(out, index=d.index, dtype=object)


def regime_labels(panel: pd.DataFrame, params: Mapping[str, Any] | None = None) -> pd.Series:
    """The regime label of every day of ``panel`` (see the module docstring).

    Parameters
    ----------
    panel
        Business-day frame with catalog ids as columns.
    params
        Overrides of the declared defaults (``window``, ``band``, ``min_obs``).

    Returns
    -------
    pandas.Series
        One of :data:`REGIME_LABELS` per day (``unknown`` where an input is
        missing or in warm-up), named ``dollar_equity_regime``.
    """
    return regime_from_result(evaluate(registry()["dollar_equity_regime"], panel, params))


def regime_from_result(result: SignalResult) -> pd.Series:
    """The regime labels from an evaluated ``dollar_equity_regime`` (see :func:`regime_labels`)."""
    if "label" in result.evidence.columns:
        labels = result.evidence["label"].fillna("unknown").astype(object)
    else:
        labels = pd.Series("unknown", index=result.state.index, dtype=object)
    return labels.rename("dollar_equity_regime")
