"""The episode catalogue and the rule that labels episodes in any data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stormwatch.evaluation.episodes import (
    EpisodeRule,
    classify_kind,
    detect_episodes,
    episodes_frame,
    load_episode_rule,
    load_episodes,
)

USD = "yahoo:DX-Y.NYB"
SPX = "yahoo:^GSPC"


def test_catalogue_holds_the_thesis_episodes() -> None:
    eps = {e.id: e for e in load_episodes()}
    for year in (
        "1987",
        "1990",
        "1998",
        "2000",
        "2002",
        "2007",
        "2008",
        "2011",
        "2015",
        "2018",
        "2020",
        "2022",
        "2025",
    ):
        assert any(e.start.year == int(year) for e in eps.values()), year
    assert eps["gfc_2008_2009"].kind == "classic_risk_off"  # autumn 2008
    assert eps["debasement_2002"].kind == "debasement_selloff"
    assert eps["tariffs_2025"].kind == "debasement_selloff"
    assert all(e.trough > e.start for e in eps.values())
    frame = episodes_frame(list(eps.values()))
    assert list(frame.columns) == ["id", "name", "start", "trough", "kind", "notes"]
    assert load_episode_rule() == EpisodeRule(0.10, 0.10, -0.02, 0.02)


def test_catalogue_kinds_are_what_the_rule_gives_on_the_dev_data(dev_panel: pd.DataFrame) -> None:
    rule = load_episode_rule()
    usd, spx = dev_panel[USD], dev_panel[SPX]
    checked = 0
    for ep in load_episodes():
        if ep.trough > dev_panel.index[-1]:
            assert classify_kind(usd, ep.start, ep.trough, rule) is None  # past the data: no guess
            continue
        assert classify_kind(usd, ep.start, ep.trough, rule) == ep.kind, ep.id
        # The start is the S&P 500's high and the trough its low over the episode.
        window = spx.loc[ep.start : ep.trough]
        assert window.idxmax() == ep.start, ep.id
        assert window.idxmin() == ep.trough, ep.id
        checked += 1
    assert checked == 11


def test_rule_finds_the_big_dev_sell_offs(dev_panel: pd.DataFrame) -> None:
    found = detect_episodes(dev_panel[SPX], dev_panel[USD])
    starts = {e.start for e in found}
    for ep in load_episodes():
        if ep.id in (
            "crash_1987",
            "gulf_war_1990",
            "ltcm_1998",
            "gfc_2007_2008",
            "us_downgrade_2011",
            "q4_2018",
        ):
            assert ep.start in starts, ep.id
            match = next(e for e in found if e.start == ep.start)
            assert match.kind == classify_kind(dev_panel[USD], match.start, match.trough)


def test_detect_on_a_synthetic_path() -> None:
    idx = pd.bdate_range("2020-01-01", periods=9)
    spx = pd.Series([100, 105, 95, 90, 99.5, 120, 100, 104, 101.0], index=idx)
    usd = pd.Series([100, 100, 99, 97, 99, 100, 103, 104, 104.0], index=idx)
    eps = detect_episodes(spx, usd, EpisodeRule(decline=0.10, rebound=0.10))
    assert [(e.start, e.trough, e.kind) for e in eps] == [
        (idx[1], idx[3], "debasement_selloff"),  # 105 -> 90 (-14%), dollar -3%; 99.5 is +10.6% off the low
        (idx[5], idx[6], "classic_risk_off"),  # 120 -> 100 (-17%), dollar +3%; unfinished at the end
    ]
    assert detect_episodes(spx, None)[0].kind == "other"


def test_a_catalogue_file_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "e.toml"
    bad.write_text('[[episode]]\nid="x"\nname="x"\nstart="2020-01-01"\ntrough="2020-02-01"\nkind="panic"\n')
    with pytest.raises(ValueError, match="kind 'panic'"):
        load_episodes(bad)
    bad.write_text('[[episode]]\nid="x"\nname="x"\nstart="2020-02-01"\ntrough="2020-01-01"\nkind="other"\n')
    with pytest.raises(ValueError, match="not after start"):
        load_episodes(bad)
    with pytest.raises(ValueError, match="decline"):
        EpisodeRule(decline=1.5)
