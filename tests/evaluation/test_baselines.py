"""The baselines: what they compute, and that they never look ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stormwatch.evaluation.baselines import BASELINE_IDS, baseline_scores
from stormwatch.evaluation.evaluate import ModelInputs


def test_baseline_ids_are_the_relied_on_ones() -> None:
    assert BASELINE_IDS == (
        "vix_level",
        "vix_change_20d",
        "usd_momentum_20d",
        "spx_momentum_20d",
        "usd_spx_corr_60d",
        "stlfsi4",
        "absorption_ratio",
    )


def test_baselines_on_a_synthetic_panel() -> None:
    """SYNTHETIC random walks: each baseline against a plain pandas computation."""
    rng = np.random.default_rng(0)
    idx = pd.bdate_range("2010-01-01", periods=200)
    panel = pd.DataFrame(
        {
            "fred:VIXCLS": 15 + np.abs(np.cumsum(rng.normal(0, 1, 200))),
            "yahoo:DX-Y.NYB": 90 * np.exp(np.cumsum(rng.normal(0, 0.005, 200))),
            "yahoo:^GSPC": 2000 * np.exp(np.cumsum(rng.normal(0, 0.01, 200))),
            "fred:STLFSI4": rng.normal(size=200),
        },
        index=idx,
    )
    ar = pd.Series(rng.normal(size=200), index=idx)
    b = baseline_scores(panel, ar)
    assert list(b.columns) == list(BASELINE_IDS)
    vix, usd, spx = panel["fred:VIXCLS"], panel["yahoo:DX-Y.NYB"], panel["yahoo:^GSPC"]
    pd.testing.assert_series_equal(b["vix_level"], vix, check_names=False)
    pd.testing.assert_series_equal(b["vix_change_20d"], vix - vix.shift(20), check_names=False)
    pd.testing.assert_series_equal(b["usd_momentum_20d"], -(usd / usd.shift(20) - 1), check_names=False)
    pd.testing.assert_series_equal(b["spx_momentum_20d"], -(spx / spx.shift(20) - 1), check_names=False)
    ref = np.log(usd).diff().rolling(60).corr(np.log(spx).diff())
    np.testing.assert_allclose(b["usd_spx_corr_60d"], ref, atol=1e-12)
    pd.testing.assert_series_equal(b["stlfsi4"], panel["fred:STLFSI4"], check_names=False)
    pd.testing.assert_series_equal(b["absorption_ratio"], ar, check_names=False)
    # A missing input gives NaN, never an error.
    assert baseline_scores(panel.drop(columns=["fred:STLFSI4"]))["stlfsi4"].isna().all()
    assert baseline_scores(panel)["absorption_ratio"].isna().all()


@pytest.mark.parametrize("day", ["1996-03-29", "2008-09-15"])
def test_baselines_are_causal_on_the_dev_panel(eval_panel: pd.DataFrame, day: str) -> None:
    full = baseline_scores(eval_panel)
    cut = baseline_scores(eval_panel.loc[:day])
    pd.testing.assert_frame_equal(cut, full.loc[:day])


def test_dev_baselines_start_when_their_data_does(dev_inputs: ModelInputs) -> None:
    first = {m: dev_inputs.scores[m].first_valid_index() for m in BASELINE_IDS}
    assert first["vix_level"] == pd.Timestamp("1990-01-02")
    assert (
        pd.Timestamp("1994-01-01") <= first["stlfsi4"] <= pd.Timestamp("1994-01-10")
    )  # published ~6 days late
    assert first["absorption_ratio"] is not None
    # A falling dollar scores high: autumn 2002 vs. autumn 2008 (dollar rally).
    s = dev_inputs.scores["usd_momentum_20d"]
    assert s.loc["2002-07-15"] > 0 > s.loc["2008-10-15"]
