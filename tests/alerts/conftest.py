"""Fixtures of the alert tests: real receivers, the dev data's assessment, a fresh store."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from stormwatch.catalog import Catalog
from stormwatch.compute import Assessment
from tests.alerts._receivers import SmtpSink, WebhookSink, smtp_receiver, webhook_receiver


@pytest.fixture()
def smtp_server() -> Iterator[SmtpSink]:
    with smtp_receiver() as sink:
        yield sink


@pytest.fixture()
def webhook_server() -> Iterator[WebhookSink]:
    with webhook_receiver() as sink:
        yield sink


@pytest.fixture(scope="session")
def dev_assessment(dev_observations: pd.DataFrame, catalog: Catalog) -> Assessment:
    """The assessment of the development data, 1985-2019, built without a store (computed once)."""
    from stormwatch.compute import DEFAULT_START, assess_panel, required_ids
    from stormwatch.panel import StaleDataWarning, build_panel

    ids = [i for i in required_ids() if i in catalog]
    obs = dev_observations.loc[dev_observations["series_id"].isin(ids)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleDataWarning)
        panel = build_panel(obs, catalog, start=DEFAULT_START, end="2019-12-31", ids=ids)
    return assess_panel(panel)


@pytest.fixture()
def alert_store(tmp_path: Path) -> Path:
    """A fresh store file for the alert tables (alerts need no observations)."""
    return tmp_path / "store" / "stormwatch.duckdb"
