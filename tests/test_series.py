"""The data contract's gate: validate() refuses bad frames whole."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from stormwatch.errors import ValidationError
from stormwatch.series import JumpBound, parse_series_id, validate

TODAY = dt.date(2020, 1, 31)


def frame(values: list[object], start: str = "2020-01-01") -> pd.DataFrame:
    periods = pd.date_range(start, periods=len(values), freq="D")
    return pd.DataFrame({"period": periods, "published_at": periods + pd.Timedelta(days=1), "value": values})


def test_parse_series_id_keeps_colons_in_native() -> None:
    assert parse_series_id("cftc:099741:noncomm_net") == ("cftc", "099741:noncomm_net")
    with pytest.raises(ValueError, match="source:native"):
        parse_series_id("DGS10")


def test_missing_values_are_dropped_and_counted() -> None:
    clean, report = validate(frame([1.0, None, 3.0]), series_id="x:a", source="t", today=TODAY)
    assert clean["value"].tolist() == [1.0, 3.0]
    assert report.missing_dropped == 1 and report.rows_in == 3 and report.rows_kept == 2


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([1.0, "abc", 2.0], "non-numeric"),
        ([1.0, np.inf], "infinite"),
        ([None, None], "every value is missing"),
    ],
)
def test_bad_values_refuse_the_whole_frame(values: list[object], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        validate(frame(values), series_id="fred:DGS10", source="fred", today=TODAY)
    assert "fred:DGS10" in str(info.value) and "Nothing was written" in str(info.value)


def test_empty_frame_is_refused() -> None:
    with pytest.raises(ValidationError, match="no observations"):
        validate(frame([]), series_id="x:a", source="t", today=TODAY)


def test_duplicated_dates_are_refused() -> None:
    f = pd.concat([frame([1.0, 2.0]), frame([5.0])], ignore_index=True)
    with pytest.raises(ValidationError, match="share a date") as info:
        validate(f, series_id="x:a", source="t", today=TODAY)
    assert "2020-01-01" in str(info.value)


def test_future_dates_are_refused() -> None:
    with pytest.raises(ValidationError, match="after today"):
        validate(frame([1.0, 2.0], start="2020-01-31"), series_id="x:a", source="t", today=TODAY)


def test_jump_bound_log_and_abs() -> None:
    with pytest.raises(ValidationError, match="implausible jump on 2020-01-03"):
        validate(
            frame([100.0, 101.0, 200.0]),
            series_id="x:a",
            source="t",
            today=TODAY,
            jump=JumpBound(max_log_change=0.35),
        )
    with pytest.raises(ValidationError, match="implausible jump on 2020-01-02"):
        validate(
            frame([1.0, 4.0]), series_id="x:a", source="t", today=TODAY, jump=JumpBound(max_abs_change=1.5)
        )
    clean, _ = validate(
        frame([1.0, 2.0]), series_id="x:a", source="t", today=TODAY, jump=JumpBound(max_abs_change=1.5)
    )
    assert len(clean) == 2


def test_jump_at_the_seam_with_stored_data_is_caught() -> None:
    with pytest.raises(ValidationError, match="implausible jump"):
        validate(
            frame([300.0, 301.0]),
            series_id="x:a",
            source="t",
            today=TODAY,
            jump=JumpBound(max_log_change=0.35),
            previous=100.0,
        )


def test_output_is_sorted_with_contract_dtypes() -> None:
    f = frame([3.0, 1.0, 2.0]).iloc[::-1]
    clean, _ = validate(f, series_id="x:a", source="t", today=TODAY)
    assert clean["period"].is_monotonic_increasing
    assert str(clean["period"].dtype) == "datetime64[ns]"
    assert clean["value"].dtype == np.float64
