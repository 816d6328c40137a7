"""Early-warning metrics on tiny cases with known answers, and against scikit-learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from stormwatch.evaluation.episodes import Episode
from stormwatch.evaluation.metrics import (
    BUSINESS_DAYS_PER_YEAR,
    alarm_onsets,
    alarms_per_year,
    auroc,
    bootstrap_auroc,
    circular_block_indices,
    confusion,
    episode_leads,
    sarlin_usefulness,
    score_alarm,
    signal_metrics,
    walk_forward_threshold,
)

# --- AUROC ----------------------------------------------------------------------------


def test_auroc_known_answers() -> None:
    assert auroc([1, 2, 3, 4], [0, 0, 1, 1]) == 1.0
    assert auroc([4, 3, 2, 1], [0, 0, 1, 1]) == 0.0
    assert auroc([1, 1, 1, 1], [0, 1, 0, 1]) == 0.5  # all tied: one half
    # scikit-learn's documented example: 3 of 4 (event, quiet) pairs ordered right.
    assert auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    # NaN days are dropped, not ranked.
    assert auroc([np.nan, 1, 2, 3, 4], [1, 0, 0, 1, 1]) == 1.0
    assert auroc([1, 2, 3], [1, np.nan, 0]) == 0.0
    assert np.isnan(auroc([1, 2, 3], [1, 1, 1]))  # one class only


def test_auroc_refuses_non_binary_labels() -> None:
    with pytest.raises(ValueError, match="0 or 1"):
        auroc([1, 2, 3], [0, 2, 1])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-5, 5), st.booleans()), min_size=2, max_size=80),
)
def test_auroc_matches_sklearn_with_ties(pairs: list[tuple[int, bool]]) -> None:
    score = np.array([float(s) for s, _ in pairs])
    label = np.array([float(y) for _, y in pairs])
    if label.min() == label.max():
        assert np.isnan(auroc(score, label))
        return
    assert auroc(score, label) == pytest.approx(roc_auc_score(label, score), abs=1e-12)


def test_auroc_matches_sklearn_on_rare_events() -> None:
    rng = np.random.default_rng(7)
    y = (rng.random(5000) < 0.04).astype(float)
    s = rng.normal(size=5000) + 0.8 * y
    s[::7] = np.round(s[::7], 1)  # some ties
    assert auroc(s, y) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


# --- the block bootstrap ------------------------------------------------------------------


def test_circular_blocks_are_runs_of_consecutive_days() -> None:
    rng = np.random.default_rng(0)
    idx = circular_block_indices(23, 5, 40, rng)
    assert idx.shape == (40, 23)
    assert idx.min() >= 0 and idx.max() < 23
    for row in idx:
        for b0 in range(0, 23, 5):
            run = row[b0 : b0 + 5]
            assert (np.diff(run) % 23 == 1).all()


def test_bootstrap_replicates_are_the_auroc_of_the_resample() -> None:
    """Independent check: each replicate equals sklearn's AUROC on the resampled days."""
    rng = np.random.default_rng(3)
    n = 300
    y = pd.Series((rng.random(n) < 0.2).astype(float))
    scores = pd.DataFrame(
        {
            "a": rng.normal(size=n) + y,
            "b": np.round(rng.normal(size=n), 1),
            "c": y * 0 + (rng.random(n) < 0.3),
        }
    )
    reps = bootstrap_auroc(scores, y, block=20, n_boot=25, seed=11)
    idx = circular_block_indices(n, 20, 25, np.random.default_rng(11))
    for b in range(25):
        yy = y.to_numpy()[idx[b]]
        for col in scores.columns:
            ref = roc_auc_score(yy, scores[col].to_numpy()[idx[b]]) if 0 < yy.sum() < n else np.nan
            assert reps.loc[b, col] == pytest.approx(ref, abs=1e-12), (b, col)


def test_bootstrap_compiled_and_plain_agree_exactly() -> None:
    rng = np.random.default_rng(5)
    n = 1000
    y = pd.Series((rng.random(n) < 0.06).astype(float))
    scores = pd.DataFrame({"x": rng.normal(size=n), "bin": (rng.random(n) < 0.1).astype(float)})
    a = bootstrap_auroc(scores, y, block=50, n_boot=60, seed=2, method="numba")
    b = bootstrap_auroc(scores, y, block=50, n_boot=60, seed=2, method="numpy")
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_bootstrap_is_reproducible_and_refuses_nan() -> None:
    rng = np.random.default_rng(1)
    y = pd.Series((rng.random(200) < 0.3).astype(float))
    s = pd.DataFrame({"x": rng.normal(size=200)})
    pd.testing.assert_frame_equal(
        bootstrap_auroc(s, y, n_boot=10, seed=4), bootstrap_auroc(s, y, n_boot=10, seed=4)
    )
    s.iloc[3, 0] = np.nan
    with pytest.raises(ValueError, match="free of NaN"):
        bootstrap_auroc(s, y, n_boot=10)


# --- confusion-based measures -------------------------------------------------------------


def test_signal_metrics_known_answers() -> None:
    alarm = [1, 1, 0, 0, 1, 0]
    label = [1, 0, 1, 0, 0, 0]
    c = confusion(alarm, label)
    assert (c.a, c.b, c.c, c.d) == (1, 2, 1, 2)
    m = signal_metrics(alarm, label, mu=0.5)
    assert m["hit_rate"] == 0.5
    assert m["false_alarm_rate"] == 0.5
    assert m["noise_to_signal"] == 1.0
    assert m["precision"] == pytest.approx(1 / 3)
    # Sarlin: P1 = 1/3, T1 = T2 = 1/2 -> L = 0.5*0.5/3 + 0.5*0.5*2/3 = 1/4; benchmark min(1/6, 1/3) = 1/6.
    assert m["usefulness_abs"] == pytest.approx(1 / 6 - 1 / 4)
    assert m["usefulness"] == pytest.approx(-0.5)
    assert m["alarms_per_year"] == pytest.approx(2 / (6 / BUSINESS_DAYS_PER_YEAR))


def test_sarlin_perfect_and_silent_signals() -> None:
    y = [1, 0, 0, 1, 0, 0, 0, 0]
    assert sarlin_usefulness(confusion(y, y), 0.5) == (pytest.approx(0.125), pytest.approx(1.0))
    silent = sarlin_usefulness(confusion([0] * 8, y), 0.5)
    assert silent[1] == pytest.approx(0.0)  # never warning is the benchmark when mu*P1 is the cheaper side
    with pytest.raises(ValueError, match="mu must be in"):
        sarlin_usefulness(confusion(y, y), 1.5)


def test_noise_to_signal_is_undefined_without_a_hit() -> None:
    m = signal_metrics([1, 0, 0, 0], [0, 1, 0, 0])
    assert m["hit_rate"] == 0.0
    assert np.isnan(m["noise_to_signal"])


def test_alarm_onsets() -> None:
    assert alarm_onsets([0, 1, 1, 0, 1]) == 2
    assert alarm_onsets([1, 1, 0, np.nan, 1]) == 2
    assert alarm_onsets([]) == 0
    assert alarms_per_year([1] + [0] * 260) == pytest.approx(1.0)


# --- walk-forward thresholds ------------------------------------------------------------


def test_walk_forward_threshold_uses_only_the_past() -> None:
    rng = np.random.default_rng(0)
    idx = pd.bdate_range("2000-01-03", periods=400)
    s = pd.Series(rng.normal(size=400), index=idx)
    s.iloc[50:60] = np.nan
    thr = walk_forward_threshold(s, 0.9, min_obs=100)
    assert thr.iloc[:110].isna().sum() >= 100  # not before 100 known values
    for t in (150, 251, 399):
        past = s.iloc[:t].dropna().to_numpy()
        assert thr.iloc[t] == pytest.approx(np.quantile(past, 0.9), abs=1e-12)
    # Truncation never changes a threshold or an alarm dated earlier.
    cut = 300
    pd.testing.assert_series_equal(walk_forward_threshold(s.iloc[:cut], 0.9, 100), thr.iloc[:cut])
    pd.testing.assert_series_equal(score_alarm(s.iloc[:cut], 0.9, 100), score_alarm(s, 0.9, 100).iloc[:cut])
    assert np.isnan(thr.iloc[55])  # an unknown score has no threshold
    with pytest.raises(ValueError, match="quantile"):
        walk_forward_threshold(s, 1.0)


# --- lead times -------------------------------------------------------------------------


def test_episode_leads_count_business_days() -> None:
    idx = pd.bdate_range("2020-01-01", periods=100)
    alarm = pd.Series(0.0, index=idx)
    alarm.iloc[40] = 1.0  # 10 business days before the start at row 50
    alarm.iloc[90] = 1.0  # after the trough: ignored
    ep = Episode("e1", "test", idx[50], idx[70], "other")
    late = Episode("e2", "late", idx[55], idx[60], "other")  # its window starts at row 25
    out = episode_leads(alarm, [ep, late], lead_window=30)
    assert out.loc["e1", "first_alarm"] == idx[40]
    assert out.loc["e1", "lead_days"] == 10
    assert out.loc["e1", "lead_to_trough_days"] == 30
    assert bool(out.loc["e1", "covered"])
    assert out.loc["e2", "lead_days"] == 15
    none = episode_leads(pd.Series(0.0, index=idx), [ep], lead_window=30)
    assert pd.isna(none.loc["e1", "first_alarm"]) and bool(none.loc["e1", "covered"])
    beyond = Episode(
        "e3", "beyond", idx[-1] + pd.Timedelta(days=30), idx[-1] + pd.Timedelta(days=60), "other"
    )
    out3 = episode_leads(alarm, [beyond], lead_window=30)
    assert not bool(out3.loc["e3", "covered"]) and pd.isna(out3.loc["e3", "first_alarm"])
