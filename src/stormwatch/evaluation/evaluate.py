"""The early-warning record: the storm score, the level and the baselines against the targets.

Models (ids are relied on):

``storm_score``
    the continuous 0-100 storm score;
``level_ge_1`` ... ``level_ge_4``
    the stepwise level at or above 1 (Watch) ... 4 (Endgame), as a 0/1 alarm;
the baselines of :mod:`stormwatch.evaluation.baselines`.

For every target, every model is scored on **exactly the same days**: those
in the span where the label, every model's score and every model's alarm are
known. AUROC needs no threshold. The threshold-based measures need an
alarm: for the levels it is the level itself; for a continuous score it is
the score above its walk-forward threshold (the ``alarm_quantile`` of its own
values on the days before, estimated on an expanding window — never on the
full sample). Because a common sample starts where the latest baseline
starts, a pairwise table also compares the storm score with each baseline
on the days where just those two are known.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stormwatch._typing import SeriesId
from stormwatch.compute import required_ids
from stormwatch.evaluation.baselines import BASELINE_IDS, BASELINES, baseline_scores
from stormwatch.evaluation.episodes import Episode, load_episodes
from stormwatch.evaluation.metrics import (
    auroc,
    bootstrap_auroc,
    episode_leads,
    score_alarm,
    signal_metrics,
)
from stormwatch.evaluation.replay import Replay, replay
from stormwatch.evaluation.targets import DEFAULT_TARGETS, Target, target_labels

__all__ = [
    "LEVEL_MODELS",
    "MODEL_IDS",
    "EvalConfig",
    "Evaluation",
    "ModelInputs",
    "TargetResult",
    "evaluate_models",
    "evaluation_ids",
    "model_alarms",
    "model_scores",
    "prepare",
    "run_evaluation",
]

LEVEL_MODELS: tuple[str, ...] = ("level_ge_1", "level_ge_2", "level_ge_3", "level_ge_4")
MODEL_IDS: tuple[str, ...] = ("storm_score", *LEVEL_MODELS, *BASELINE_IDS)

#: The evaluated span starts here by default (1985-89 is warm-up for the sequential estimates).
DEFAULT_EVAL_START = pd.Timestamp("1990-01-01")

SPX_COLUMN = "yahoo:^GSPC"
USD_COLUMN = "yahoo:DX-Y.NYB"


@dataclass(frozen=True)
class EvalConfig:
    """Everything that decides the evaluation, with its default and the reason.

    Attributes
    ----------
    start, end
        The evaluated span (default 1990-01-01 to the data's end: 1985-89 is warm-up).
    targets
        The events (default :data:`~stormwatch.evaluation.targets.DEFAULT_TARGETS`).
    alarm_quantile
        A continuous score alarms above this walk-forward quantile of its past
        (0.9: the top decile, about one day in ten, a rate a user can act on).
    alarm_min_obs
        Known days before a threshold is estimated (252: one year).
    mu
        Sarlin's preference (0.5: a missed event day and a false-alarm day weigh alike).
    block, n_boot, seed, ci
        Circular block bootstrap: 250-day blocks (a year keeps an episode with its
        lead-up and covers the 60-day label overlap), 1000 paired resamples,
        seed 0, 95% percentile intervals.
    lead_window
        An alarm up to this many business days before an episode's start counts
        as a warning of it (60: one quarter).
    alarm_model
        The model whose first alarm is reported per episode at the top level.
    """

    start: pd.Timestamp | None = DEFAULT_EVAL_START
    end: pd.Timestamp | None = None
    targets: tuple[Target, ...] = DEFAULT_TARGETS
    alarm_quantile: float = 0.9
    alarm_min_obs: int = 252
    mu: float = 0.5
    block: int = 250
    n_boot: int = 1000
    seed: int = 0
    ci: float = 0.95
    lead_window: int = 60
    alarm_model: str = "level_ge_1"

    def __post_init__(self) -> None:
        if not 0.0 < self.ci < 1.0:
            raise ValueError(f"ci must be in (0, 1), e.g. 0.95; got {self.ci}")
        if self.n_boot < 1:
            raise ValueError("n_boot must be >= 1 (use 1000 for stable 95% intervals)")
        if self.alarm_model not in MODEL_IDS:
            raise ValueError(f"alarm_model must be one of {MODEL_IDS}; got {self.alarm_model!r}")
        ids = [t.id for t in self.targets]
        if len(set(ids)) != len(ids):
            raise ValueError(f"target ids must be unique; got {ids}")


@dataclass(frozen=True)
class ModelInputs:
    """What the evaluation reads: every model's score and alarm, and the prices for the labels."""

    scores: pd.DataFrame
    alarms: pd.DataFrame
    spx: pd.Series
    usd: pd.Series
    replay: Replay | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetResult:
    """One target's record.

    Attributes
    ----------
    target
        The event definition.
    table
        Index: model ids; columns ``auroc``, ``auroc_lo``, ``auroc_hi``,
        ``auroc_minus_storm_score``, ``diff_lo``, ``diff_hi`` and the
        :func:`~stormwatch.evaluation.metrics.signal_metrics` columns.
    pairwise
        Index: baseline ids; the storm score against each baseline on their own
        common days (``first``, ``last``, ``n_days``, ``n_event_days``,
        ``storm_score_auroc``, ``baseline_auroc``, ``difference``, ``diff_lo``, ``diff_hi``).
    sample
        ``first``, ``last``, ``n_days``, ``n_event_days``, ``base_rate``.
    """

    target: Target
    table: pd.DataFrame
    pairwise: pd.DataFrame
    sample: Mapping[str, Any]


@dataclass(frozen=True)
class Evaluation:
    """The full early-warning record."""

    config: EvalConfig
    targets: Mapping[str, TargetResult]
    episodes: Sequence[Episode]
    leads: Mapping[str, pd.DataFrame]
    span: tuple[pd.Timestamp, pd.Timestamp]
    proxies: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def episode_summary(self) -> pd.DataFrame:
        """Per model: episodes in the span, warned before the start, alarmed by the trough, median lead."""
        rows = {}
        for mid, lead in self.leads.items():
            known = lead["lead_days"].dropna()
            rows[mid] = {
                "episodes": len(lead),
                "covered": int(lead["covered"].sum()),
                "warned_before_start": int((known > 0).sum()),
                "alarmed_by_trough": len(known),
                "median_lead_days": float(known.median()) if len(known) else float("nan"),
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-ready dict (``stormwatch evaluate --format json``)."""
        cfg = self.config
        targets: dict[str, Any] = {}
        for tid, tr in self.targets.items():
            models = {}
            for mid, row in tr.table.iterrows():
                models[str(mid)] = {
                    "auroc": _num(row["auroc"]),
                    "auroc_ci": [_num(row["auroc_lo"]), _num(row["auroc_hi"])],
                    "auroc_minus_storm_score": _num(row["auroc_minus_storm_score"]),
                    "auroc_minus_storm_score_ci": [_num(row["diff_lo"]), _num(row["diff_hi"])],
                    **{k: _num(row[k]) for k in _METRIC_COLUMNS},
                    "alarm_rule": _alarm_rule(str(mid), cfg),
                }
            pairwise = {
                str(bid): {
                    "first": _day(row["first"]),
                    "last": _day(row["last"]),
                    "n_days": _int(row["n_days"]),
                    "n_event_days": _int(row["n_event_days"]),
                    "storm_score_auroc": _num(row["storm_score_auroc"]),
                    "baseline_auroc": _num(row["baseline_auroc"]),
                    "difference": _num(row["difference"]),
                    "difference_ci": [_num(row["diff_lo"]), _num(row["diff_hi"])],
                }
                for bid, row in tr.pairwise.iterrows()
            }
            targets[tid] = {
                "description": tr.target.description,
                "horizon": tr.target.horizon,
                "spx_drop": tr.target.spx_drop,
                "usd_drop": tr.target.usd_drop,
                "sample": {
                    k: (_day(v) if k in ("first", "last") else _plain(v)) for k, v in tr.sample.items()
                },
                "models": models,
                "pairwise": pairwise,
            }
        episodes = []
        for ep in self.episodes:
            main = self.leads[cfg.alarm_model].loc[ep.id]
            episodes.append(
                {
                    "id": ep.id,
                    "name": ep.name,
                    "start": _day(ep.start),
                    "trough": _day(ep.trough),
                    "kind": ep.kind,
                    "alarm_model": cfg.alarm_model,
                    "first_alarm": _day(main["first_alarm"]),
                    "lead_days": _int(main["lead_days"]),
                    "lead_to_trough_days": _int(main["lead_to_trough_days"]),
                    "leads": {
                        mid: {
                            "first_alarm": _day(lead.loc[ep.id, "first_alarm"]),
                            "lead_days": _int(lead.loc[ep.id, "lead_days"]),
                            "lead_to_trough_days": _int(lead.loc[ep.id, "lead_to_trough_days"]),
                            "covered": bool(lead.loc[ep.id, "covered"]),
                        }
                        for mid, lead in self.leads.items()
                    },
                }
            )
        summary = self.episode_summary()
        return {
            "span": {"start": _day(self.span[0]), "end": _day(self.span[1])},
            "config": {
                "alarm_quantile": cfg.alarm_quantile,
                "alarm_min_obs": cfg.alarm_min_obs,
                "mu": cfg.mu,
                "block": cfg.block,
                "n_boot": cfg.n_boot,
                "seed": cfg.seed,
                "ci": cfg.ci,
                "lead_window": cfg.lead_window,
            },
            "model_ids": list(MODEL_IDS),
            "targets": targets,
            "episodes": episodes,
            "episode_summary": {
                str(mid): {k: _plain(v) for k, v in row.items()} for mid, row in summary.iterrows()
            },
            "proxies": list(self.proxies),
            "notes": list(self.notes),
        }


_METRIC_COLUMNS = (
    "hit_rate",
    "false_alarm_rate",
    "noise_to_signal",
    "precision",
    "usefulness",
    "usefulness_abs",
    "alarms_per_year",
    "alarm_share",
)


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else round(v, 6)


def _int(x: Any) -> int | None:
    v = _num(x)
    return None if v is None else int(v)


def _day(x: Any) -> str | None:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NaT:
        return None
    ts = pd.Timestamp(x)
    return None if pd.isna(ts) else str(ts.date())


def _plain(x: Any) -> Any:
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return _num(x)
    return x


def _alarm_rule(mid: str, cfg: EvalConfig) -> str:
    if mid in LEVEL_MODELS:
        return f"storm level >= {mid[-1]}"
    return (
        f"score above the {cfg.alarm_quantile:g} quantile of its own values on the days before "
        f"(expanding window, at least {cfg.alarm_min_obs} days)"
    )


def evaluation_ids() -> list[SeriesId]:
    """Every series the evaluation reads: each signal's inputs, the baselines' and the targets' prices."""
    ids = [*required_ids(), SPX_COLUMN, USD_COLUMN]
    for spec in BASELINES.values():
        ids.extend(spec.inputs)
    return list(dict.fromkeys(ids))


def model_scores(level_frame: pd.DataFrame, baselines: pd.DataFrame) -> pd.DataFrame:
    """Every model's score per day: ``storm_score``, ``level_ge_k`` (0/1) and the baselines."""
    level = level_frame["level"].astype("float64")
    out: dict[str, pd.Series] = {"storm_score": level_frame["score"].astype("float64")}
    for k, mid in enumerate(LEVEL_MODELS, start=1):
        out[mid] = (level >= k).astype("float64").where(level.notna())
    for bid in BASELINE_IDS:
        out[bid] = baselines[bid].reindex(level_frame.index).astype("float64")
    return pd.DataFrame(out, index=level_frame.index)


def model_alarms(scores: pd.DataFrame, *, quantile: float = 0.9, min_obs: int = 252) -> pd.DataFrame:
    """Every model's alarm per day: the level itself, or the score above its walk-forward threshold."""
    out = {}
    for mid in scores.columns:
        if mid in LEVEL_MODELS:
            out[mid] = scores[mid]
        else:
            out[mid] = score_alarm(scores[mid], quantile, min_obs)
    return pd.DataFrame(out, index=scores.index)


def prepare(panel: pd.DataFrame, config: EvalConfig | None = None) -> ModelInputs:
    """Replay the storm level point in time and compute every model's score and alarm.

    Parameters
    ----------
    panel
        The point-in-time panel (e.g. from
        :func:`~stormwatch.evaluation.replay.load_replay_panel`), with warm-up
        history before the evaluated span.
    config
        Alarm settings.
    """
    cfg = config or EvalConfig()
    rp = replay(panel, extra=["absorption_ratio"])
    ar = rp.results.get("absorption_ratio")
    notes: list[str] = []
    if ar is None:
        notes.append("absorption_ratio: the read-out is not registered; the baseline is NaN")
    base = baseline_scores(panel, None if ar is None else ar.intensity)
    for bid, spec in BASELINES.items():
        missing = [s for s in spec.inputs if s not in panel.columns or panel[s].isna().all()]
        if missing:
            notes.append(f"{bid}: no data for {', '.join(missing)}; the baseline is NaN")
    scores = model_scores(rp.frame, base)
    alarms = model_alarms(scores, quantile=cfg.alarm_quantile, min_obs=cfg.alarm_min_obs)
    spx = _price(panel, SPX_COLUMN)
    usd = _price(panel, USD_COLUMN)
    return ModelInputs(scores=scores, alarms=alarms, spx=spx, usd=usd, replay=rp, notes=tuple(notes))


def _price(panel: pd.DataFrame, sid: str) -> pd.Series:
    if sid not in panel.columns:
        raise ValueError(f"the panel has no {sid}: the targets need the S&P 500 and the dollar index")
    return panel[sid].astype("float64")


def _span_mask(index: pd.DatetimeIndex, cfg: EvalConfig) -> np.ndarray:
    ok = np.ones(len(index), dtype=bool)
    if cfg.start is not None:
        ok &= index >= cfg.start
    if cfg.end is not None:
        ok &= index <= cfg.end
    return ok


def _ci(rep: pd.Series, ci: float) -> tuple[float, float]:
    r = rep.dropna().to_numpy()
    if r.size == 0:
        return float("nan"), float("nan")
    a = (1.0 - ci) / 2.0
    return float(np.quantile(r, a)), float(np.quantile(r, 1.0 - a))


def _target_result(
    inputs: ModelInputs, target: Target, cfg: EvalConfig, span: np.ndarray, seed: int
) -> TargetResult:
    label = target_labels(inputs.spx, inputs.usd, target)
    scores, alarms = inputs.scores, inputs.alarms
    # A model with no value at all in the span (its input is not in the store) is reported as
    # unknown instead of emptying the common sample.
    present = [m for m in scores.columns if scores.loc[span, m].notna().any()]
    common = span & label.notna().to_numpy() & scores[present].notna().all(axis=1).to_numpy()
    common &= alarms[present].notna().all(axis=1).to_numpy()
    idx = scores.index[common]
    y = label[idx]
    sample = {
        "first": idx[0] if len(idx) else None,
        "last": idx[-1] if len(idx) else None,
        "n_days": len(idx),
        "n_event_days": int(y.sum()),
        "base_rate": float(y.mean()) if len(idx) else float("nan"),
    }
    rows: dict[str, dict[str, float]] = {}
    reps = pd.DataFrame(np.nan, index=range(cfg.n_boot), columns=scores.columns)
    if len(idx) and 0 < y.sum() < len(y):
        reps[present] = bootstrap_auroc(
            scores.loc[idx, present], y, block=cfg.block, n_boot=cfg.n_boot, seed=seed
        )
    point = {
        mid: auroc(scores.loc[idx, mid].to_numpy(), y.to_numpy()) if mid in present else float("nan")
        for mid in scores.columns
    }
    for mid in scores.columns:
        lo, hi = _ci(reps[mid], cfg.ci)
        dlo, dhi = _ci(reps[mid] - reps["storm_score"], cfg.ci)
        m = signal_metrics(alarms.loc[idx, mid].to_numpy(), y.to_numpy(), mu=cfg.mu)
        rows[mid] = {
            "auroc": point[mid],
            "auroc_lo": lo,
            "auroc_hi": hi,
            "auroc_minus_storm_score": point[mid] - point["storm_score"],
            "diff_lo": dlo,
            "diff_hi": dhi,
            **m,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    pair_rows = {}
    for k, bid in enumerate(BASELINE_IDS):
        both = span & label.notna().to_numpy() & scores[["storm_score", bid]].notna().all(axis=1).to_numpy()
        pidx = scores.index[both]
        py = label[pidx]
        if len(pidx) and 0 < py.sum() < len(py):
            pair = scores.loc[pidx, ["storm_score", bid]]
            prep = bootstrap_auroc(pair, py, block=cfg.block, n_boot=cfg.n_boot, seed=seed + 1 + k)
            a_s = auroc(pair["storm_score"].to_numpy(), py.to_numpy())
            a_b = auroc(pair[bid].to_numpy(), py.to_numpy())
            dlo, dhi = _ci(prep[bid] - prep["storm_score"], cfg.ci)
        else:
            a_s = a_b = dlo = dhi = float("nan")
        pair_rows[bid] = {
            "first": pidx[0] if len(pidx) else pd.NaT,
            "last": pidx[-1] if len(pidx) else pd.NaT,
            "n_days": len(pidx),
            "n_event_days": int(py.sum()) if len(pidx) else 0,
            "storm_score_auroc": a_s,
            "baseline_auroc": a_b,
            "difference": a_b - a_s,
            "diff_lo": dlo,
            "diff_hi": dhi,
        }
    pairwise = pd.DataFrame.from_dict(pair_rows, orient="index")
    return TargetResult(target=target, table=table, pairwise=pairwise, sample=sample)


def evaluate_models(
    inputs: ModelInputs,
    episodes: Sequence[Episode] | None = None,
    config: EvalConfig | None = None,
    *,
    proxies: Sequence[str] = (),
) -> Evaluation:
    """Score every model against every target and time its alarms against the episodes.

    Parameters
    ----------
    inputs
        Scores, alarms and prices (from :func:`prepare`).
    episodes
        The catalogue (default: the packaged one); those whose start and trough
        fall in the span are timed.
    config
        Span, targets, alarm and bootstrap settings.
    proxies
        Lines naming every proxy the inputs used, carried into the output.

    Returns
    -------
    Evaluation
    """
    cfg = config or EvalConfig()
    index = pd.DatetimeIndex(inputs.scores.index)
    span = _span_mask(index, cfg)
    if not span.any():
        raise ValueError("no day of the data falls in the requested span; check --start and --end")
    first, last = pd.Timestamp(index[span][0]), pd.Timestamp(index[span][-1])
    targets = {
        t.id: _target_result(inputs, t, cfg, span, cfg.seed + 1000 * i) for i, t in enumerate(cfg.targets)
    }
    eps = [
        e
        for e in (episodes if episodes is not None else load_episodes())
        if first <= e.start and e.trough <= last
    ]
    alarms = inputs.alarms.loc[span]
    leads = {mid: episode_leads(alarms[mid], eps, lead_window=cfg.lead_window) for mid in MODEL_IDS}
    return Evaluation(
        config=cfg,
        targets=targets,
        episodes=eps,
        leads=leads,
        span=(first, last),
        proxies=tuple(proxies),
        notes=tuple(inputs.notes),
    )


def run_evaluation(
    panel: pd.DataFrame, config: EvalConfig | None = None, episodes: Sequence[Episode] | None = None
) -> tuple[Evaluation, ModelInputs]:
    """Replay, baselines and evaluation in one call (see :func:`prepare` and :func:`evaluate_models`)."""
    cfg = config or EvalConfig()
    inputs = prepare(panel, cfg)
    proxies = inputs.replay.proxies_used() if inputs.replay is not None else []
    return evaluate_models(inputs, episodes, cfg, proxies=proxies), inputs
