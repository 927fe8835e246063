"""Secrets never reach the output: a rejected token at start-up, and any log record."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from redaction import MASK, SecretFilter
from tests.conftest import BOT_USERNAME, TOKEN, run_until_exit, write_config
from tgemu import BotApiEmulator

SECRET = TOKEN.split(":", 1)[1]


@pytest.mark.slow
async def test_a_rejected_token_is_one_line_without_the_token(tmp_path: Path) -> None:
    """Telegram answers 401 to every call: the token is wrong."""
    emulator = BotApiEmulator(token="654321:SOME-OTHER-TOKEN", bot_username=BOT_USERNAME)
    await emulator.start()
    try:
        config = write_config(tmp_path / "config.toml", emulator.base_url, tmp_path / "db.sqlite3")
        code, output = await run_until_exit(config)
    finally:
        await emulator.stop()
    assert emulator.calls("getMe")  # it did ask, and was refused
    assert SECRET not in output, output
    assert code == 2, output
    assert "Traceback" not in output, output
    assert output.strip().splitlines() == [output.strip()] and "rejected" in output, output


@pytest.mark.slow
async def test_a_mistyped_base_url_404_never_prints_the_token(tmp_path: Path) -> None:
    """A base_url with a wrong path: every call is 404 Not Found."""
    emulator = BotApiEmulator(token=TOKEN, bot_username=BOT_USERNAME)
    await emulator.start()
    try:
        wrong = emulator.base_url.replace("/bot", "/api/bot")
        config = write_config(tmp_path / "config.toml", wrong, tmp_path / "db.sqlite3")
        code, output = await run_until_exit(config)
    finally:
        await emulator.stop()
    assert SECRET not in output, output
    assert code == 2, output
    assert output.strip().splitlines() == [output.strip()], output  # one line
    assert output.startswith("error: ") and "Traceback" not in output, output


def test_every_part_of_a_record_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    """Message, arguments, exception text and stack: whichever handler prints the record."""
    secrets = SecretFilter()
    secrets.register(TOKEN)
    secrets.register("webhook-secret-value")
    logger = logging.getLogger("tests.redaction")
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(secrets)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling https://api.test/bot%s/getMe", TOKEN)
        logger.warning("key alone: %s, quoted: %s", SECRET, "123456%3ATEST-TOKEN")
        logger.warning("header %r", {"X-Telegram-Bot-Api-Secret-Token": "webhook-secret-value"})
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            logger.exception("start-up failed")
        logger.warning("where", stack_info=True, extra={"note": TOKEN})
    finally:
        logger.removeHandler(handler)
    printed = capsys.readouterr().err
    assert SECRET not in printed and "webhook-secret-value" not in printed, printed
    assert printed.count(MASK) == 5
    assert "RuntimeError" in printed and "Traceback" in printed  # redacted, not dropped


def test_a_short_secret_is_masked_where_it_stands_alone() -> None:
    """WeChat allows a 3-character server token: it is masked as a word of its own (in a
    query string, after a colon, at the end of a sentence), never inside other words."""
    secrets = SecretFilter()
    secrets.register("Zq7")
    text = "GET /wechat?signature=x&token=Zq7&nonce=1 token: Zq7. Zq7x xZq7 aZq7b zq7"
    assert secrets.redact(text) == (
        f"GET /wechat?signature=x&token={MASK}&nonce=1 token: {MASK}. Zq7x xZq7 aZq7b zq7"
    )
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "token %s", ("Zq7",), None)
    secrets.filter(record)
    assert record.getMessage() == f"token {MASK}"
