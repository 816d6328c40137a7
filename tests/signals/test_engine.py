"""The signal engine: causal input assembly, unknown on missing inputs, parameter checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stormwatch.signals.base import Input, Param, SignalData, SignalOutput, SignalSpec, evaluate

IDX = pd.bdate_range("2020-01-01", periods=6)


def identity(data: SignalData, *, scale: float) -> SignalOutput:
    return SignalOutput(intensity=data["x"] * scale)


SPEC = SignalSpec(
    id="t",
    family="t",
    title="t",
    kind="readout",
    inputs={"x": Input("local:primary", proxies=("local:proxy",))},
    params={"scale": Param(1.0, "SYNTHETIC test")},
    rationale="",
    func=identity,
)


def test_proxy_until_the_primary_begins_then_primary() -> None:
    """SYNTHETIC: the proxy fills days before the primary starts; the choice is causal."""
    panel = pd.DataFrame(
        {"local:primary": [np.nan, np.nan, np.nan, 10.0, 11.0, 12.0], "local:proxy": [1.0] * 6}, index=IDX
    )
    res = evaluate(SPEC, panel)
    assert res.intensity.tolist() == [1.0, 1.0, 1.0, 10.0, 11.0, 12.0]
    assert res.used == {"x": "local:primary"} and res.proxies == {}
    early = evaluate(SPEC, panel.iloc[:3])
    assert early.intensity.tolist() == [1.0, 1.0, 1.0]
    assert early.proxies == {"x": "local:proxy"}


def test_missing_input_gives_unknown_with_the_reason() -> None:
    panel = pd.DataFrame({"local:other": [1.0] * 6}, index=IDX)
    res = evaluate(SPEC, panel)
    assert (res.state == "unknown").all()
    assert "missing input: x (local:primary or local:proxy)" in res.reason.iloc[0]
    assert res.intensity.isna().all()


def test_unknown_parameter_is_refused_with_the_known_ones() -> None:
    panel = pd.DataFrame({"local:primary": [1.0] * 6}, index=IDX)
    with pytest.raises(ValueError, match="known: \\['scale'\\]"):
        evaluate(SPEC, panel, {"scael": 2.0})
    assert evaluate(SPEC, panel, {"scale": 3.0}).intensity.iloc[0] == 3.0
