"""Shared, session-scoped pieces of the evaluation tests (the heavy ones are built once)."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pandas as pd
import pytest

# The checklist items 4-6 and the absorption-ratio read-out register on import; the package
# imports them too once they are wired into stormwatch.signals (then this is a no-op).
import stormwatch.signals.correlation
import stormwatch.signals.fed_liquidity
import stormwatch.signals.leadership  # noqa: F401
from stormwatch.catalog import Catalog
from stormwatch.evaluation.backtest import DXY, FX_SOURCES, RATE_SOURCES, SPX, VIX
from stormwatch.evaluation.evaluate import ModelInputs, evaluation_ids, prepare
from stormwatch.evaluation.replay import Replay
from stormwatch.panel import StaleDataWarning, build_panel
from stormwatch.store import Store


def backtest_ids() -> list[str]:
    return list(
        dict.fromkeys(
            [
                SPX,
                DXY,
                VIX,
                *(i for v in FX_SOURCES.values() for i in v),
                *(i for v in RATE_SOURCES.values() for i in v),
            ]
        )
    )


@pytest.fixture(scope="session")
def eval_obs(dev_observations: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """The dev observations of every series the evaluation and the backtests read."""
    ids = [i for i in dict.fromkeys([*evaluation_ids(), *backtest_ids()]) if i in catalog]
    return dev_observations.loc[dev_observations["series_id"].isin(ids)].reset_index(drop=True)


@pytest.fixture(scope="session")
def eval_panel(eval_obs: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """The point-in-time panel 1985-2019 with the evaluation's columns (as the store read gives it)."""
    ids = [i for i in evaluation_ids() if i in catalog]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleDataWarning)
        return build_panel(eval_obs, catalog, start="1985-01-01", end="2019-12-31", ids=ids).values


@pytest.fixture(scope="session")
def dev_inputs(eval_panel: pd.DataFrame) -> ModelInputs:
    """Replay, baselines, scores and alarms on the full development panel (~15 s, once)."""
    return prepare(eval_panel)


@pytest.fixture(scope="session")
def dev_replay(dev_inputs: ModelInputs) -> Replay:
    assert dev_inputs.replay is not None
    return dev_inputs.replay


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory, eval_obs: pd.DataFrame) -> Path:
    """A real store with the evaluation's series for 2005-2009 (a short, fast span for the CLI)."""
    path = tmp_path_factory.mktemp("eval") / "small.duckdb"
    obs = eval_obs.loc[(eval_obs["period"] >= "2005-01-01") & (eval_obs["period"] <= "2009-12-31")]
    with Store.open(path) as st:
        for sid, rows in obs.groupby("series_id", sort=True):
            st.write(
                str(sid),
                rows[["period", "published_at", "value"]].reset_index(drop=True),
                fetched_at=dt.datetime(2026, 1, 1),
            )
    return path
