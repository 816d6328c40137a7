"""User files: CSV and Parquet (through DuckDB), column mapping, refusal of HTML saved as CSV."""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path

import duckdb
import pytest

from stormwatch.catalog import SeriesSpec
from stormwatch.errors import EmptyResponseError, MalformedResponseError
from stormwatch.sources.base import Query
from stormwatch.sources.local import ColumnMap, Local

from ._helpers import DATA, assert_obs_frame, make_spec, ts

TODAY = dt.date(2020, 1, 10)
DGS10 = make_spec("fred:DGS10", "daily", release_lag_days=1, local_file="DGS10")


def q(spec: SeriesSpec = DGS10, start: dt.date | None = None) -> Query:
    return Query(spec=spec, start=start, today=TODAY)


def test_csv_from_directory_by_local_file_stem() -> None:
    local = Local(directory=DATA / "local")
    query = q()
    assert local.path(query) == DATA / "local" / "DGS10.csv"
    frame = local.parse(local.fetch_raw(query), query)
    assert_obs_frame(frame)
    assert frame["period"].tolist()[0] == ts("2019-12-24")
    assert frame["value"].tolist() == [1.90, 1.90, 1.88, 1.90, 1.92]
    assert frame["published_at"].iloc[0] == ts("2019-12-25 23:59")


def test_html_saved_as_csv_names_the_file() -> None:
    path = DATA / "local" / "html_saved_as.csv"
    local = Local(paths={"fred:DGS10": path})
    with pytest.raises(MalformedResponseError, match="HTML") as info:
        local.parse(local.fetch_raw(q()), q())
    assert str(path) in str(info.value)


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(EmptyResponseError, match=r"no file DGS10\.csv or DGS10\.parquet"):
        Local(directory=tmp_path).fetch_raw(q())
    (tmp_path / "dgs10.CSV").write_bytes(b"")
    local = Local(directory=tmp_path)
    with pytest.raises(EmptyResponseError, match=r"dgs10\.CSV"):
        local.parse(local.fetch_raw(q()), q())


def test_configurable_columns_and_published_at(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "Day,Close,known\n2019-12-30,1.90,2019-12-31T16:00:00\n2019-12-31,.,2020-01-02T16:00:00\n"
    )
    local = Local(
        paths={"fred:DGS10": path}, columns=ColumnMap(date="Day", value="Close", published_at="known")
    )
    frame = local.parse(local.fetch_raw(q()), q())
    assert_obs_frame(frame)
    assert frame["published_at"].tolist() == [ts("2019-12-31 16:00"), ts("2020-01-02 16:00")]
    assert math.isnan(frame["value"].iloc[1])
    with pytest.raises(MalformedResponseError, match="column named 'date'"):
        Local(paths={"fred:DGS10": path}).parse(path.read_bytes(), q())


def test_wide_file_reads_the_native_column() -> None:
    spec = make_spec("fred:INDPRO", "monthly", release_lag_days=16, wide_columns=True)
    local = Local(paths={"fred:INDPRO": DATA / "local" / "FREDMD_wide.csv"})
    frame = local.parse(local.fetch_raw(q(spec)), q(spec))
    assert frame["value"].tolist() == [109.52, 110.40, 110.05]
    sp = make_spec("fred:SP500", "monthly", wide_columns=True)
    local = Local(
        paths={"fred:SP500": DATA / "local" / "FREDMD_wide.csv"},
        overrides={"fred:SP500": ColumnMap(value="S&P 500")},
    )
    frame = local.parse(local.fetch_raw(q(sp)), q(sp))
    assert frame["value"].iloc[1] == 3104.9 and math.isnan(frame["value"].iloc[2])


def test_parquet_through_duckdb(tmp_path: Path) -> None:
    path = tmp_path / "DGS10.parquet"
    con = duckdb.connect()
    con.execute(
        "copy (select * from (values (DATE '2019-12-30', 1.90::double), (DATE '2019-12-31', 1.92::double),"
        " (DATE '2020-01-02', NULL::double)) t(date, value)) to '" + str(path) + "' (format parquet)"
    )
    con.close()
    local = Local(directory=tmp_path)
    raw = local.fetch_raw(q())
    frame = local.parse(raw, q())
    assert_obs_frame(frame)
    assert frame["period"].tolist() == [ts("2019-12-30"), ts("2019-12-31"), ts("2020-01-02")]
    assert frame["value"].iloc[:2].tolist() == [1.90, 1.92]
    assert math.isnan(frame["value"].iloc[2])


def test_bad_parquet_and_bad_values(tmp_path: Path) -> None:
    shutil.copy(DATA / "local" / "DGS10.csv", tmp_path / "DGS10.parquet")
    with pytest.raises(MalformedResponseError, match="not readable Parquet"):
        Local(directory=tmp_path).fetch_raw(q())
    path = tmp_path / "x.csv"
    path.write_text("date,value\n2019-12-30,abc\n")
    with pytest.raises(MalformedResponseError, match=r"x\.csv line 2"):
        Local(paths={"fred:DGS10": path}).parse(path.read_bytes(), q())
    path.write_text("date,value\n30/12/2019,1.0\n")
    with pytest.raises(MalformedResponseError, match="unreadable date"):
        Local(paths={"fred:DGS10": path}).parse(path.read_bytes(), q())


def test_start_filter() -> None:
    local = Local(directory=DATA / "local")
    frame = local.parse(local.fetch_raw(q()), q(start=dt.date(2019, 12, 30)))
    assert frame["period"].tolist() == [ts("2019-12-30"), ts("2019-12-31")]


def test_parse_is_pure_and_names_the_configured_file(tmp_path: Path) -> None:
    missing = tmp_path / "never-created.csv"
    local = Local(paths={"fred:DGS10": missing})
    with pytest.raises(MalformedResponseError, match=r"never-created\.csv"):
        local.parse(b"<!DOCTYPE html><html></html>", q())
    assert not missing.exists()
    frame = local.parse(b"date,value\n2019-12-31,1.92\n", q())
    assert frame["value"].tolist() == [1.92]
