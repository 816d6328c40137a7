"""The early-warning record: same days for every model, the JSON contract, and the dev-data run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from stormwatch.evaluation.baselines import BASELINE_IDS
from stormwatch.evaluation.episodes import Episode, load_episodes
from stormwatch.evaluation.evaluate import (
    LEVEL_MODELS,
    MODEL_IDS,
    EvalConfig,
    ModelInputs,
    evaluate_models,
    model_alarms,
)
from stormwatch.evaluation.metrics import signal_metrics
from stormwatch.evaluation.targets import Target, target_labels


def _synthetic() -> ModelInputs:
    """SYNTHETIC: a storm score that rises before engineered crashes, and noisy baselines."""
    rng = np.random.default_rng(42)
    n = 1500
    idx = pd.bdate_range("2001-01-01", periods=n)
    ret = rng.normal(0.0003, 0.008, n)
    usd_ret = rng.normal(0, 0.004, n)
    crash_days = [400, 800, 1200]
    for c in crash_days:
        ret[c : c + 10] -= 0.012
        usd_ret[c : c + 10] -= 0.004
    spx = pd.Series(100 * np.exp(np.cumsum(ret)), index=idx)
    usd = pd.Series(100 * np.exp(np.cumsum(usd_ret)), index=idx)
    score = rng.normal(10, 3, n)
    level = np.zeros(n)
    for c in crash_days:
        score[c - 25 : c + 5] += 15
        level[c - 15 : c + 5] = 2.0
    scores = pd.DataFrame({"storm_score": score}, index=idx)
    for k, mid in enumerate(LEVEL_MODELS, start=1):
        scores[mid] = (level >= k).astype(float)
    for b in BASELINE_IDS:
        scores[b] = rng.normal(size=n)
    scores.iloc[:30, scores.columns.get_loc("stlfsi4")] = np.nan  # starts later
    alarms = model_alarms(scores, quantile=0.9, min_obs=100)
    return ModelInputs(scores=scores, alarms=alarms, spx=spx, usd=usd)


def _episodes(inputs: ModelInputs) -> list[Episode]:
    idx = inputs.scores.index
    return [
        Episode(f"c{c}", f"crash {c}", idx[c], idx[c + 10], "debasement_selloff") for c in (400, 800, 1200)
    ]


def test_every_model_is_scored_on_the_same_days() -> None:
    inputs = _synthetic()
    cfg = EvalConfig(start=None, n_boot=200, block=50)
    ev = evaluate_models(inputs, _episodes(inputs), cfg)
    for tid, tr in ev.targets.items():
        target = next(t for t in cfg.targets if t.id == tid)
        label = target_labels(inputs.spx, inputs.usd, target)
        common = label.notna() & inputs.scores.notna().all(axis=1) & inputs.alarms.notna().all(axis=1)
        assert tr.sample["n_days"] == int(common.sum())
        assert (tr.table["n_days"] == common.sum()).all()
        y = label[common]
        for mid in MODEL_IDS:
            s = inputs.scores.loc[common, mid]
            expect = roc_auc_score(y, s) if s.nunique() > 1 else 0.5
            assert tr.table.loc[mid, "auroc"] == pytest.approx(expect, abs=1e-12), (tid, mid)
            m = signal_metrics(inputs.alarms.loc[common, mid].to_numpy(), y.to_numpy())
            assert tr.table.loc[mid, "hit_rate"] == pytest.approx(m["hit_rate"], nan_ok=True)
        # The engineered lead is found; the noise baselines are near one half.
        assert tr.table.loc["storm_score", "auroc"] > 0.6
        assert tr.table.loc["storm_score", "auroc"] > tr.table.loc[list(BASELINE_IDS), "auroc"].max()
        assert tr.table.loc["storm_score", "auroc_lo"] <= tr.table.loc["storm_score", "auroc"]
        assert tr.table.loc["storm_score", "auroc"] <= tr.table.loc["storm_score", "auroc_hi"]
        assert tr.table.loc["storm_score", "auroc_minus_storm_score"] == 0.0
        assert tr.table.loc["level_ge_3", "auroc"] == 0.5  # never on: no information
        assert tr.pairwise.loc["stlfsi4", "n_days"] >= tr.sample["n_days"]


def test_lead_times_of_the_engineered_crashes() -> None:
    inputs = _synthetic()
    ev = evaluate_models(inputs, _episodes(inputs), EvalConfig(start=None, n_boot=50, block=50))
    lead = ev.leads["level_ge_2"]
    assert (lead["lead_days"] == 15).all()  # the synthetic level rises 15 days ahead
    assert (lead["lead_to_trough_days"] == 25).all()
    summary = ev.episode_summary()
    assert summary.loc["level_ge_2", "warned_before_start"] == 3


def test_json_contract() -> None:
    inputs = _synthetic()
    ev = evaluate_models(inputs, _episodes(inputs), EvalConfig(start=None, n_boot=50, block=50))
    doc = json.loads(json.dumps(ev.to_dict()))
    for tid in ("joint_usd_spx_20d", "spx_drawdown_10pct_60d"):
        models = doc["targets"][tid]["models"]
        assert set(models) == set(MODEL_IDS)
        for mid in MODEL_IDS:
            assert "auroc" in models[mid]
            for key in ("hit_rate", "false_alarm_rate", "noise_to_signal", "usefulness", "alarms_per_year"):
                assert key in models[mid]
        assert set(doc["targets"][tid]["pairwise"]) == set(BASELINE_IDS)
    assert len(doc["episodes"]) == 3
    for ep in doc["episodes"]:
        assert {"start", "trough", "kind", "first_alarm", "lead_days"} <= set(ep)
        assert set(ep["leads"]) == set(MODEL_IDS)


def test_a_model_without_data_is_unknown_not_fatal() -> None:
    inputs = _synthetic()
    scores = inputs.scores.assign(absorption_ratio=np.nan)
    alarms = model_alarms(scores, quantile=0.9, min_obs=100)
    ev = evaluate_models(
        ModelInputs(scores=scores, alarms=alarms, spx=inputs.spx, usd=inputs.usd),
        [],
        EvalConfig(start=None, n_boot=20, block=50),
    )
    tr = ev.targets["joint_usd_spx_20d"]
    assert np.isnan(tr.table.loc["absorption_ratio", "auroc"])
    assert tr.sample["n_days"] > 1000
    assert json.dumps(ev.to_dict())  # NaN becomes null


def test_alarms_never_change_when_later_data_arrives(dev_inputs: ModelInputs) -> None:
    full = dev_inputs.alarms
    for day in ("1996-06-28", "2007-08-15"):
        cut = model_alarms(dev_inputs.scores.loc[:day])
        pd.testing.assert_frame_equal(cut, full.loc[:day])


def test_the_dev_data_record(dev_inputs: ModelInputs) -> None:
    cfg = EvalConfig(end=pd.Timestamp("2019-12-31"), n_boot=200)
    ev = evaluate_models(dev_inputs, None, cfg)
    doc = ev.to_dict()
    assert doc["span"] == {"start": "1990-01-01", "end": "2019-12-31"}
    for tid, t in doc["targets"].items():
        for mid in MODEL_IDS:
            a = t["models"][mid]["auroc"]
            assert a is not None and 0.0 <= a <= 1.0, (tid, mid)
        assert t["sample"]["first"] >= "1994-01-01"  # the weekly stress index starts at the end of 1993
        assert 0 < t["sample"]["n_event_days"] < t["sample"]["n_days"]
    # The ten catalogued episodes from 1990 to 2019, in order, with the catalogue's kinds.
    cat = {e.id: e for e in load_episodes()}
    ids = [e["id"] for e in doc["episodes"]]
    assert ids[0] == "gulf_war_1990" and ids[-1] == "q4_2018" and len(ids) == 10
    assert all(e["kind"] == cat[e["id"]].kind for e in doc["episodes"])
    assert doc["targets"]["joint_usd_spx_20d"]["models"]["level_ge_4"]["alarms_per_year"] == 0.0


def test_config_is_checked() -> None:
    with pytest.raises(ValueError, match="alarm_model"):
        EvalConfig(alarm_model="crystal_ball")
    with pytest.raises(ValueError, match="unique"):
        EvalConfig(targets=(Target("a", 5, 0.1), Target("a", 10, 0.1)))
