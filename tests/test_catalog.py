"""Tests for the packaged series catalog (``stormwatch/data/catalog.toml``).

No network: the catalog is read from the package and checked against the
development data in ``../shared/data/market`` where that is present.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stormwatch.catalog import KNOWN_SOURCES, Catalog, SeriesSpec, _read, load_catalog
from stormwatch.errors import CatalogError

MARKET_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "market"

#: Wide or non-observation files: mapped by the catalog, but not a date,value series.
NOT_A_SERIES = frozenset({"FREDMD_2025-02", "FREDMD_2025-02_tcodes"})

#: Every link of the thesis must be watched by at least one series.
THESIS_ROLES = (
    "dollar_index",
    "fx_major",
    "implied_vol",
    "equity_us",
    "equity_intl",
    "factor",
    "theme",
    "curve",
    "real_rates",
    "breakevens",
    "policy_rate",
    "fed_balance_sheet",
    "tga",
    "reverse_repo",
    "metals",
    "positioning",
    "tic_flows",
    "current_account",
    "valuation",
    "stress",
    "fx_skew",
    "policy_path",
    "inflation_expectations",
)

#: Dev file stem -> the id at its real source (a sample checked one by one).
EXPECTED_IDS = {
    "SP500": "yahoo:^GSPC",
    "NASDAQ100": "yahoo:^NDX",
    "RUSSELL2000": "yahoo:^RUT",
    "SPHB": "yahoo:SPHB",
    "DAX": "yahoo:^GDAXI",
    "FTSE100": "yahoo:^FTSE",
    "CAC40": "yahoo:^FCHI",
    "EUROSTOXX50": "yahoo:^STOXX50E",
    "STOXX600": "yahoo:^STOXX",
    "NIKKEI225": "yahoo:^N225",
    "HANGSENG": "yahoo:^HSI",
    "DXY": "yahoo:DX-Y.NYB",
    "EURUSD_YF": "yahoo:EURUSD=X",
    "USDJPY_YF": "yahoo:JPY=X",
    "GBPUSD_YF": "yahoo:GBPUSD=X",
    "USDCNY_YF": "yahoo:CNY=X",
    "GOLD": "yahoo:GC=F",
    "SILVER": "yahoo:SI=F",
    "EURUSD": "fred:DEXUSEU",
    "USDJPY": "fred:DEXJPUS",
    "GBPUSD": "fred:DEXUSUK",
    "USDCHF": "fred:DEXSZUS",
    "USDCAD": "fred:DEXCAUS",
    "USDCNY": "fred:DEXCHUS",
    "VIX": "fred:VIXCLS",
    "OVX": "fred:OVXCLS",
    "GVZ": "fred:GVZCLS",
    "EVZ": "fred:EVZCLS",
    "HY_OAS": "fred:BAMLH0A0HYM2",
    "IG_OAS": "fred:BAMLC0A0CM",
    "GOLD_LBMA_PM": "fred:GOLDPMGBD228NLBM",
    "DTWEXB_LEGACY": "fred:DTWEXB",
    "DGS10": "fred:DGS10",
    "T10Y2Y": "fred:T10Y2Y",
    "DFII5": "fred:DFII5",
    "WALCL": "fred:WALCL",
    "STLFSI4": "fred:STLFSI4",
    "NFCI": "fred:NFCI",
    "ICSA": "fred:ICSA",
    "IEABC": "fred:IEABC",
    "IR3TIB01EZM156N": "fred:IR3TIB01EZM156N",
    "ECBESTRVOLWGTTRMDMNRT": "fred:ECBESTRVOLWGTTRMDMNRT",
    "VIX3M": "cboe:VIX3M",
    "VIX9D": "cboe:VIX9D",
    "VVIX": "cboe:VVIX",
    "SKEW": "cboe:SKEW",
    "COR1M": "cboe:COR1M",
    "DSPX": "cboe:DSPX",
    "VXEEM": "cboe:VXEEM",
    "ECB_EURUSD": "ecb:EXR/D.USD.EUR.SP00.A",
    "ECB_EURJPY": "ecb:EXR/D.JPY.EUR.SP00.A",
    "ECB_CISS_EA": "ecb:CISS/D.U2.Z0Z.4F.EC.SS_CIN.IDX",
    "EONIA_M": "ecb:RTD/M.S0.N.C_EONIA.E",
    "FF_MKT_RF": "french:F-F_Research_Data_Factors_daily:Mkt-RF",
    "FF3_SMB": "french:F-F_Research_Data_Factors_daily:SMB",
    "FF_HML": "french:F-F_Research_Data_Factors_daily:HML",
    "FF_RF": "french:F-F_Research_Data_Factors_daily:RF",
    "FF5_SMB": "french:F-F_Research_Data_5_Factors_2x3_daily:SMB",
    "FF5_RMW": "french:F-F_Research_Data_5_Factors_2x3_daily:RMW",
    "FF5_CMA": "french:F-F_Research_Data_5_Factors_2x3_daily:CMA",
    "FF_MOM": "french:F-F_Momentum_Factor_daily:Mom",
    "COT_EUR_NONCOMM_NET": "cftc:099741:noncomm_net",
    "COT_JPY_NONCOMM_NET": "cftc:097741:noncomm_net",
    "COT_ES_NONCOMM_NET": "cftc:13874A:noncomm_net",
    "COT_DXY_NONCOMM_NET": "cftc:098662:noncomm_net",
    "MOVE": "local:MOVE",
    "EONIA": "local:EONIA",
    "CAPE_SHILLER": "local:CAPE_SHILLER",
    "OFR_FSI": "local:OFR_FSI",
    "FXM_EUR_PER_USD": "local:FXM_EUR_PER_USD",
    "FREDMD_2025-02": "fredmd:2025-02",
    "FREDMD_2025-02_tcodes": "fredmd:2025-02:tcodes",
}

#: Pairs published as USD per foreign unit: the only series the panel inverts.
INVERTED = frozenset(
    {
        "fred:DEXUSEU",
        "fred:DEXUSUK",
        "yahoo:EURUSD=X",
        "yahoo:GBPUSD=X",
        "ecb:EXR/D.USD.EUR.SP00.A",
    }
)

#: Catalog entries the thesis needs that are not in the development data.
NOT_IN_DEV_DATA = (
    "cftc:096742:noncomm_net",
    "cftc:092741:noncomm_net",
    "cftc:099741:lev_money_net",
    "cftc:099741:asset_mgr_net",
    "cftc:097741:lev_money_net",
    "cftc:097741:asset_mgr_net",
    "cftc:13874A:lev_money_net",
    "cftc:13874A:asset_mgr_net",
    "tic:for_lt_eqty_net",
    "tic:for_treas_pos",
    "ecb:EST/B.EU000A2X2A25.WT",
    "local:EURUSD_RR25_1M",
    "local:USDJPY_RR25_1M",
    "local:GBPUSD_RR25_1M",
    "local:USD_INFL_SWAP_2Y",
    "local:SOFR_FUT_TERMINAL",
)

NATIVE_PATTERNS = {
    "fred": r"[A-Z0-9_]+",
    "yahoo": r"[\^A-Z0-9.=-]+",
    "cboe": r"[A-Z0-9]+",
    "ecb": r"[A-Z]+/[A-Za-z0-9_.]+",
    "cftc": r"[0-9A-Z]{6}:[a-z_]+",
    "french": r"F-F_[A-Za-z0-9_]+:[A-Za-z-]+",
    "tic": r"[a-z_]+",
    "local": r"[A-Z0-9_]+",
    "fredmd": r"\d{4}-\d{2}(:tcodes)?",
}

ENTRY = """
[[series]]
id = "{id}"
name = "test series"
units = "percent"
frequency = "daily"
role = "curve"
max_abs_change = 1.5
"""


def _market_csvs() -> list[Path]:
    return sorted(MARKET_DIR.glob("*.csv")) if MARKET_DIR.is_dir() else []


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def market_dir() -> Path:
    if not (MARKET_DIR / "SOURCES.md").is_file():
        pytest.skip(f"development data not found at {MARKET_DIR} (../shared is laid beside the clone)")
    return MARKET_DIR


def _raw_entries() -> list[dict[str, object]]:
    text = resources.files("stormwatch").joinpath("data/catalog.toml").read_text(encoding="utf-8")
    entries = tomllib.loads(text)["series"]
    assert isinstance(entries, list)
    return entries


def test_packaged_catalog_loads(cat: Catalog) -> None:
    """The shipped TOML validates and holds the whole catalog."""
    assert len(cat) >= 150
    assert cat["fred:DGS10"].units == "percent"
    assert all(isinstance(spec, SeriesSpec) for spec in cat.values())


def test_every_dev_file_maps_to_exactly_one_entry(cat: Catalog, market_dir: Path) -> None:
    """Each CSV in the dev data is claimed by one entry under its exact stem."""
    csvs = _market_csvs()
    assert csvs
    problems = []
    for path in csvs:
        claims = [s.id for s in cat.values() if s.local_file == path.stem]
        if len(claims) != 1:
            problems.append(f"{path.stem}: {claims}")
        elif cat.by_local_file(path.stem) is None:
            problems.append(f"{path.stem}: by_local_file finds nothing")
    assert not problems, problems


@pytest.mark.parametrize(("stem", "series_id"), sorted(EXPECTED_IDS.items()))
def test_dev_file_has_its_native_id(cat: Catalog, stem: str, series_id: str) -> None:
    spec = cat.by_local_file(stem)
    assert spec is not None, stem
    assert spec.id == series_id
    assert spec.local_file == stem


def test_ids_are_unique_in_the_file() -> None:
    """Duplicates are caught in the raw TOML too, not only by the loader."""
    ids = [str(entry["id"]) for entry in _raw_entries()]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes


def test_ids_are_well_formed(cat: Catalog) -> None:
    bad = []
    for spec in cat.values():
        assert spec.source in KNOWN_SOURCES
        pattern = NATIVE_PATTERNS[spec.source]
        if not re.fullmatch(pattern, spec.native):
            bad.append(spec.id)
        if spec.source == "local" and spec.local_file != spec.native:
            bad.append(f"{spec.id}: local_file {spec.local_file!r} is not the native key")
    assert not bad, bad


@pytest.mark.parametrize("series_id", NOT_IN_DEV_DATA)
def test_thesis_series_beyond_the_dev_data(cat: Catalog, series_id: str) -> None:
    """Series with no dev file are still catalogued, so they can be fetched or imported."""
    spec = cat[series_id]
    assert spec.local_file
    if MARKET_DIR.is_dir():
        assert not (MARKET_DIR / f"{spec.local_file}.csv").exists()


def test_proxies_exist_and_are_free(cat: Catalog) -> None:
    """A proxy is a catalogued series from a free source, explained, and not itself proxied."""
    with_proxy = [s for s in cat.values() if s.proxy is not None]
    assert with_proxy
    for spec in with_proxy:
        assert spec.proxy is not None
        proxy = cat[spec.proxy]
        assert proxy.source != "local", spec.id
        assert proxy.proxy is None, spec.id
        assert spec.proxy_note, spec.id


@pytest.mark.parametrize(
    "series_id",
    [
        "local:EURUSD_RR25_1M",
        "local:USDJPY_RR25_1M",
        "local:GBPUSD_RR25_1M",
        "local:USD_INFL_SWAP_2Y",
        "local:SOFR_FUT_TERMINAL",
    ],
)
def test_series_without_free_source_name_a_proxy(cat: Catalog, series_id: str) -> None:
    assert cat[series_id].proxy is not None


@pytest.mark.parametrize("role", THESIS_ROLES)
def test_thesis_role_is_watched(cat: Catalog, role: str) -> None:
    assert cat.with_role(role), f"no series with role {role!r}"


def test_roles_are_snake_case(cat: Catalog) -> None:
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", s.role) for s in cat.values())


def test_every_series_has_one_bound(cat: Catalog) -> None:
    """Every observation series carries a jump bound; the wide file and metadata do not."""
    for spec in cat.values():
        bounds = [spec.max_log_change, spec.max_abs_change]
        if spec.wide_columns or spec.role == "metadata":
            assert bounds == [None, None], spec.id
        else:
            assert sum(b is not None for b in bounds) == 1, spec.id


def test_only_usd_per_foreign_quotes_are_inverted(cat: Catalog) -> None:
    inverted = {s.id for s in cat.values() if s.transform == "invert"}
    assert inverted == INVERTED
    for series_id in inverted:
        assert "up = stronger dollar" in cat[series_id].transform_note


def test_fredmd_entries(cat: Catalog) -> None:
    wide = cat["fredmd:2025-02"]
    assert wide.wide_columns
    assert wide.frequency == "monthly"
    assert wide.release_lag_days == 45
    assert wide.local_file == "FREDMD_2025-02"
    tcodes = cat["fredmd:2025-02:tcodes"]
    assert tcodes.role == "metadata"
    assert tcodes.frequency == "monthly"
    assert "transformation codes" in tcodes.notes


def test_release_lags_follow_the_publishers(cat: Catalog) -> None:
    """Market closes are known the same day; COT (Tuesday) on Friday."""
    for spec in cat.values():
        if spec.source in {"yahoo", "cboe"}:
            assert spec.release_lag_days == 0, spec.id
        if spec.source == "cftc":
            assert spec.release_lag_days == 3, spec.id
        if spec.frequency in {"weekly", "quarterly"} or spec.source in {"tic", "french"}:
            assert spec.release_lag_days > 0, spec.id


@pytest.mark.parametrize(
    "path",
    [p for p in _market_csvs() if p.stem not in NOT_A_SERIES],
    ids=lambda p: p.stem,
)
def test_dev_data_respects_jump_bound(cat: Catalog, path: Path) -> None:
    """No real observation in the dev data breaks its catalog bound (it must import cleanly)."""
    spec = cat.by_local_file(path.stem)
    assert spec is not None, path.stem
    frame = pd.read_csv(path, parse_dates=["date"]).sort_values("date")
    values = frame["value"].astype("float64").dropna().to_numpy()
    assert values.size > 1
    if spec.max_log_change is not None:
        assert (values > 0).all(), f"{spec.id}: a log bound needs positive values"
        moves, limit = np.abs(np.diff(np.log(values))), spec.max_log_change
    else:
        assert spec.max_abs_change is not None
        moves, limit = np.abs(np.diff(values)), spec.max_abs_change
    worst = int(moves.argmax())
    assert moves[worst] <= limit, (
        f"{spec.id}: move {moves[worst]:.4g} on {frame['date'].iloc[worst + 1].date()} exceeds {limit}"
    )


def test_rejects_duplicate_ids() -> None:
    text = ENTRY.format(id="fred:DGS2") + ENTRY.format(id="fred:DGS2")
    with pytest.raises(CatalogError, match="declared twice"):
        _read(text, "test")


def test_rejects_unknown_keys() -> None:
    text = ENTRY.format(id="fred:DGS2") + 'colour = "blue"\n'
    with pytest.raises(CatalogError, match="Extra inputs are not permitted"):
        _read(text, "test")


def test_rejects_unknown_proxy() -> None:
    text = ENTRY.format(id="local:X") + 'proxy = "fred:NOPE"\n'
    with pytest.raises(CatalogError, match="proxy"):
        _read(text, "test")


def test_accepts_a_minimal_entry() -> None:
    cat = _read(ENTRY.format(id="fred:DGS2"), "test")
    assert list(cat) == ["fred:DGS2"]
