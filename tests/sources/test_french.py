"""Kenneth French library: zip of one CSV, CRLF, padded labels, missing sentinels, footer."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile

import pytest

from stormwatch.errors import EmptyResponseError, MalformedResponseError
from stormwatch.sources.base import Query
from stormwatch.sources.french import BASE_URL, French

from ._helpers import assert_obs_frame, fixture_bytes, make_spec, mock_fetcher, serve, ts

FF5 = "F-F_Research_Data_5_Factors_2x3_daily"
MOM = "F-F_Momentum_Factor_daily"
TODAY = dt.date(2024, 10, 1)


def zipped(name: str, newline: str = "\r\n") -> bytes:
    """Zip a fixture in memory the way the library ships it (one ``{name}.CSV`` member)."""
    text = fixture_bytes(f"french/{name}.CSV").decode("latin-1")
    text = text.replace("\r\n", "\n").replace("\n", newline)  # CRLF even if a checkout normalised it
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{name}.CSV", text.encode("latin-1"))
    return buf.getvalue()


def q(native: str, frequency: str = "daily", start: dt.date | None = None) -> Query:
    spec = make_spec(f"french:{native}", frequency, release_lag_days=30)
    return Query(spec=spec, start=start, today=TODAY)


def test_fixture_is_crlf() -> None:
    assert b"\r\n" in fixture_bytes(f"french/{FF5}.CSV")


def test_five_factor_columns() -> None:
    raw = zipped(FF5)
    mkt = French.parse(raw, q(f"{FF5}:Mkt-RF"))
    assert_obs_frame(mkt)
    assert mkt["period"].iloc[0] == ts("1963-07-01")
    assert mkt["value"].iloc[0] == -0.67
    assert mkt["value"].iloc[-1] == 0.94
    assert len(mkt) == 8
    assert mkt.attrs["vintage"] == "202408"
    rf = French.parse(raw, q(f"{FF5}:RF"))
    assert rf["value"].iloc[0] == 0.012
    cma = French.parse(raw, q(f"{FF5}:CMA"))
    assert cma["value"].tolist()[:2] == [0.13, -0.21]
    assert mkt["published_at"].iloc[0] == ts("1963-07-31 23:59")


def test_momentum_padded_label_missing_and_footer() -> None:
    frame = French.parse(zipped(MOM), q(f"{MOM}:Mom"))
    assert_obs_frame(frame)
    assert len(frame) == 6  # the copyright footer is not a row
    assert math.isnan(frame.loc[frame["period"] == ts("1926-11-05"), "value"].iloc[0])
    assert frame["value"].iloc[-1] == 0.85
    assert French.vintage(zipped(MOM), q(f"{MOM}:Mom")) == "202408"


def test_lone_cr_line_endings() -> None:
    frame = French.parse(zipped(MOM, newline="\r"), q(f"{MOM}:Mom"))
    assert len(frame) == 6


def test_monthly_file_stops_before_the_annual_table() -> None:
    frame = French.parse(zipped("F-F_Research_Data_Factors"), q("F-F_Research_Data_Factors:HML", "monthly"))
    assert frame["period"].tolist() == [ts("1926-07-01"), ts("1926-08-01"), ts("1926-09-01")]
    assert frame["value"].tolist() == [-2.43, 3.82, 0.13]


def test_start_filter() -> None:
    frame = French.parse(zipped(FF5), q(f"{FF5}:SMB", start=dt.date(2024, 1, 1)))
    assert frame["period"].iloc[0] == ts("2024-08-27")
    assert frame["value"].tolist() == [-0.58, 0.32, 0.38, -0.48]


def test_errors() -> None:
    with pytest.raises(MalformedResponseError, match="no column 'UMD'"):
        French.parse(zipped(FF5), q(f"{FF5}:UMD"))
    with pytest.raises(MalformedResponseError, match="HTML"):
        French.parse(fixture_bytes("fred/html_error.html"), q(f"{FF5}:RF"))
    with pytest.raises(MalformedResponseError, match="expected a zip"):
        French.parse(b"PK-but-not-really", q(f"{FF5}:RF"))
    with pytest.raises(EmptyResponseError):
        French.parse(b"", q(f"{FF5}:RF"))
    with pytest.raises(ValueError, match="<dataset>:<column>"):
        French.parse(zipped(FF5), q(FF5))


def test_fetch_url() -> None:
    handler = serve(zipped(FF5), headers={"Content-Type": "application/x-zip-compressed"})
    french = French(mock_fetcher(handler))
    raw = french.fetch_raw(q(f"{FF5}:HML"))
    assert str(handler.requests[0].url) == f"{BASE_URL}/{FF5}_CSV.zip"
    assert French.parse(raw, q(f"{FF5}:HML"))["value"].iloc[0] == -0.35
