"""Configuration: the example stays valid, and every mistake is one clear line and exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from bot.config import ConfigError, load_settings, require_token

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m bot …` as a user would run it."""
    import os

    environment = {
        k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "BOT_CONFIG")
    }
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_example_config_loads_and_matches_documented_defaults() -> None:
    settings = load_settings(ROOT / "config.example.toml")
    assert settings.telegram.base_url == "https://api.telegram.org/bot"
    assert settings.telegram.token.get_secret_value() == ""
    assert settings.bot.admins == []
    assert settings.bot.default_language == "ru"
    assert settings.storage.path == ROOT / "data" / "bot.sqlite3"
    assert settings.storage.content is None
    assert settings.broadcast.messages_per_second == 25


def test_example_documents_every_key() -> None:
    """Each settings key appears in config.example.toml, so the example can't drift."""
    from bot.config import Settings

    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for section, field in Settings.model_fields.items():
        assert f"[{section}]" in text
        assert field.annotation is not None
        # An optional section ([webhook]: absent means polling) is `Model | None`.
        model = next(
            a for a in (field.annotation, *get_args(field.annotation)) if hasattr(a, "model_fields")
        )
        for key in model.model_fields:
            assert f"\n{key} =" in text or f"# {key} =" in text, f"{section}.{key} undocumented"


def test_token_from_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[telegram]\ntoken = "from-file"\n', encoding="utf-8")
    assert require_token(load_settings(path), path) == "from-file"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "from-env")
    assert require_token(load_settings(path), path) == "from-env"


def test_nested_environment_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[bot]\nadmins = [1]\n", encoding="utf-8")
    monkeypatch.setenv("BOT_BOT__DEFAULT_LANGUAGE", "zh")
    settings = load_settings(path)
    assert settings.bot.default_language == "zh"
    assert settings.bot.admins == [1]


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir()
    path.write_text(
        '[storage]\npath = "db/bot.sqlite3"\ncontent = "other.toml"\n', encoding="utf-8"
    )
    settings = load_settings(path)
    assert settings.storage.path == path.parent / "db" / "bot.sqlite3"
    assert settings.storage.content == path.parent / "other.toml"


BAD_CONFIGS = {
    "unknown-key": ('[telegram]\ntokn = "x"\n', "telegram.tokn: unknown key"),
    "unknown-section": ('[telegrm]\ntoken = "x"\n', "telegrm: unknown key"),
    "admins-not-int": ('[telegram]\ntoken = "x"\n[bot]\nadmins = ["abc"]\n', "bot.admins.0"),
    "bad-language": (
        '[telegram]\ntoken = "x"\n[bot]\ndefault_language = "de"\n',
        "bot.default_language",
    ),
    "rate-zero": (
        '[telegram]\ntoken = "x"\n[broadcast]\nmessages_per_second = 0\n',
        "broadcast.messages_per_second",
    ),
    "not-toml": ("[telegram\n", "not valid TOML"),
    "missing-token": ("[bot]\nadmins = [1]\n", "telegram.token: missing"),
    "bad-base-url": (
        '[telegram]\ntoken = "x"\nbase_url = "api.telegram.org"\n',
        "telegram.base_url",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_config_exits_2_with_one_line_naming_the_key(tmp_path: Path, name: str) -> None:
    body, expected = BAD_CONFIGS[name]
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    result = run_cli("run", "--config", str(path))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    result = run_cli("run", "--config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "file not found" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_config_path_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text('[bot]\nadmins = ["x"]\n', encoding="utf-8")
    result = run_cli("run", env={"BOT_CONFIG": str(path)})
    assert result.returncode == 2
    assert str(path) in result.stderr and "bot.admins" in result.stderr


def test_token_never_echoed_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[telegram]\ntoken = 123456789\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert "telegram.token" in str(error.value)
    assert "123456789" not in str(error.value)


@pytest.mark.slow
def test_help_works_without_config(tmp_path: Path) -> None:
    for args in (["--help"], ["run", "--help"], ["chat", "--help"]):
        result = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "usage:" in result.stdout


@pytest.mark.slow
def test_missing_content_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[telegram]\ntoken = "1:x"\n[storage]\ncontent = "nope.toml"\n', encoding="utf-8"
    )
    result = run_cli("run", "--config", str(path))
    assert result.returncode == 2
    assert "nope.toml" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
async def test_database_newer_than_the_code_exits_2(tmp_path: Path, emulator: object) -> None:
    """Refusing a newer schema happens at start-up, after connecting: one line, exit 2."""
    import asyncio
    import sqlite3

    from tests.conftest import write_config

    db = tmp_path / "bot.sqlite3"
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 999")
    config = write_config(tmp_path / "config.toml", emulator.base_url, db)  # type: ignore[attr-defined]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert "newer than this bot supports" in stderr.decode()
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 999  # left untouched


def test_dump_toml_round_trips_through_the_loader(tmp_path: Path) -> None:
    import tomllib

    from bot.config import dump_toml

    sections = {
        "telegram": {"token": 'a"b\\c', "base_url": "http://127.0.0.1:1/bot"},
        "bot": {"admins": [1, 2], "default_language": "zh", "flood_burst": 3},
        "storage": {"path": "data/базa 数据.sqlite3"},
    }
    text = dump_toml(sections)
    assert tomllib.loads(text) == sections
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path)
    assert settings.telegram.token.get_secret_value() == 'a"b\\c'
    assert settings.bot.admins == [1, 2]
