"""Settings: TOML files, environment, precedence, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from stormwatch.config import load_settings
from stormwatch.errors import ConfigError


def test_precedence_flag_over_env_over_files(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    (user / "stormwatch.toml").write_text('[store]\npath = "/from/user.duckdb"\n[sources]\nmax_workers = 2\n')
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "stormwatch.toml").write_text('[store]\npath = "/from/cwd.duckdb"\n')
    s = load_settings(cwd=cwd, environ={}, user_config_dir=user)
    assert s.store.path == Path("/from/cwd.duckdb") and s.sources.max_workers == 2
    s = load_settings(cwd=cwd, environ={"STORMWATCH_STORE": "/from/env.duckdb"}, user_config_dir=user)
    assert s.store.path == Path("/from/env.duckdb")
    s = load_settings(
        cwd=cwd, environ={"STORMWATCH_STORE": "/e.duckdb"}, user_config_dir=user, store_path=Path("/f.duckdb")
    )
    assert s.store.path == Path("/f.duckdb")


def test_secrets_come_from_the_environment_and_never_print(tmp_path: Path) -> None:
    key = "abcdefghijklmnopqrstuvwxyz123456"
    s = load_settings(cwd=tmp_path, environ={"FRED_API_KEY": key}, user_config_dir=tmp_path)
    assert s.secrets["fred_api_key"].get_secret_value() == key
    assert key not in repr(s) and key not in str(s) and key not in s.model_dump_json()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[store\npath=1", "not valid TOML"),
        ("[sources]\nmax_workers = 0\n", "sources.max_workers"),
        ("[nonsense]\nx = 1\n", "nonsense"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "stormwatch.toml").write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(cwd=tmp_path, environ={}, user_config_dir=tmp_path / "none")
    assert "stormwatch.toml" in str(info.value)


def test_explicit_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(cwd=tmp_path, environ={}, config_file=tmp_path / "x.toml", user_config_dir=tmp_path)
