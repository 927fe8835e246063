"""The shipped migrations stay as they shipped; the language CHECKs allow exactly the languages."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from storage import migrations
from storage.content import LANGUAGES
from storage.db import connect

# The SHA-256 of each migration's SQL as it shipped (taken from the release before the language
# CHECKs were generated from one constant). A database migrated by an older release must have
# run exactly this text: a change here is an edit of a shipped migration, which is never allowed.
SHIPPED = {
    "FACT_STORE": "272da88d7bb174e72ffc969356f1069441df8fb4bec5152aaa1f3879576ce007",
    "BROADCASTS": "7aa7cd31530c8bab706135705e28b14239df7d34dc34956c87e254d8e59ca851",
    "ANSWERS": "574431cdf4563681619927d5bdbe9001d5cd6a773e4a6a56c5e6858957c4d5f7",
    "ORGANIZERS": "347ec556c40c60d368dc4010a1d0f679b41bf57751acc92b4bc6d25611b74694",
    "INBOX": "f9f8f1d9f367398813ebcfb070db6e3fbdbe0a850e35171c9627c3fdc7102e75",
    "BROADCAST_TOKENS": "473c2372d89beff8137cd6b9e2b5b3cc2973548ec1bed853f8f1888aaf00d877",
}


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_migration_is_byte_identical(name: str) -> None:
    sql: str = getattr(migrations, name)
    assert hashlib.sha256(sql.encode("utf-8")).hexdigest() == SHIPPED[name]


def test_the_shipped_migrations_keep_their_order() -> None:
    # Migration N is what brought user_version to N: new ones may only be appended.
    shipped = tuple(getattr(migrations, name) for name in SHIPPED)
    assert migrations.MIGRATIONS[: len(shipped)] == shipped


def test_no_language_list_is_written_out_by_hand() -> None:
    # Every `IN ('ru', 'zh', 'en')` in the module is generated from storage.content.LANGUAGES.
    source = Path(migrations.__file__).read_text(encoding="utf-8")
    assert "'ru'" not in source and "'zh'" not in source and "'en'" not in source
    assert migrations.LANGUAGES_SQL == "('ru', 'zh', 'en')"


# Every column whose CHECK lists the languages, with what else a row needs to be inserted.
LANGUAGE_COLUMNS = [
    ("source_i18n", "lang", {"title": "t", "subtitle": "s"}),
    ("event_items", "lang", {"section": "context", "position": 1, "body": "b"}),
    ("users", "language", {"id": 7, "first_seen": 1, "last_seen": 1}),
    ("broadcasts", "author_language", {"author_id": 1, "status": "draft", "created_at": 1}),
    ("broadcasts", "audience_language", {"author_id": 1, "author_language": "en",
                                         "status": "draft", "created_at": 1}),
]  # fmt: skip


@pytest.mark.parametrize(("table", "column", "row"), LANGUAGE_COLUMNS)
async def test_a_language_column_takes_exactly_the_languages(
    tmp_path: Path, table: str, column: str, row: dict[str, object]
) -> None:
    connection = await connect(tmp_path / "bot.sqlite3")
    try:
        for language in (*LANGUAGES, "de", "RU", ""):
            values = {**row, column: language}
            names = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"
            if language in LANGUAGES:
                await connection.execute(insert, tuple(values.values()))
                await connection.execute(f"DELETE FROM {table}")
            else:
                with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
                    await connection.execute(insert, tuple(values.values()))
    finally:
        await connection.close()
