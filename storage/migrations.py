"""Schema migrations, append-only: migration N brings `PRAGMA user_version` from N-1 to N.

Never edit a migration that has shipped; add a new one. Each runs in one transaction.
"""

from __future__ import annotations

from storage.content import LANGUAGES

# The languages a column may hold, as an SQL list, built from the project's one list of languages.
# The shipped migrations' text is pinned byte for byte (tests/storage/test_migrations.py), so a
# new language fails that test on purpose: freeze today's list for the shipped migrations and add
# one that rebuilds the CHECKs.
LANGUAGES_SQL = "(" + ", ".join(f"'{language}'" for language in LANGUAGES) + ")"

# 1: the conference fact store (domain tables with one translation row per language),
#    the full-text index and the users table.
FACT_STORE = f"""
CREATE TABLE content_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE source (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    date TEXT NOT NULL
);
CREATE TABLE source_i18n (
    lang     TEXT PRIMARY KEY CHECK (lang IN {LANGUAGES_SQL}),
    title    TEXT NOT NULL,
    subtitle TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE event (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    date TEXT NOT NULL
);
CREATE TABLE event_i18n (
    lang     TEXT PRIMARY KEY CHECK (lang IN {LANGUAGES_SQL}),
    title    TEXT NOT NULL,
    city     TEXT NOT NULL,
    province TEXT NOT NULL
) WITHOUT ROWID;
-- The event's lists: context, format, presented, other_participants.
CREATE TABLE event_items (
    section  TEXT NOT NULL,
    position INTEGER NOT NULL,
    lang     TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    body     TEXT NOT NULL,
    PRIMARY KEY (section, position, lang)
) WITHOUT ROWID;

CREATE TABLE organizations (
    id       TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    founded  TEXT
) WITHOUT ROWID;
CREATE TABLE organization_i18n (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lang            TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    name            TEXT NOT NULL,
    short_name      TEXT,
    role_text       TEXT NOT NULL,
    PRIMARY KEY (organization_id, lang)
) WITHOUT ROWID;
CREATE TABLE organization_roles (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('organizer', 'participant', 'media')),
    PRIMARY KEY (organization_id, role)
) WITHOUT ROWID;
-- Every name an organization may be asked by: its names, short names and aliases, lowercased.
CREATE TABLE organization_names (
    name            TEXT NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (name, organization_id)
) WITHOUT ROWID;
CREATE TABLE organization_paragraphs (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    lang            TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    body            TEXT NOT NULL,
    PRIMARY KEY (organization_id, position, lang)
) WITHOUT ROWID;
CREATE TABLE figures (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    value           TEXT NOT NULL,
    PRIMARY KEY (organization_id, position)
) WITHOUT ROWID;
CREATE TABLE figure_i18n (
    organization_id TEXT NOT NULL,
    position        INTEGER NOT NULL,
    lang            TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    label           TEXT NOT NULL,
    PRIMARY KEY (organization_id, position, lang),
    FOREIGN KEY (organization_id, position) REFERENCES figures (organization_id, position)
        ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE people (
    id              TEXT PRIMARY KEY,
    position        INTEGER NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('chair', 'speaker'))
) WITHOUT ROWID;
CREATE TABLE person_i18n (
    person_id TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    lang      TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    name      TEXT NOT NULL,
    title     TEXT NOT NULL,
    role_text TEXT NOT NULL,
    PRIMARY KEY (person_id, lang)
) WITHOUT ROWID;

CREATE TABLE statements (
    id           TEXT PRIMARY KEY,
    position     INTEGER NOT NULL,
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    published_in TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE statement_i18n (
    statement_id TEXT NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
    lang         TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    body         TEXT NOT NULL,
    PRIMARY KEY (statement_id, lang)
) WITHOUT ROWID;

CREATE TABLE contacts (
    id              TEXT PRIMARY KEY,
    position        INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    value           TEXT NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE contact_i18n (
    contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    lang       TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    label      TEXT NOT NULL,
    PRIMARY KEY (contact_id, lang)
) WITHOUT ROWID;

-- One row per card and language; the trigram tokenizer matches any 3+ character substring,
-- so Russian stems and Chinese words hit without a language-specific stemmer.
CREATE VIRTUAL TABLE search_index USING fts5(
    card UNINDEXED,
    lang UNINDEXED,
    title,
    body,
    tokenize = 'trigram'
);
-- Rank a hit in a card's title ten times a hit in its body (columns: card, lang, title, body).
INSERT INTO search_index (search_index, rank) VALUES ('rank', 'bm25(0.0, 0.0, 10.0, 1.0)');

CREATE TABLE users (
    id                 INTEGER PRIMARY KEY,
    language           TEXT CHECK (language IN {LANGUAGES_SQL}),
    telegram_language  TEXT,
    first_seen         INTEGER NOT NULL,
    last_seen          INTEGER NOT NULL
);
"""

# 2: subscriptions and broadcasts. Users get a subscription flag and a "blocked the bot" flag;
#    a broadcast has one text per language and one outbox row per recipient, written in one
#    transaction when it is confirmed; news are the broadcasts that went out.
BROADCASTS = f"""
ALTER TABLE users ADD COLUMN subscribed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN subscribed_at INTEGER;
ALTER TABLE users ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN blocked_at INTEGER;
ALTER TABLE users ADD COLUMN blocked_reason TEXT;
CREATE INDEX users_subscribers ON users (id) WHERE subscribed = 1 AND blocked = 0;
CREATE INDEX users_reachable ON users (id) WHERE blocked = 0;

CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    author_id           INTEGER NOT NULL,
    author_language     TEXT NOT NULL CHECK (author_language IN {LANGUAGES_SQL}),
    status              TEXT NOT NULL CHECK (
        status IN ('composing', 'draft', 'sending', 'done', 'stopped', 'cancelled')
    ),
    -- While composing: the language whose text is awaited next.
    step                TEXT CHECK (step IN {LANGUAGES_SQL}),
    audience            TEXT CHECK (audience IN ('subscribers', 'all')),
    total               INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    queued_at           INTEGER,
    finished_at         INTEGER,
    progress_chat_id    INTEGER,
    progress_message_id INTEGER
);
CREATE INDEX broadcasts_status ON broadcasts (status, id);
CREATE INDEX broadcasts_author ON broadcasts (author_id, status);

CREATE TABLE broadcast_texts (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    lang         TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    body         TEXT NOT NULL,
    PRIMARY KEY (broadcast_id, lang)
) WITHOUT ROWID;

-- One row per recipient of a confirmed broadcast. `lang` is the recipient's language at
-- confirmation time; `not_before` (unix seconds) delays a retry.
CREATE TABLE outbox (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    lang         TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (
        state IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'uncertain', 'cancelled')
    ),
    attempts     INTEGER NOT NULL DEFAULT 0,
    not_before   REAL NOT NULL DEFAULT 0,
    error        TEXT,
    updated_at   INTEGER,
    PRIMARY KEY (broadcast_id, user_id)
) WITHOUT ROWID;
-- The worker's queue (state = 'pending' in key order) and crash recovery (state = 'sending').
CREATE INDEX outbox_state ON outbox (state, broadcast_id, user_id);
"""

# 3: the answer engine (answers/engine.py): one row per answerable unit of the content, an
#    FTS5 index over its stemmed/segmented terms in all languages (rowid = unit id; plain
#    unicode61, the terms are already normalized), the Chinese segmenter's dictionary and the
#    known word forms for typo and transliteration matching. Filled by storage/loader.py.
ANSWERS = """
CREATE TABLE answer_units (
    id     INTEGER PRIMARY KEY,
    card   TEXT NOT NULL,
    form   TEXT NOT NULL,
    kinds  TEXT NOT NULL,
    fields TEXT NOT NULL,
    -- Space-separated terms of the names of what the unit is about, and of all its text.
    subject_terms TEXT NOT NULL,
    terms  TEXT NOT NULL
);
CREATE VIRTUAL TABLE answer_index USING fts5(
    subject,
    body,
    tokenize = 'unicode61 remove_diacritics 0'
);
-- A term in the names of what a fact is about counts twice a term in its text.
INSERT INTO answer_index (answer_index, rank) VALUES ('rank', 'bm25(2.0, 1.0)');
CREATE TABLE answer_lexicon (
    word TEXT PRIMARY KEY,
    freq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE answer_words (
    form TEXT PRIMARY KEY,
    term TEXT NOT NULL
) WITHOUT ROWID;
"""


# 4: the organizers' toolkit. Broadcasts may wait for a due time (status 'scheduled', `due_at`;
#    `started_at` records when sending actually began, so the report can say how late) and may
#    go to one language's readers (`audience_language`); each language version may be a photo
#    or a document sent by its Telegram file_id, the text being its caption.
#    SQLite cannot widen a CHECK constraint in place, so `broadcasts` is rebuilt the documented
#    way (create, copy, drop, rename); migrations run with foreign keys off (storage/db.py), so
#    dropping the old table does not cascade into the outbox and texts that refer to it.
ORGANIZERS = f"""
CREATE TABLE broadcasts_new (
    id                  INTEGER PRIMARY KEY,
    author_id           INTEGER NOT NULL,
    author_language     TEXT NOT NULL CHECK (author_language IN {LANGUAGES_SQL}),
    status              TEXT NOT NULL CHECK (
        status IN ('composing', 'draft', 'scheduled', 'sending', 'done', 'stopped', 'cancelled')
    ),
    -- While composing: the language whose text is awaited next.
    step                TEXT CHECK (step IN {LANGUAGES_SQL}),
    audience            TEXT CHECK (audience IN ('subscribers', 'all')),
    total               INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    queued_at           INTEGER,
    finished_at         INTEGER,
    progress_chat_id    INTEGER,
    progress_message_id INTEGER,
    -- Only recipients who read this language (NULL: every language).
    audience_language   TEXT CHECK (audience_language IN {LANGUAGES_SQL}),
    -- Unix time a scheduled broadcast is due (NULL: sent as soon as it is confirmed).
    due_at              REAL,
    -- Unix time its recipients were resolved and sending began.
    started_at          REAL
);
INSERT INTO broadcasts_new (
    id, author_id, author_language, status, step, audience, total, created_at, queued_at,
    finished_at, progress_chat_id, progress_message_id, started_at
)
SELECT id, author_id, author_language, status, step, audience, total, created_at, queued_at,
    finished_at, progress_chat_id, progress_message_id, queued_at
FROM broadcasts;
DROP TABLE broadcasts;
ALTER TABLE broadcasts_new RENAME TO broadcasts;
CREATE INDEX broadcasts_status ON broadcasts (status, id);
CREATE INDEX broadcasts_author ON broadcasts (author_id, status);
-- The worker's look for broadcasts that have come due.
CREATE INDEX broadcasts_due ON broadcasts (due_at) WHERE status = 'scheduled';

ALTER TABLE broadcast_texts ADD COLUMN media_kind TEXT CHECK (media_kind IN ('photo', 'document'));
ALTER TABLE broadcast_texts ADD COLUMN media_file_id TEXT;
"""


# 5: the durable inbox: every update Telegram sent, written before Telegram is told we have it
#    (handlers/transport/inbox.py); `done_at` once its handlers finished. Done rows are pruned
#    after a while, except the newest, whose update_id is where polling resumes.
#    `runtime_state` keeps values the process generates once and reuses, such as the webhook
#    secret token.
INBOX = """
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    payload     TEXT NOT NULL,
    received_at REAL NOT NULL,
    done_at     REAL
);
CREATE INDEX inbox_pending ON inbox (update_id) WHERE done_at IS NULL;
CREATE INDEX inbox_done ON inbox (done_at) WHERE done_at IS NOT NULL;

CREATE TABLE runtime_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""


# 6: drafts belong to their author and are addressed by an unguessable token (buttons carry
#    it, never the sequential id); `confirming_at` marks a confirmation in progress, so a
#    crash before the outbox was written is shown to the organizer again on start.
BROADCAST_TOKENS = """
ALTER TABLE broadcasts ADD COLUMN token TEXT;
ALTER TABLE broadcasts ADD COLUMN confirming_at INTEGER;
UPDATE broadcasts SET token = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX broadcasts_token ON broadcasts (token);
CREATE INDEX broadcasts_confirming ON broadcasts (id) WHERE confirming_at IS NOT NULL;
"""

# 7: one matcher for "what did the user mean": the answer engine's index answers questions,
#    /org names and fragments, so the second full-text index (trigrams) is dropped.
ONE_SEARCH_INDEX = """
DROP TABLE IF EXISTS search_index;
"""

# 8: issue 22, the loop with the organizers (storage/asked.py, storage/faq.py).
#    `asked_questions`: what a participant asked the organizers, exactly as typed (no name:
#    admins see the asker's first name only in the live notice), addressed in buttons by an
#    unguessable token; the organizers' answer and its delivery state are on the same row, so
#    "answered" and "to deliver" are one write. `asked_notices`: the admin messages showing a
#    question, edited when someone answers it. `answering`: an admin whose next message is the
#    answer to a question. `unanswered`: questions that got "not in the article" or "Not
#    helpful", with the engine's normal form (`wording_key`) the report groups by and a token
#    the Ask button carries. `faq_entries`/`faq_texts`: the organizers' FAQ, kept apart from
#    the content tables, so /reload never touches it.
ORGANIZERS_LOOP = f"""
CREATE TABLE asked_questions (
    id           INTEGER PRIMARY KEY,
    token        TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL,
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER,
    lang         TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    text         TEXT NOT NULL,
    origin       TEXT NOT NULL CHECK (origin IN ('ask', 'nothing', 'unhelpful')),
    state        TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered', 'dismissed')),
    created_at   REAL NOT NULL,
    closed_at    REAL,
    closed_by    INTEGER,
    -- The first name of the admin who closed it, shown to the other admins.
    closed_by_name TEXT,
    answer_html  TEXT,
    answer_media TEXT,
    delivery     TEXT CHECK (
        delivery IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'uncertain')
    ),
    delivery_error TEXT,
    faq_id       INTEGER
);
CREATE INDEX asked_open ON asked_questions (state, id);
CREATE INDEX asked_by_user ON asked_questions (user_id, state);
CREATE INDEX asked_delivery ON asked_questions (delivery) WHERE delivery IN ('pending', 'sending');
CREATE INDEX asked_closed ON asked_questions (closed_at) WHERE state != 'open';

CREATE TABLE asked_notices (
    question_id INTEGER NOT NULL REFERENCES asked_questions (id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    PRIMARY KEY (question_id, chat_id, message_id)
) WITHOUT ROWID;

CREATE TABLE answering (
    admin_id    INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES asked_questions (id) ON DELETE CASCADE,
    started_at  REAL NOT NULL
);

CREATE TABLE unanswered (
    id          INTEGER PRIMARY KEY,
    token       TEXT NOT NULL UNIQUE,
    text        TEXT NOT NULL,
    lang        TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    wording_key TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('nothing', 'unhelpful')),
    message_id  INTEGER,
    asked       INTEGER NOT NULL DEFAULT 0,
    at          REAL NOT NULL
);
CREATE INDEX unanswered_wording ON unanswered (lang, wording_key);
CREATE INDEX unanswered_at ON unanswered (at);

CREATE TABLE faq_entries (
    id         INTEGER PRIMARY KEY,
    token      TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    author_id  INTEGER NOT NULL
);
-- Per language: the phrasings (one per line) and the answer (Telegram HTML).
CREATE TABLE faq_texts (
    entry_id  INTEGER NOT NULL REFERENCES faq_entries (id) ON DELETE CASCADE,
    lang      TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    questions TEXT NOT NULL DEFAULT '',
    answer    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (entry_id, lang)
) WITHOUT ROWID;
-- An admin writing a FAQ entry: the step awaited next ('questions:en', 'answer:zh', ...).
CREATE TABLE faq_composing (
    admin_id   INTEGER PRIMARY KEY,
    entry_id   INTEGER NOT NULL REFERENCES faq_entries (id) ON DELETE CASCADE,
    step       TEXT NOT NULL,
    started_at REAL NOT NULL
);
"""

# 9 (issue 26): a draft remembers the update that made it, so a /broadcast replayed after a
#    crash (its done mark not yet on disk) finds its draft instead of making a second one, and
#    whether its preview went out (a replay sends it only if it did not).
BROADCAST_SOURCES = """
ALTER TABLE broadcasts ADD COLUMN source_update INTEGER;
ALTER TABLE broadcasts ADD COLUMN previewed_at INTEGER;
CREATE UNIQUE INDEX broadcasts_source_update ON broadcasts (source_update)
    WHERE source_update IS NOT NULL;
"""


# 10 (programme, issue 24): a conference programme imported from the organizer's frab/c3voc
#    schedule file (storage/programme_file.py). Sessions stay once imported: a session missing
#    from a later file is `cancelled`, so favourites, links and calendars still resolve; every
#    change bumps its `sequence` (iCalendar SEQUENCE). Favourites are what users starred;
#    `programme_changes` records each move, re-rooming or cancellation; `programme_deliveries`
#    is the durable queue of reminders and change notices the delivery worker's pace drains
#    (handlers/transport/programme_outbox.py): one row per (kind, session, user, ref), ref being the
#    start a reminder is for or the change a notice tells, so each is sent at most once per key.
PROGRAMME = f"""
CREATE TABLE programme_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE programme_sessions (
    id        TEXT PRIMARY KEY,
    guid      TEXT NOT NULL,
    title     TEXT NOT NULL,
    subtitle  TEXT NOT NULL DEFAULT '',
    abstract  TEXT NOT NULL DEFAULT '',
    room      TEXT NOT NULL,
    track     TEXT,
    language  TEXT,
    -- JSON list of the speakers' names, in the file's order.
    persons   TEXT NOT NULL DEFAULT '[]',
    starts_at REAL NOT NULL,
    ends_at   REAL NOT NULL,
    -- The day it belongs to in the conference's time zone (YYYY-MM-DD).
    day       TEXT NOT NULL,
    cancelled INTEGER NOT NULL DEFAULT 0,
    sequence  INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX programme_sessions_time ON programme_sessions (starts_at, room);

CREATE TABLE programme_texts (
    session_id TEXT NOT NULL REFERENCES programme_sessions (id) ON DELETE CASCADE,
    lang       TEXT NOT NULL CHECK (lang IN {LANGUAGES_SQL}),
    title      TEXT,
    abstract   TEXT,
    PRIMARY KEY (session_id, lang)
) WITHOUT ROWID;

CREATE TABLE programme_favourites (
    session_id TEXT NOT NULL REFERENCES programme_sessions (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (session_id, user_id)
) WITHOUT ROWID;
CREATE INDEX programme_favourites_user ON programme_favourites (user_id);

CREATE TABLE programme_changes (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES programme_sessions (id) ON DELETE CASCADE,
    old_start  REAL NOT NULL,
    new_start  REAL NOT NULL,
    old_room   TEXT NOT NULL,
    new_room   TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('changed', 'cancelled', 'restored')),
    created_at REAL NOT NULL
);

CREATE TABLE programme_deliveries (
    kind       TEXT NOT NULL CHECK (kind IN ('reminder', 'change')),
    session_id TEXT NOT NULL,
    user_id    INTEGER NOT NULL,
    ref        REAL NOT NULL,
    due_at     REAL NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (
        state IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'uncertain', 'cancelled',
                  'missed')
    ),
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT,
    updated_at REAL,
    PRIMARY KEY (kind, session_id, user_id, ref)
) WITHOUT ROWID;
CREATE INDEX programme_deliveries_due ON programme_deliveries (state, due_at);
"""


# 11 (issue 23): the WeChat face's people, by openid (WeChat's id of a user for this account, sent
#    with every message), with the language they chose by sending its name; nothing else.
WECHAT_USERS = f"""
CREATE TABLE wechat_users (
    openid     TEXT PRIMARY KEY,
    language   TEXT CHECK (language IN {LANGUAGES_SQL}),
    first_seen INTEGER NOT NULL
) WITHOUT ROWID;
"""

MIGRATIONS: tuple[str, ...] = (
    FACT_STORE,
    BROADCASTS,
    ANSWERS,
    ORGANIZERS,
    INBOX,
    BROADCAST_TOKENS,
    ONE_SEARCH_INDEX,
    ORGANIZERS_LOOP,  # issue 22: the loop with the organizers
    BROADCAST_SOURCES,  # issue 26: a replayed /broadcast finds its draft
    PROGRAMME,  # issue 24: the conference programme, favourites, reminders
    WECHAT_USERS,  # issue 23: the WeChat face's users and their languages
)
