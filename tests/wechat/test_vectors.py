"""The face's protocol (wechatpy) and the emulator's own crypto against WeChat's vectors."""

from __future__ import annotations

import base64

import pytest
from wechatpy.crypto import PrpCrypto

from tests.wechat import vectors as v
from wechat.protocol import BadMessage, BadSignature, Protocol
from wxemu.crypto import AesFraming, CryptoError, signature


def test_plain_signature_vector() -> None:
    assert signature(v.PLAIN_TOKEN, v.PLAIN_TIMESTAMP, v.PLAIN_NONCE) == v.PLAIN_SIGNATURE
    protocol = Protocol(v.PLAIN_TOKEN)
    protocol.check(v.PLAIN_SIGNATURE, v.PLAIN_TIMESTAMP, v.PLAIN_NONCE)
    with pytest.raises(BadSignature):
        protocol.check(v.PLAIN_SIGNATURE[:-1] + "e", v.PLAIN_TIMESTAMP, v.PLAIN_NONCE)
    with pytest.raises(BadSignature):
        Protocol("other").check(v.PLAIN_SIGNATURE, v.PLAIN_TIMESTAMP, v.PLAIN_NONCE)


def test_plain_server_check_echoes_only_when_signed() -> None:
    query = {
        "signature": v.PLAIN_SIGNATURE,
        "timestamp": v.PLAIN_TIMESTAMP,
        "nonce": v.PLAIN_NONCE,
        "echostr": "5837397520665436492",
    }
    assert Protocol(v.PLAIN_TOKEN).echo(query) == "5837397520665436492"
    with pytest.raises(BadSignature):
        Protocol(v.PLAIN_TOKEN).echo({**query, "nonce": "tset"})


def test_encryption_vector_a_with_both_implementations() -> None:
    framing = AesFraming(v.A_AES_KEY, v.A_APP_ID)
    assert framing.encrypt(v.A_MESSAGE, random=v.A_RANDOM) == v.A_ENCRYPTED
    assert framing.decrypt(v.A_ENCRYPTED) == v.A_MESSAGE
    # wechatpy (the face's side) with the same fixed random prefix.
    prp = PrpCrypto(base64.b64decode(v.A_AES_KEY + "="))
    prp.get_random_string = lambda: v.A_RANDOM.decode()
    assert prp.encrypt(v.A_MESSAGE, v.A_APP_ID).decode() == v.A_ENCRYPTED


def test_safe_mode_server_check_vector_b() -> None:
    assert signature(v.B_TOKEN, v.B_TIMESTAMP, v.B_NONCE, v.B_ECHOSTR) == v.B_MSG_SIGNATURE
    assert AesFraming(v.B_AES_KEY, v.B_APP_ID).decrypt(v.B_ECHOSTR) == v.B_ECHO
    protocol = Protocol(v.B_TOKEN, v.B_APP_ID, v.B_AES_KEY)
    query = {
        "msg_signature": v.B_MSG_SIGNATURE,
        "timestamp": v.B_TIMESTAMP,
        "nonce": v.B_NONCE,
        "echostr": v.B_ECHOSTR,
    }
    assert protocol.echo(query) == v.B_ECHO
    with pytest.raises(BadSignature):
        protocol.echo({**query, "timestamp": "1409659590"})


def test_safe_mode_message_vector_c() -> None:
    assert signature(v.C_TOKEN, v.C_TIMESTAMP, v.C_NONCE, v.C_ENCRYPT) == v.C_MSG_SIGNATURE
    assert AesFraming(v.C_AES_KEY, v.C_APP_ID).decrypt(v.C_ENCRYPT) == v.C_DECRYPTED
    protocol = Protocol(v.C_TOKEN, v.C_APP_ID, v.C_AES_KEY)
    query = {
        "encrypt_type": "aes",
        "msg_signature": v.C_MSG_SIGNATURE,
        "timestamp": v.C_TIMESTAMP,
        "nonce": v.C_NONCE,
    }
    message, encrypted = protocol.read(query, v.C_BODY.encode())
    assert encrypted
    assert (message.user, message.account, message.kind) == (
        "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
        "gh_10f6c3c3ac5a",
        "text",
    )
    assert (message.content, message.msg_id) == ("abcdteT", "6054768590064713728")


def test_safe_mode_refuses_a_wrong_signature_key_or_app_id() -> None:
    query = {
        "encrypt_type": "aes",
        "msg_signature": v.C_MSG_SIGNATURE,
        "timestamp": v.C_TIMESTAMP,
        "nonce": v.C_NONCE,
    }
    body = v.C_BODY.encode()
    with pytest.raises(BadSignature):
        Protocol(v.C_TOKEN, v.C_APP_ID, v.C_AES_KEY).read({**query, "nonce": "1"}, body)
    with pytest.raises(BadSignature):  # another account's AppID inside the ciphertext
        Protocol(v.C_TOKEN, "wx0000000000000000", v.C_AES_KEY).read(query, body)
    with pytest.raises(BadMessage):  # another key: garbage padding and length
        Protocol(v.C_TOKEN, v.C_APP_ID, v.B_AES_KEY).read(query, body)
    with pytest.raises(CryptoError):
        AesFraming(v.B_AES_KEY, v.C_APP_ID).decrypt(v.C_ENCRYPT)
    with pytest.raises(CryptoError):
        AesFraming(v.C_AES_KEY, "wx0000000000000000").decrypt(v.C_ENCRYPT)


def test_a_reply_encrypted_by_the_face_opens_with_the_emulator() -> None:
    protocol = Protocol(v.C_TOKEN, v.C_APP_ID, v.C_AES_KEY)
    query = {
        "encrypt_type": "aes",
        "msg_signature": v.C_MSG_SIGNATURE,
        "timestamp": v.C_TIMESTAMP,
        "nonce": v.C_NONCE,
    }
    message, encrypted = protocol.read(query, v.C_BODY.encode())
    envelope = protocol.reply(message, "你好 ]]> 世界", encrypted, nonce="42")
    from wxemu.platform import WeChatPlatform

    platform = WeChatPlatform(
        "http://unused",
        v.C_TOKEN,
        account="gh_10f6c3c3ac5a",
        app_id=v.C_APP_ID,
        encoding_aes_key=v.C_AES_KEY,
    )
    shown, xml = platform.check_reply(envelope, "oyORnuP8q7ou2gfYjqLzSIWZf0rs", "42")
    assert shown == "你好 ]] > 世界"
    assert "<MsgType><![CDATA[text]]></MsgType>" in xml
