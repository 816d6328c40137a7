"""The incremental daily run equals a full recompute, on the real development data.

Compared per day: every signal's state and the level frame's integer columns
exactly; intensities, evidence, score, coverage and contributions to 1e-9
(absolute; the observed differences are ~1e-13, from rolling sums recomputed
on a tail). Transitions (dates and levels) exactly.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stormwatch import compute, incremental
from stormwatch.catalog import Catalog
from stormwatch.panel import Panel, StaleDataWarning, load_panel
from stormwatch.store import Store

TOL = 1e-9


@pytest.fixture(scope="module")
def dev_panel(imported_store: Path, catalog: Catalog) -> Panel:
    ids = [i for i in compute.required_ids() if i in catalog]
    with Store.open(imported_store, read_only=True) as st, warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleDataWarning)
        return load_panel(st, catalog, ids, start=compute.DEFAULT_START, as_of=pd.Timestamp("2019-12-31"))


def _cut(panel: Panel, n: int) -> Panel:
    return Panel(values=panel.values.iloc[:n], age_days=panel.age_days.iloc[:n], stale=(), missing=())


def _assert_same(inc: compute.Assessment, ref: compute.Assessment) -> None:
    assert set(inc.results) == set(ref.results)
    for sid, r in ref.results.items():
        x = inc.results[sid]
        assert x.state.equals(r.state), sid
        np.testing.assert_allclose(
            x.intensity.to_numpy(), r.intensity.to_numpy(), rtol=0, atol=TOL, err_msg=sid
        )
        assert list(x.evidence.columns) == list(r.evidence.columns), sid
        num = r.evidence.select_dtypes("number").columns
        np.testing.assert_allclose(
            x.evidence[num].to_numpy(dtype="float64"),
            r.evidence[num].to_numpy(dtype="float64"),
            rtol=0,
            atol=TOL,
            err_msg=sid,
        )
        other = [c for c in r.evidence.columns if c not in num]
        assert x.evidence[other].equals(r.evidence[other]), sid
    a, b = inc.level.frame, ref.level.frame
    for col in ("raw_stage", "level", "level_name"):
        assert a[col].equals(b[col]), col
    for col in ("score", "coverage"):
        np.testing.assert_allclose(a[col].to_numpy(), b[col].to_numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(
        inc.level.contributions.to_numpy(), ref.level.contributions.to_numpy(), rtol=0, atol=TOL
    )
    assert [(t.date, t.from_level, t.to_level) for t in inc.level.transitions] == [
        (t.date, t.from_level, t.to_level) for t in ref.level.transitions
    ]
    assert inc.regime.equals(ref.regime)


@pytest.mark.parametrize("start_day", ["2001-09-04", "2008-09-08", "2019-11-25"])
def test_steps_equal_full_recompute(dev_panel: Panel, start_day: str) -> None:
    # Eight daily steps (one of two days) after a full run, in three different periods.
    n0 = int(dev_panel.values.index.searchsorted(pd.Timestamp(start_day)))
    _, state = incremental.full_run(_cut(dev_panel, n0))
    n = n0
    for k in (1, 1, 2, 1, 1, 1, 1):
        n += k
        inc, state, info = incremental.step(state, _cut(dev_panel, n))
        assert info.mode == "incremental" and info.new_days == k
        assert info.full_signals == ()
        _assert_same(inc, compute.assess_panel(_cut(dev_panel, n)))


def test_changed_history_forces_full_recompute(dev_panel: Panel) -> None:
    n0 = len(dev_panel.values) - 5
    _, state = incremental.full_run(_cut(dev_panel, n0))
    head = dev_panel.values.iloc[: n0 + 1]
    arr = head.to_numpy(dtype="float64", copy=True)
    # A late revision of an old row: the fingerprint of the covered rows no longer matches.
    arr[100, 0] = (arr[100, 0] if np.isfinite(arr[100, 0]) else 0.0) + 1.0
    values = pd.DataFrame(arr, index=head.index, columns=head.columns)
    revised = Panel(values=values, age_days=dev_panel.age_days.iloc[: n0 + 1], stale=(), missing=())
    inc, _, info = incremental.step(state, revised)
    assert info.mode == "full" and "changed" in info.reason
    _assert_same(inc, compute.assess_panel(revised))


def test_sidecar_round_trip(dev_panel: Panel, tmp_path: Path) -> None:
    n0 = len(dev_panel.values) - 2
    _, state = incremental.full_run(_cut(dev_panel, n0))
    path = incremental.sidecar_path(tmp_path / "store.duckdb")
    incremental.save_state(state, path)
    loaded = incremental.load_state(path)
    assert loaded is not None and loaded.fingerprint == state.fingerprint
    # The sidecar holds no copy of the panel (the next run loads it anyway) ...
    assert path.stat().st_size < 40e6
    assert not any(isinstance(v, Panel) for v in vars(loaded).values())
    # ... and gives back every result exactly, dtypes included (object states stay object).
    for sid, r in state.results.items():
        x = loaded.results[sid]
        for a, b in ((x.state, r.state), (x.intensity, r.intensity), (x.reason, r.reason)):
            pd.testing.assert_series_equal(a, b, check_exact=True, check_freq=False)
        pd.testing.assert_frame_equal(x.evidence, r.evidence, check_exact=True, check_freq=False)
        assert (dict(x.used), dict(x.proxies), x.notes) == (dict(r.used), dict(r.proxies), r.notes)
    pd.testing.assert_frame_equal(loaded.level.frame, state.level.frame, check_exact=True, check_freq=False)
    pd.testing.assert_frame_equal(
        loaded.level.contributions, state.level.contributions, check_exact=True, check_freq=False
    )
    assert loaded.level.transitions == state.level.transitions
    inc, _, info = incremental.step(loaded, _cut(dev_panel, n0 + 1))
    assert info.mode == "incremental"
    _assert_same(inc, compute.assess_panel(_cut(dev_panel, n0 + 1)))
    path.write_bytes(b"not a pickle")
    assert incremental.load_state(path) is None


def test_panel_shorter_than_the_state_is_a_full_run(dev_panel: Panel) -> None:
    # Fewer rows than the state covers (an earlier as-of): never spliced.
    n0 = len(dev_panel.values) - 3
    _, state = incremental.full_run(_cut(dev_panel, n0))
    inc, _, info = incremental.step(state, _cut(dev_panel, n0 - 1))
    assert info.mode == "full" and "fewer than 0" in info.reason
    _assert_same(inc, compute.assess_panel(_cut(dev_panel, n0 - 1)))


def test_a_signal_whose_carried_calls_do_not_fit_is_recomputed_in_full(dev_panel: Panel) -> None:
    n0 = len(dev_panel.values) - 2
    _, state = incremental.full_run(_cut(dev_panel, n0))
    # Drop one carried state: the resumed run finds fewer states than calls.
    state.carries["turbulence"].ops.pop()
    inc, _, info = incremental.step(state, _cut(dev_panel, n0 + 1))
    assert info.mode == "incremental" and info.full_signals == ("turbulence",)
    _assert_same(inc, compute.assess_panel(_cut(dev_panel, n0 + 1)))
