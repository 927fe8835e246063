"""Test vectors published by WeChat, and one of wechatpy's.

A-C come from WeChat's own message encryption sample code (WXBizMsgCrypt, linked from the
"消息加解密说明" page of the Official Account documentation): A is the Java sample's
`WXBizMsgCryptTest.testAesEncrypt` (a fixed random prefix, so the ciphertext is exact), B its
`testVerifyUrl` (the signed, encrypted echostr of the server check) and C the Python sample's
`Sample.py` (a signed, encrypted message). PLAIN is the plain-mode signature of wechatpy's test
suite (tests/test_utils.py, `test_check_signature_should_ok`).
"""

from __future__ import annotations

# A: EncodingAESKey, token and AppID of WeChat's sample; the message encrypted with the random
# prefix "aaaabbbbccccdddd".
A_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
A_TOKEN = "pamtest"
A_APP_ID = "wxb11529c136998cb6"
A_RANDOM = b"aaaabbbbccccdddd"
A_MESSAGE = "我是中文abcd123"
A_ENCRYPTED = (
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
)

# B: the server check in safe mode.
B_TOKEN = "QDG6eK"
B_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
B_APP_ID = "wx5823bf96d3bd56c7"
B_MSG_SIGNATURE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
B_TIMESTAMP = "1409659589"
B_NONCE = "263014780"
B_ECHOSTR = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)
B_ECHO = "1616140317555161061"

# C: a text message pushed in safe mode (the body also carries the plain fields, as WeChat's
# "compatible mode" does).
C_TOKEN = "spamtest"
C_AES_KEY = A_AES_KEY
C_APP_ID = "wx2c2769f8efd9abc2"
C_TIMESTAMP = "1409735669"
C_NONCE = "1320562132"
C_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
C_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGH"
    "QHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tE"
    "DYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZ"
    "bGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q"
    "5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
C_BODY = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
    "<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>"
    "<CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId>"
    f"<Encrypt><![CDATA[{C_ENCRYPT}]]></Encrypt></xml>"
)
C_DECRYPTED = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n"
    "<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n"
    "<CreateTime>1409735668</CreateTime>\n"
    "<MsgType><![CDATA[text]]></MsgType>\n"
    "<Content><![CDATA[abcdteT]]></Content>\n"
    "<MsgId>6054768590064713728</MsgId>\n"
    "</xml>"
)

# Plain mode: signature of token "test", timestamp 1410685589, nonce "test".
PLAIN_TOKEN = "test"
PLAIN_TIMESTAMP = "1410685589"
PLAIN_NONCE = "test"
PLAIN_SIGNATURE = "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"
