"""Proof: point-in-time replay, the early-warning record against baselines, and hedge backtests.

::

    episodes  targets  metrics  baselines        (pure building blocks)
         \\        |       |       /
          replay -> evaluate     backtest   sweep  (replay reads the store's point-in-time panel)
                        \\          |        /
                               report            (tables, JSON, the EVALUATION.md document)
"""

from __future__ import annotations

from stormwatch.evaluation.backtest import (
    BACKTEST_BASES,
    STRATEGIES,
    BacktestConfig,
    BacktestResult,
    MarketData,
    market_data,
    performance,
    positions,
    run_backtest,
)
from stormwatch.evaluation.baselines import BASELINE_IDS, baseline_scores
from stormwatch.evaluation.episodes import (
    Episode,
    EpisodeRule,
    classify_kind,
    detect_episodes,
    load_episode_rule,
    load_episodes,
)
from stormwatch.evaluation.evaluate import (
    LEVEL_MODELS,
    MODEL_IDS,
    EvalConfig,
    Evaluation,
    ModelInputs,
    evaluate_models,
    evaluation_ids,
    prepare,
    run_evaluation,
)
from stormwatch.evaluation.metrics import auroc, bootstrap_auroc, signal_metrics
from stormwatch.evaluation.replay import Replay, load_replay_panel, replay
from stormwatch.evaluation.sweep import SweepInputs, default_grid, evaluate_grid
from stormwatch.evaluation.targets import DEFAULT_TARGETS, Target, target_labels

__all__ = [
    "BACKTEST_BASES",
    "BASELINE_IDS",
    "DEFAULT_TARGETS",
    "LEVEL_MODELS",
    "MODEL_IDS",
    "STRATEGIES",
    "BacktestConfig",
    "BacktestResult",
    "Episode",
    "EpisodeRule",
    "EvalConfig",
    "Evaluation",
    "MarketData",
    "ModelInputs",
    "Replay",
    "SweepInputs",
    "Target",
    "auroc",
    "baseline_scores",
    "bootstrap_auroc",
    "classify_kind",
    "default_grid",
    "detect_episodes",
    "evaluate_grid",
    "evaluate_models",
    "evaluation_ids",
    "load_episode_rule",
    "load_episodes",
    "load_replay_panel",
    "market_data",
    "performance",
    "positions",
    "prepare",
    "replay",
    "run_backtest",
    "run_evaluation",
    "signal_metrics",
    "target_labels",
]
