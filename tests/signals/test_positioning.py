"""Tests of ``positioning_unwind`` (stormwatch.signals.positioning)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import stormwatch.signals.positioning  # noqa: F401  (registers the signal)
from stormwatch.signals import evaluate, registry

from ._aggfuel import assert_truncation_invariant, drop, seqz_ref, synthetic_panel

SPEC = registry()["positioning_unwind"]
SMALL = {"window": 1, "tic_avg": 1, "min_obs": 3, "block_min_obs": 3}


def test_declaration() -> None:
    assert SPEC.kind == "aggravator"
    assert SPEC.inputs["tic_equity"].optional
    assert {SPEC.inputs[k].primary for k in ("eur", "jpy", "usd", "es")} == {
        "cftc:099741:noncomm_net",
        "cftc:097741:noncomm_net",
        "cftc:098662:noncomm_net",
        "cftc:13874A:noncomm_net",
    }
    assert all(p.reason for p in SPEC.params.values())


def test_hand_computed_synthetic() -> None:
    # SYNTHETIC weekly-like positions (contracts), only EUR and E-mini (the required ones):
    #   EUR net changes: -10, 10, 0, 20, 10, 30   (speculators buying EUR = toward the storm)
    #   E-mini net changes: 10, 0, -10, 0, -10, -40 (speculators cutting S&P longs)
    # Each leg: z of the change (min_obs 3) re-standardised (block_min_obs 3), so from day 5.
    eur = list(np.cumsum([0.0, -10.0, 10.0, 0.0, 20.0, 10.0, 30.0]))
    es = list(np.cumsum([0.0, 10.0, 0.0, -10.0, 0.0, -10.0, -40.0]))
    panel = synthetic_panel({"cftc:099741:noncomm_net": eur, "cftc:13874A:noncomm_net": es})
    res = evaluate(SPEC, panel, SMALL)
    fx = seqz_ref(seqz_ref([math.nan, *np.diff(eur)], 3), 3)
    eq = seqz_ref(seqz_ref([math.nan, *(-np.diff(es))], 3), 3)
    expected = [math.nan if math.isnan(a + b) else min(a, b) for a, b in zip(fx, eq, strict=True)]
    np.testing.assert_allclose(res.intensity.to_numpy(), expected, atol=1e-9)
    # Day 6: FX leg 1.0245, equity leg 1.1840 -> the weaker, 1.0245 -> watch.
    # Day 5: FX leg -0.2574, equity leg 0.5381 -> -0.2574 -> off.
    assert res.intensity.iloc[6] == pytest.approx(1.02449, abs=1e-4)
    assert res.state.iloc[6] == "watch"
    assert list(res.state) == ["unknown"] * 5 + ["off", "watch"]
    assert any("tic:for_lt_eqty_net not supplied" in n for n in res.notes)


@pytest.fixture(scope="module")
def dev_slice(dev_panel: pd.DataFrame) -> pd.DataFrame:
    return dev_panel.loc["2006-01-01":"2008-12-31"]


def test_truncation_invariance(dev_slice: pd.DataFrame) -> None:
    params = {"min_obs": 252, "block_min_obs": 126}
    assert_truncation_invariant(SPEC, dev_slice, [450, 560, 700, len(dev_slice) - 1], params)


def test_missing_inputs(dev_slice: pd.DataFrame) -> None:
    params = {"min_obs": 252, "block_min_obs": 126}
    # TIC is not in the development data: an unknown component, said in the notes.
    res = evaluate(SPEC, dev_slice, params)
    assert "tic_equity" not in res.used
    assert res.evidence["tic_foreign_equity_net_3m"].isna().all()
    assert res.intensity.notna().any()
    fewer = evaluate(SPEC, drop(dev_slice, "cftc:097741:noncomm_net", "cftc:098662:noncomm_net"), params)
    assert fewer.intensity.notna().any()
    assert len(fewer.notes) == 3
    gone = evaluate(SPEC, drop(dev_slice, "cftc:13874A:noncomm_net"))
    assert (gone.state == "unknown").all()
    assert gone.reason.iloc[0] == "missing input: es (cftc:13874A:noncomm_net)"


def test_tic_component_used_when_supplied(dev_slice: pd.DataFrame) -> None:
    # SYNTHETIC TIC flows added to the real slice: the equity leg changes, nothing breaks.
    params = {"min_obs": 252, "block_min_obs": 126}
    panel = dev_slice.copy()
    rng = np.random.default_rng(0)
    panel["tic:for_lt_eqty_net"] = np.repeat(rng.normal(0, 20_000, len(panel) // 21 + 1), 21)[: len(panel)]
    with_tic = evaluate(SPEC, panel, params)
    without = evaluate(SPEC, dev_slice, params)
    assert with_tic.used["tic_equity"] == "tic:for_lt_eqty_net"
    assert not any("tic" in n for n in with_tic.notes)
    both = with_tic.intensity.notna() & without.intensity.notna()
    assert both.any()
    assert not np.allclose(with_tic.intensity[both], without.intensity[both])


def test_history_positioning_unwind_is_rare(dev_panel: pd.DataFrame) -> None:
    """Fact of the data (CFTC EUR, USD index and E-mini reports start in 2006 here, so
    the signal starts at the end of 2009): the joint move - speculators into EUR/JPY
    and out of S&P longs at once - reaches watch on a few percent of days and is never
    on in 2010-2019."""
    res = evaluate(SPEC, dev_panel)
    s = res.state.loc["2010":"2019"]
    assert (s != "unknown").mean() > 0.95
    assert (s == "on").sum() == 0
    assert 0.005 < s.isin(["watch", "on"]).mean() < 0.08
