"""The aligned panel: publication lags, carry-forward, staleness, vintages, transforms."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from stormwatch.catalog import Catalog, SeriesSpec
from stormwatch.panel import StaleDataWarning, build_panel


def spec(id: str, frequency: str = "daily", lag: int = 0, **kw: object) -> SeriesSpec:
    return SeriesSpec.model_validate(
        {
            "id": id,
            "name": id,
            "units": "u",
            "frequency": frequency,
            "role": "test",
            "release_lag_days": lag,
            **kw,
        }
    )


def rows(sid: str, periods: list[str], published: list[str], values: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series_id": sid,
            "period": pd.to_datetime(periods),
            "published_at": pd.to_datetime(published),
            "value": values,
        }
    )


def test_value_appears_only_from_its_publication_day() -> None:
    cat = Catalog([spec("local:m", "monthly", lag=30)])
    obs = rows("local:m", ["2020-01-01"], ["2020-03-02 23:59"], [5.0])
    panel = build_panel(obs, cat, start="2020-02-27", end="2020-03-04")
    assert panel.values["local:m"].isna().tolist() == [True, True, False, False, False]
    assert panel.values.loc["2020-03-02", "local:m"] == 5.0


def test_carry_forward_stops_at_the_staleness_limit() -> None:
    cat = Catalog([spec("local:d", stale_after_days=3)])
    obs = rows("local:d", ["2020-01-06"], ["2020-01-06"], [1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleDataWarning)
        panel = build_panel(obs, cat, start="2020-01-06", end="2020-01-10")
    # Mon..Thu carry (age 0..3 days), Fri is 4 days old: stale.
    assert panel.values["local:d"].tolist()[:4] == [1.0, 1.0, 1.0, 1.0]
    assert np.isnan(panel.values["local:d"].iloc[4])
    assert panel.stale == ("local:d",)


def test_stale_series_warn() -> None:
    cat = Catalog([spec("local:d", stale_after_days=1)])
    obs = rows("local:d", ["2020-01-06"], ["2020-01-06"], [1.0])
    with pytest.warns(StaleDataWarning, match="local:d"):
        build_panel(obs, cat, start="2020-01-06", end="2020-01-10")


def test_each_day_sees_the_vintage_known_that_day() -> None:
    cat = Catalog([spec("local:q", "quarterly", lag=0)])
    obs = pd.concat(
        [
            rows("local:q", ["2020-01-01"], ["2020-04-30"], [2.0]),
            rows("local:q", ["2020-01-01"], ["2020-05-29"], [2.5]),  # revision a month later
        ]
    )
    panel = build_panel(obs, cat, start="2020-04-29", end="2020-06-01").values["local:q"]
    assert np.isnan(panel.loc["2020-04-29"])
    assert panel.loc["2020-04-30"] == 2.0 and panel.loc["2020-05-28"] == 2.0
    assert panel.loc["2020-05-29"] == 2.5


def test_revision_of_an_older_period_does_not_replace_the_newest() -> None:
    cat = Catalog([spec("local:d", stale_after_days=30)])
    obs = pd.concat(
        [
            rows("local:d", ["2020-01-06", "2020-01-07"], ["2020-01-06", "2020-01-07"], [1.0, 2.0]),
            rows("local:d", ["2020-01-06"], ["2020-01-08"], [9.0]),
        ]
    )
    panel = build_panel(obs, cat, start="2020-01-06", end="2020-01-08").values["local:d"]
    assert panel.tolist() == [1.0, 2.0, 2.0]


def test_invert_transform_quotes_fx_as_foreign_per_usd() -> None:
    cat = Catalog([spec("local:eurusd", transform="invert", max_log_change=0.25)])
    obs = rows("local:eurusd", ["2020-01-06"], ["2020-01-06"], [1.25])
    panel = build_panel(obs, cat, start="2020-01-06", end="2020-01-06").values
    assert panel.iloc[0, 0] == pytest.approx(0.8)


def test_missing_series_are_reported_as_all_nan_columns() -> None:
    cat = Catalog([spec("local:a"), spec("local:b")])
    obs = rows("local:a", ["2020-01-06"], ["2020-01-06"], [1.0])
    panel = build_panel(obs, cat, start="2020-01-06", end="2020-01-06", ids=["local:a", "local:b"])
    assert panel.missing == ("local:b",)
    assert panel.values["local:b"].isna().all()


def test_dev_panel_is_business_days_1985_to_2019(dev_panel: pd.DataFrame) -> None:
    idx = dev_panel.index
    assert idx[0] == pd.Timestamp("1985-01-01") and idx[-1] == pd.Timestamp("2019-12-31")
    assert (idx.day_of_week < 5).all()
    # Known facts of the data: S&P 500 close on 2008-10-10 (Yahoo ^GSPC) and DEXUSEU inverted.
    assert dev_panel.loc["2008-10-10", "yahoo:^GSPC"] == pytest.approx(899.22, abs=0.01)
    assert 0.6 < dev_panel.loc["2008-07-15", "fred:DEXUSEU"] < 0.7  # EUR per USD at the 2008 low
