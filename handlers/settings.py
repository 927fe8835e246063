"""The Telegram face's sections of the configuration file: [telegram], [bot], [broadcast],
[webhook].

The process (bot/config.py) composes them with the other faces' sections into the whole file and
loads it; handlers read their sections through `FaceSettings`, never the process's `Settings`.
"""

from __future__ import annotations

import re
from typing import Literal, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

Language = Literal["ru", "zh", "en"]
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramSettings(_Section):
    token: SecretStr = SecretStr("")
    base_url: str = Field(default="https://api.telegram.org/bot", pattern=r"^https?://\S+$")
    # The bot's @username, for the site's t.me deep links when no token is at hand (`web`).
    username: str | None = Field(default=None, pattern=r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")

    @field_validator("base_url")
    @classmethod
    def _ends_with_bot(cls, url: str) -> str:
        # PTB appends the token straight after it: ".../bot" + "123:ABC" + "/getMe".
        if not url.endswith("/bot"):
            raise ValueError("must end with /bot, e.g. https://api.telegram.org/bot")
        return url


class BotSettings(_Section):
    admins: list[int] = Field(default_factory=list)
    default_language: Language = "ru"
    # Flood control: more than `flood_burst` updates within `flood_window` seconds get one notice.
    flood_burst: int = Field(default=8, ge=1)
    flood_window: float = Field(default=5.0, gt=0)
    # Issue 22: answered and dismissed questions to the organizers are deleted after this many
    # days (open ones are kept until someone answers or dismisses them).
    question_retention_days: float = Field(default=90, gt=0, le=36500)
    # Where new questions to the organizers go: this group chat's id, or (unset) every admin.
    organizers_chat: int | None = None


class BroadcastSettings(_Section):
    # Telegram allows about 30/s (up to 1000/s for paid broadcasts); the emulator takes more.
    messages_per_second: float = Field(default=25, gt=0, le=10_000)
    # A send that gets no answer in this many seconds counts as "uncertain" and is never resent.
    request_timeout: float = Field(default=15, gt=0, le=300)


class WebhookSettings(_Section):
    """Webhook mode: Telegram POSTs updates to `url`; no [webhook] section means long polling."""

    # The public HTTPS URL Telegram posts to (behind the reverse proxy); its path is served here.
    # Plain http:// only on loopback, for a local Bot API server or the emulator.
    url: str = Field(
        pattern=r"^(https://[^/\s?#]+|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)(/[^\s?#]*)?$"
    )
    listen: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8443, ge=1, le=65535)
    # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; None: generated once, kept in
    # the database. Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and -.
    secret_token: SecretStr | None = Field(default=None)
    max_connections: int = Field(default=40, ge=1, le=100)

    @field_validator("secret_token")
    @classmethod
    def _secret_alphabet(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @property
    def path(self) -> str:
        """The path part of `url`, which this process serves."""
        return urlsplit(self.url).path or "/"


class FaceSettings(Protocol):
    """What the handlers read of the configuration (the process's `Settings` satisfies it)."""

    @property
    def bot(self) -> BotSettings: ...
