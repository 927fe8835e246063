"""The WeChat face's section of the configuration file: [wechat].

The process (bot/config.py) composes it with the other sections; `[wechat]` present means the
process's web server serves the WeChat endpoint.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


# WeChat's rules for the server token (3-32 letters and digits) and EncodingAESKey (43 characters
# of base64 without the padding).
_WECHAT_TOKEN = re.compile(r"[A-Za-z0-9]{3,32}")
_WECHAT_AES_KEY = re.compile(r"[A-Za-z0-9+/]{43}")


class WeChatSettings(_Section):
    """The WeChat Official Account face (wechat/): present = served by the process's web server."""

    # The token set in the account's server configuration; every request is signed with it.
    token: SecretStr
    # The path WeChat POSTs to (the account's server URL is [web] base_url + path).
    path: str = Field(default="/wechat", pattern=r"^/[A-Za-z0-9._~/-]*$")
    # Safe mode (AES-encrypted messages) when both are set; plain mode otherwise.
    app_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    encoding_aes_key: SecretStr | None = None
    # Only `python -m bot wechat-menu` uses these: with app_id, it posts the custom menu.
    app_secret: SecretStr | None = None
    api_base_url: str = Field(default="https://api.weixin.qq.com", pattern=r"^https?://\S+$")

    @field_validator("token")
    @classmethod
    def _token_alphabet(cls, value: SecretStr) -> SecretStr:
        if not _WECHAT_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("must be 3-32 letters and digits (as WeChat requires)")
        return value

    @field_validator("encoding_aes_key")
    @classmethod
    def _aes_key_alphabet(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WECHAT_AES_KEY.fullmatch(value.get_secret_value()):
            raise ValueError("must be the 43 characters WeChat shows (A-Z, a-z, 0-9, + and /)")
        return value

    @model_validator(mode="after")
    def _safe_mode_needs_app_id(self) -> WeChatSettings:
        if self.encoding_aes_key is not None and self.app_id is None:
            raise ValueError("encoding_aes_key needs app_id too (safe mode uses both)")
        return self

    @property
    def safe_mode(self) -> bool:
        """Messages are AES-encrypted (both app_id and encoding_aes_key are set)."""
        return self.app_id is not None and self.encoding_aes_key is not None

    def secrets(self) -> list[str]:
        """Every secret of the section, for the log redaction."""
        values = [self.token, self.encoding_aes_key, self.app_secret]
        return [v.get_secret_value() for v in values if v is not None]
