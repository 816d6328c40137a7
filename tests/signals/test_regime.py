"""Tests of ``dollar_equity_regime`` and ``regime_labels`` (stormwatch.signals.regime)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.regime as regime
from stormwatch.signals import evaluate, registry

from ._dollar import assert_truncation_invariant, drop, from_log_returns, share, synthetic_panel

SPEC = registry()["dollar_equity_regime"]
SMALL = {"window": 1, "min_obs": 2, "band": 0.25}


def test_declaration() -> None:
    assert SPEC.kind == "regime"
    assert all(p.reason for p in SPEC.params.values())
    assert SPEC.params["band"].default == SPEC.watch_at  # thresholds agree with the explicit state
    assert SPEC.on_at == regime.DEEP


def _panel() -> pd.DataFrame:
    # SYNTHETIC. Daily log returns (window 1):
    #   DXY  +1%, -1%, -3%, +2%, +0.1%, -3%, +3%
    #   SPX  +2%, -1%, -4%, -3%, +2%,   +3%, +3%
    return synthetic_panel(
        {
            "yahoo:DX-Y.NYB": from_log_returns(100.0, [0.01, -0.01, -0.03, 0.02, 0.001, -0.03, 0.03]),
            "yahoo:^GSPC": from_log_returns(3000.0, [0.02, -0.01, -0.04, -0.03, 0.02, 0.03, 0.03]),
        }
    )


def test_hand_computed() -> None:
    # Day 2: d = -0.01/sqrt(2e-4/2) = -1, e = -0.01/sqrt(5e-4/2) = -0.632 -> debasement,
    #        intensity min(1, 0.632) = 0.632 -> watch.
    # Day 3: d = -1.5667, e = -1.5119 -> debasement, intensity 1.5119 >= 1 -> on.
    # Day 4: d = 0.02/sqrt(15e-4/4) = 1.0328, e = -0.03/sqrt(30e-4/4) = -1.0954 -> classic risk-off,
    #        intensity min(-1.0328, 1.0954) = -1.0328 -> off.
    # Day 5: d = 0.001/sqrt(15.01e-4/5) = 0.058 < band 0.25 -> neutral -> off.
    res = evaluate(SPEC, _panel(), SMALL)
    labels = list(res.evidence["label"])
    assert labels == [
        "unknown",
        "unknown",
        "debasement_selloff",
        "debasement_selloff",
        "classic_risk_off",
        "neutral",
        "risk_on_weak_dollar",
        "dollar_strength_risk_on",
    ]
    assert list(res.state) == ["unknown", "unknown", "watch", "on", "off", "off", "off", "off"]
    expected = [0.01 / math.sqrt(5e-4 / 2), 0.04 / math.sqrt(21e-4 / 3), -0.02 / math.sqrt(15e-4 / 4)]
    np.testing.assert_allclose(res.intensity.to_numpy()[2:5], expected, rtol=1e-9)
    np.testing.assert_allclose(
        res.evidence["dollar_equity_regime.dollar_move"].iloc[5], 0.001 / math.sqrt(15.01e-4 / 5), rtol=1e-9
    )


def test_regime_labels_function() -> None:
    labels = regime.regime_labels(_panel(), SMALL)
    assert labels.name == "dollar_equity_regime"
    assert labels.iloc[3] == "debasement_selloff"
    assert set(labels) <= set(regime.REGIME_LABELS)
    wide = regime.regime_labels(_panel(), {**SMALL, "band": 2.0})
    assert set(wide.iloc[2:]) == {"neutral"}


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    return dev_panel.loc["2007-06-01":"2009-12-31"]


def test_truncation_invariance(dev_slice: pd.DataFrame) -> None:
    assert_truncation_invariant(SPEC, dev_slice, [280, 330, 400, len(dev_slice) - 1])


def test_missing_inputs(dev_slice: pd.DataFrame) -> None:
    proxy = evaluate(SPEC, drop(dev_slice, "yahoo:DX-Y.NYB"))
    assert proxy.proxies == {"dollar": "fred:DTWEXBGS"}
    gone = drop(dev_slice, "yahoo:^GSPC", "yahoo:SPY")
    res = evaluate(SPEC, gone)
    assert (res.state == "unknown").all()
    assert res.reason.iloc[0] == "missing input: equity (yahoo:^GSPC or yahoo:SPY)"
    labels = regime.regime_labels(gone)
    assert (labels == "unknown").all()
    assert labels.index.equals(gone.index)


def test_history(dev_panel: pd.DataFrame) -> None:
    """Facts of the data: 2008-09-15..2008-11-30 is a classic risk-off (dollar up, equities down)
    on 80% of days — no other label exceeds 13%; in July 2002 83% of days are a debasement
    sell-off (the rest neutral)."""
    labels = regime.regime_labels(dev_panel)
    autumn = labels.loc["2008-09-15":"2008-11-30"]
    assert share(autumn, "classic_risk_off") > 0.5
    assert autumn.value_counts().index[0] == "classic_risk_off"
    assert share(labels.loc["2002-07"], "debasement_selloff") > 0.5
    assert share(labels.loc["2002-07"], "classic_risk_off") == 0.0
