"""Shared fixtures. The development data is read in place from ../shared/data/market."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from stormwatch.catalog import Catalog, load_catalog

REPO = Path(__file__).resolve().parents[1]
DEV_DATA = REPO.parent / "shared" / "data" / "market"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def dev_data_dir() -> Path:
    if not (DEV_DATA / "SP500.csv").is_file():
        pytest.skip(f"development data not found at {DEV_DATA} (CI lays ../shared beside the clone)")
    return DEV_DATA


@pytest.fixture(scope="session")
def dev_observations(catalog: Catalog, dev_data_dir: Path) -> pd.DataFrame:
    """Every dev file with a catalog entry, as one long observation frame (no store)."""
    from stormwatch.sources.files import read_local_file

    frames = []
    for spec in catalog.values():
        if not spec.local_file or spec.wide_columns or spec.role == "metadata":
            continue
        path = dev_data_dir / f"{spec.local_file}.csv"
        if not path.is_file():
            continue
        frame = read_local_file(path, spec).dropna(subset=["value"])
        frame["value"] = frame["value"].astype("float64")
        frame.insert(0, "series_id", spec.id)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="session")
def dev_panel(catalog: Catalog, dev_observations: pd.DataFrame) -> pd.DataFrame:
    """The aligned, point-in-time business-day panel of the dev data, 1985-2019."""
    from stormwatch.panel import StaleDataWarning, build_panel

    # Discontinued series (NASDAQCOM, EVZ) are stale at the end: expected here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleDataWarning)
        panel = build_panel(dev_observations, catalog, start="1985-01-01", end="2019-12-31")
    return panel.values


@pytest.fixture(scope="session")
def imported_store(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, dev_data_dir: Path) -> Path:
    """The development data imported once per session into a real store (~20 s).

    Tests that write must copy it first.
    """
    import datetime as dt

    from stormwatch.ingest import import_directory
    from stormwatch.store import Store

    path = tmp_path_factory.mktemp("dev") / "dev.duckdb"
    with Store.open(path) as st:
        report = import_directory(
            st, catalog, dev_data_dir, now=dt.datetime(2026, 1, 1), today=dt.date(2026, 1, 1)
        )
    assert not report.failed, report.failed[:3]
    assert report.unknown_files == []
    return path
