"""WeChat's signatures and safe-mode encryption, as its documentation specifies them.

Signature: SHA-1 (hex) of the sorted, concatenated strings (token, timestamp, nonce; in safe mode
also the Encrypt text). Safe mode: AES-256-CBC with the key base64-decoded from EncodingAESKey +
"=", the IV its first 16 bytes; plaintext = 16 random bytes + the message length (4 bytes, big
endian) + the message + the AppID, padded PKCS#7 to a multiple of 32 bytes; then base64.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import struct
from typing import Any

from Crypto.Cipher import AES

BLOCK = 32


class CryptoError(Exception):
    """A ciphertext that does not decrypt to a well-framed message for the AppID."""


def signature(*parts: str) -> str:
    """WeChat's signature of `parts` (token, timestamp, nonce[, encrypt])."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


class AesFraming:
    """Safe mode's encryption for one account (EncodingAESKey and AppID)."""

    def __init__(self, encoding_aes_key: str, app_id: str) -> None:
        key = base64.b64decode(encoding_aes_key + "=")
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        self._key = key
        self.app_id = app_id

    def _cipher(self) -> Any:
        # A CBC cipher object serves one message only: a new one for each.
        return AES.new(self._key, AES.MODE_CBC, iv=self._key[:16])

    def encrypt(self, text: str, random: bytes | None = None) -> str:
        """`text` framed, padded and encrypted, base64 (`random`: fixed 16 bytes, for vectors)."""
        body = text.encode("utf-8")
        plain = (
            (random or secrets.token_bytes(16))
            + struct.pack(">I", len(body))
            + body
            + self.app_id.encode("utf-8")
        )
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        return base64.b64encode(self._cipher().encrypt(plain)).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """The message inside `encrypted` (CryptoError if framing, padding or AppID is wrong)."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except ValueError:
            raise CryptoError("not base64") from None
        if not data or len(data) % 16:
            raise CryptoError("not whole AES blocks")
        plain: bytes = self._cipher().decrypt(data)
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding")
        plain = plain[16:-pad]
        if len(plain) < 4:
            raise CryptoError("too short")
        (length,) = struct.unpack(">I", plain[:4])
        message, app_id = plain[4 : 4 + length], plain[4 + length :]
        if len(message) != length or app_id.decode("utf-8", "replace") != self.app_id:
            raise CryptoError("wrong length or AppID")
        return message.decode("utf-8")
