"""The dev data assessed once per session (no store): what the charts and the report are built from."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from stormwatch.catalog import Catalog
from stormwatch.compute import Assessment, assess_panel, required_ids
from stormwatch.delivery.episodes import EpisodeSet, load_episode_set
from stormwatch.panel import StaleDataWarning, build_panel


@pytest.fixture(scope="session")
def dev_assessment(catalog: Catalog, dev_observations: pd.DataFrame) -> Assessment:
    known = frozenset(iter(catalog))
    ids = [i for i in required_ids() if i in known]  # as stormwatch.compute.assess asks the store
    obs = dev_observations.loc[dev_observations["series_id"].isin(ids)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleDataWarning)
        panel = build_panel(obs, catalog, start="1985-01-01", end="2019-12-31", ids=ids)
    return assess_panel(panel)


@pytest.fixture(scope="session")
def episodes() -> EpisodeSet:
    return load_episode_set()
