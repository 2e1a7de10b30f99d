"""Progress in one SQLite file: card states, reviews, attempts, exam runs, flags.

The file is in WAL mode with full sync, and every write runs in one `BEGIN
IMMEDIATE` transaction that reads what it needs and writes everything or nothing.
So two browser tabs grading at once are serialised, and a crash mid-write leaves
the last committed state intact. Each operation opens its own short connection,
which makes the store safe to use from any thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatehouse.study.scheduler import Deck, Grade, Review

log = logging.getLogger(__name__)

FILENAME = "progress.sqlite3"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS card_states (
    card_id    TEXT PRIMARY KEY,
    state      TEXT NOT NULL,          -- fsrs.Card.to_dict() as JSON
    due        TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reviews (
    id          INTEGER PRIMARY KEY,
    card_id     TEXT NOT NULL,
    grade       TEXT NOT NULL CHECK (grade IN ('right', 'wrong')),
    rating      INTEGER NOT NULL,
    reviewed_at TEXT NOT NULL,
    due         TEXT NOT NULL,
    source      TEXT NOT NULL,         -- 'card', 'scenario' or 'exam'
    session     TEXT
);
CREATE INDEX IF NOT EXISTS reviews_session ON reviews (session);
CREATE TABLE IF NOT EXISTS exam_runs (
    id          INTEGER PRIMARY KEY,
    exam        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    deadline    TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS exam_items (
    run_id      INTEGER NOT NULL REFERENCES exam_runs (id),
    position    INTEGER NOT NULL,
    scenario_id TEXT NOT NULL,
    answer      TEXT,
    flagged     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, position)
);
CREATE TABLE IF NOT EXISTS attempts (
    id           INTEGER PRIMARY KEY,
    scenario_id  TEXT NOT NULL,
    answer       TEXT NOT NULL,
    correct      INTEGER NOT NULL,
    attempted_at TEXT NOT NULL,
    exam_run     INTEGER REFERENCES exam_runs (id)
);
CREATE TABLE IF NOT EXISTS flags (
    item_id    TEXT PRIMARY KEY,
    flagged_at TEXT NOT NULL
);
"""


class StoreError(Exception):
    """The progress file cannot be used (newer schema, not a database)."""


@dataclass(frozen=True)
class ReviewRow:
    card_id: str
    grade: Grade
    reviewed_at: dt.datetime
    source: str
    session: str | None


@dataclass(frozen=True)
class AttemptRow:
    id: int
    scenario_id: str
    answer: str
    correct: bool
    attempted_at: dt.datetime
    exam_run: int | None


@dataclass(frozen=True)
class ExamItemRow:
    position: int
    scenario_id: str
    answer: str | None
    flagged: bool


@dataclass(frozen=True)
class ExamRunRow:
    id: int
    exam: str
    started_at: dt.datetime
    deadline: dt.datetime
    finished_at: dt.datetime | None
    items: tuple[ExamItemRow, ...]


@dataclass(frozen=True)
class NewAttempt:
    """An attempt to record, and the cards its wrong choices send back as Again."""

    scenario_id: str
    answer: str
    correct: bool
    again_cards: tuple[str, ...] = ()


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class Store:
    def __init__(self, path: Path, *, deck: Deck | None = None) -> None:
        self.path = path
        self.deck = deck or Deck()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{path} was written by a newer Gatehouse (schema {version})"
                )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @classmethod
    def in_dir(cls, data_dir: Path, *, deck: Deck | None = None) -> Store:
        return cls(data_dir / FILENAME, deck=deck)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        except sqlite3.Error as error:
            raise StoreError(f"cannot open {self.path}: {error}") from error
        try:
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            yield conn
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: {error}") from error
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: committed when the block ends, rolled back if it raises."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connect() as conn:
            return list(conn.execute(sql, tuple(params)))

    # Cards and reviews

    def card_states(self) -> dict[str, tuple[str, dt.datetime]]:
        """card id -> (FSRS state JSON, due) for every card reviewed at least once."""
        rows = self._read("SELECT card_id, state, due FROM card_states")
        return {card_id: (state, _time(due)) for card_id, state, due in rows}

    def _review_in(
        self,
        conn: sqlite3.Connection,
        card_id: str,
        grade: Grade,
        *,
        now: dt.datetime,
        source: str,
        session: str | None,
    ) -> Review:
        row = conn.execute(
            "SELECT state FROM card_states WHERE card_id = ?", (card_id,)
        )
        found = row.fetchone()
        review = self.deck.review(card_id, found[0] if found else None, grade, now=now)
        conn.execute(
            "INSERT INTO card_states (card_id, state, due, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (card_id) DO UPDATE SET state = excluded.state,"
            " due = excluded.due, updated_at = excluded.updated_at",
            (card_id, review.state_json, _iso(review.due), _iso(now)),
        )
        conn.execute(
            "INSERT INTO reviews (card_id, grade, rating, reviewed_at, due, source, session)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                card_id,
                grade.value,
                review.rating,
                _iso(now),
                _iso(review.due),
                source,
                session,
            ),
        )
        return review

    def review(
        self,
        card_id: str,
        grade: Grade,
        *,
        now: dt.datetime,
        source: str = "card",
        session: str | None = None,
    ) -> Review:
        with self.transaction() as conn:
            review = self._review_in(
                conn, card_id, grade, now=now, source=source, session=session
            )
        log.debug("reviewed %s as %s; due %s", card_id, grade.value, review.due)
        return review

    def reviews(self) -> list[ReviewRow]:
        rows = self._read(
            "SELECT card_id, grade, reviewed_at, source, session FROM reviews ORDER BY id"
        )
        return [
            ReviewRow(card_id, Grade(grade), _time(at), source, session)
            for card_id, grade, at, source, session in rows
        ]

    def session_score(self, session: str) -> tuple[int, int]:
        """(right, wrong) among the flashcard reviews of one study session."""
        rows = self._read(
            "SELECT grade, count(*) FROM reviews WHERE session = ? GROUP BY grade",
            (session,),
        )
        counted = dict(rows)
        return counted.get("right", 0), counted.get("wrong", 0)

    # Scenario attempts

    def _attempt_in(
        self,
        conn: sqlite3.Connection,
        attempt: NewAttempt,
        *,
        now: dt.datetime,
        exam_run: int | None,
    ) -> int:
        cursor = conn.execute(
            "INSERT INTO attempts (scenario_id, answer, correct, attempted_at, exam_run)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                attempt.scenario_id,
                attempt.answer,
                int(attempt.correct),
                _iso(now),
                exam_run,
            ),
        )
        source = "exam" if exam_run is not None else "scenario"
        for card_id in attempt.again_cards:
            self._review_in(
                conn, card_id, Grade.WRONG, now=now, source=source, session=None
            )
        return int(cursor.lastrowid or 0)

    def record_attempt(self, attempt: NewAttempt, *, now: dt.datetime) -> int:
        """Store the attempt and send its misconception cards back, atomically."""
        with self.transaction() as conn:
            return self._attempt_in(conn, attempt, now=now, exam_run=None)

    def attempt(self, attempt_id: int) -> AttemptRow | None:
        rows = self._read(
            "SELECT id, scenario_id, answer, correct, attempted_at, exam_run"
            " FROM attempts WHERE id = ?",
            (attempt_id,),
        )
        return _attempt_row(rows[0]) if rows else None

    def attempts(self) -> list[AttemptRow]:
        rows = self._read(
            "SELECT id, scenario_id, answer, correct, attempted_at, exam_run"
            " FROM attempts ORDER BY id"
        )
        return [_attempt_row(row) for row in rows]

    # Exam runs

    def start_exam(
        self,
        exam: str,
        scenario_ids: Iterable[str],
        *,
        now: dt.datetime,
        deadline: dt.datetime,
    ) -> int:
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO exam_runs (exam, started_at, deadline) VALUES (?, ?, ?)",
                (exam, _iso(now), _iso(deadline)),
            )
            run_id = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO exam_items (run_id, position, scenario_id) VALUES (?, ?, ?)",
                [(run_id, n, item) for n, item in enumerate(scenario_ids)],
            )
        log.info("started exam run %d", run_id)
        return run_id

    def exam_run(self, run_id: int) -> ExamRunRow | None:
        runs = self._read(
            "SELECT id, exam, started_at, deadline, finished_at FROM exam_runs WHERE id = ?",
            (run_id,),
        )
        if not runs:
            return None
        items = self._read(
            "SELECT position, scenario_id, answer, flagged FROM exam_items"
            " WHERE run_id = ? ORDER BY position",
            (run_id,),
        )
        _, exam, started, deadline, finished = runs[0]
        return ExamRunRow(
            id=run_id,
            exam=exam,
            started_at=_time(started),
            deadline=_time(deadline),
            finished_at=_time(finished) if finished else None,
            items=tuple(ExamItemRow(p, s, a, bool(f)) for p, s, a, f in items),
        )

    def exam_runs(self) -> list[int]:
        return [row[0] for row in self._read("SELECT id FROM exam_runs ORDER BY id")]

    def save_exam_answer(
        self, run_id: int, position: int, *, answer: str | None, flagged: bool
    ) -> None:
        with self.transaction() as conn:
            finished = conn.execute(
                "SELECT finished_at FROM exam_runs WHERE id = ?", (run_id,)
            ).fetchone()
            if finished is None or finished[0] is not None:
                raise StoreError(f"exam run {run_id} is finished or does not exist")
            conn.execute(
                "UPDATE exam_items SET answer = ?, flagged = ? WHERE run_id = ? AND position = ?",
                (answer, int(flagged), run_id, position),
            )

    def finish_exam(
        self, run_id: int, attempts: Iterable[NewAttempt], *, now: dt.datetime
    ) -> bool:
        """Close the run and record its attempts; False if it was already closed."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT finished_at FROM exam_runs WHERE id = ?", (run_id,)
            ).fetchone()
            if row is None or row[0] is not None:
                return False
            conn.execute(
                "UPDATE exam_runs SET finished_at = ? WHERE id = ?", (_iso(now), run_id)
            )
            for attempt in attempts:
                self._attempt_in(conn, attempt, now=now, exam_run=run_id)
        log.info("finished exam run %d", run_id)
        return True

    # Flags

    def set_flag(self, item_id: str, flagged: bool, *, now: dt.datetime) -> None:
        with self.transaction() as conn:
            if flagged:
                conn.execute(
                    "INSERT OR IGNORE INTO flags (item_id, flagged_at) VALUES (?, ?)",
                    (item_id, _iso(now)),
                )
            else:
                conn.execute("DELETE FROM flags WHERE item_id = ?", (item_id,))

    def flags(self) -> set[str]:
        return {row[0] for row in self._read("SELECT item_id FROM flags")}

    # Export

    def export(self) -> dict[str, list[dict[str, Any]]]:
        """Every table as a list of rows (column -> value), for a JSON export."""
        tables = (
            "card_states",
            "reviews",
            "attempts",
            "exam_runs",
            "exam_items",
            "flags",
        )
        exported: dict[str, list[dict[str, Any]]] = {}
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            for table in tables:
                rows = conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
                exported[table] = [dict(row) for row in rows]
        return exported


def _attempt_row(row: tuple[Any, ...]) -> AttemptRow:
    attempt_id, scenario_id, answer, correct, at, exam_run = row
    return AttemptRow(
        attempt_id, scenario_id, answer, bool(correct), _time(at), exam_run
    )
