"""The lab's state: a SQLite file that holds every account's IAM entities,
instances and credentials, written atomically and shared by every request thread.

Entities are JSON documents keyed by (account, kind, name). Each write runs in one
`BEGIN IMMEDIATE` transaction and bumps a revision number, so readers can cache
what they derive from the state (compiled policies) until the revision moves.
A crash or a failed request never leaves a half-written change behind.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entities (
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    id TEXT,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, kind, name)
);
CREATE INDEX IF NOT EXISTS entities_by_id ON entities (id);
CREATE TABLE IF NOT EXISTS credentials (
    access_key_id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    doc TEXT NOT NULL,
    expires_at TEXT
);
"""


class Kind(Enum):
    """The kinds of entity the state holds, per account."""

    ACCOUNT = "account"
    ORGANIZATION = "organization"
    USER = "user"
    GROUP = "group"
    ROLE = "role"
    POLICY = "policy"
    INSTANCE_PROFILE = "instance-profile"
    INSTANCE = "instance"
    MFA_DEVICE = "mfa-device"
    IDENTITY_PROVIDER = "identity-provider"
    ACCOUNT_SETTINGS = "account-settings"
    IMAGE = "image"
    SECURITY_GROUP = "security-group"


GLOBAL = "global"  # the pseudo-account of organization-wide entities


@dataclass(frozen=True)
class Entity:
    account: str
    kind: Kind
    name: str
    id: str | None
    doc: Mapping[str, Any]


class StateError(Exception):
    """The state file cannot be used (wrong schema, unreadable)."""


class LabState:
    """A handle on the state file. Safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._revision = self._read_revision()
        self._check_schema()
        self._checkpointer: _Checkpointer | None = None

    def checkpoint_in_background(self, interval: float = 2.0) -> None:
        """Move WAL checkpoints (and their fsync) off the request path.

        SQLite otherwise checkpoints inside whichever commit crosses the WAL
        threshold, which puts a disk flush into that one request's latency.
        """
        if self._checkpointer is not None:
            return
        with self._lock:
            self._conn.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer = _Checkpointer(self.path, interval)
        self._checkpointer.start()

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        with self._lock:
            self._conn.close()

    # -- transactions -------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[StateWriter]:
        """One atomic change: everything inside commits together or not at all."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                writer = StateWriter(self._conn)
                yield writer
                # A transaction that only added new credentials changes nothing
                # a cache derives (policies, known callers), so the revision
                # stays: issuing a session does not flush every cache.
                if writer.changed:
                    self._revision += 1
                    self._set_meta("revision", str(self._revision))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                self._revision = self._read_revision()
                raise

    @property
    def revision(self) -> int:
        """Moves on every committed change; caches key on it."""
        return self._revision

    @property
    def is_empty(self) -> bool:
        with self._lock:
            row = self._conn.execute("SELECT COUNT(*) FROM entities").fetchone()
        return int(row[0]) == 0

    # -- reads ---------------------------------------------------------------------

    def get(self, account: str, kind: Kind, name: str) -> Entity | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, doc FROM entities WHERE account=? AND kind=? AND name=?",
                (account, kind.value, name),
            ).fetchone()
        if row is None:
            return None
        return Entity(account, kind, name, row[0], json.loads(row[1]))

    def by_id(self, entity_id: str) -> Entity | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT account, kind, name, doc FROM entities WHERE id=?", (entity_id,)
            ).fetchone()
        if row is None:
            return None
        return Entity(row[0], Kind(row[1]), row[2], entity_id, json.loads(row[3]))

    def entities(self, account: str, kind: Kind) -> list[Entity]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT name, id, doc FROM entities WHERE account=? AND kind=? ORDER BY name",
                (account, kind.value),
            ).fetchall()
        return [Entity(account, kind, r[0], r[1], json.loads(r[2])) for r in rows]

    def accounts(self) -> list[Entity]:
        return self.entities(GLOBAL, Kind.ACCOUNT)

    def credential(self, access_key_id: str) -> Mapping[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT doc FROM credentials WHERE access_key_id=?", (access_key_id,)
            ).fetchone()
        return None if row is None else json.loads(row[0])

    def credentials(self, account: str) -> list[Mapping[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT doc FROM credentials WHERE account=? ORDER BY access_key_id",
                (account,),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM meta WHERE key=?", (key,)
            ).fetchone()
        return None if row is None else str(row[0])

    # -- housekeeping --------------------------------------------------------------

    def clear(self) -> None:
        """Forget everything (used by reset before seeding the world again)."""
        with self.write() as w:
            w.conn.execute("DELETE FROM entities")
            w.conn.execute("DELETE FROM credentials")
            w.conn.execute("DELETE FROM meta WHERE key NOT IN ('revision', 'schema')")

    def purge_expired(self, now: datetime | None = None) -> int:
        """Drop temporary credentials past their expiry; returns how many."""
        moment = (now or datetime.now(UTC)).isoformat()
        with self.write() as w:
            cursor = w.conn.execute(
                "DELETE FROM credentials WHERE expires_at IS NOT NULL AND expires_at < ?",
                (moment,),
            )
            return cursor.rowcount

    def _read_revision(self) -> int:
        row = self._conn.execute(
            "SELECT value FROM meta WHERE key='revision'"
        ).fetchone()
        return int(row[0]) if row else 0

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    def _check_schema(self) -> None:
        found = self.meta("schema")
        if found is None:
            with self._lock:
                self._set_meta("schema", str(SCHEMA_VERSION))
            return
        if int(found) != SCHEMA_VERSION:
            raise StateError(
                f"{self.path} has state schema {found}; this Gatehouse reads "
                f"{SCHEMA_VERSION}. Run `gatehouse lab reset` to start again."
            )


class _Checkpointer(threading.Thread):
    """Checkpoints the WAL every few seconds from its own connection."""

    def __init__(self, path: Path, interval: float) -> None:
        super().__init__(name="lab-state-checkpoint", daemon=True)
        self._path = path
        self._interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, timeout=30)
        try:
            while not self._stop_event.wait(self._interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as error:
                    logger.warning("state checkpoint failed: %s", error)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)


class StateWriter:
    """The operations allowed inside one `LabState.write()` transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # False while the transaction has only added new credentials.
        self.changed = False

    def put(self, entity: Entity) -> None:
        self.changed = True
        self.conn.execute(
            "INSERT INTO entities (account, kind, name, id, doc) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(account, kind, name) DO UPDATE SET id=excluded.id, doc=excluded.doc",
            (
                entity.account,
                entity.kind.value,
                entity.name,
                entity.id,
                json.dumps(entity.doc, separators=(",", ":"), sort_keys=True),
            ),
        )

    def delete(self, account: str, kind: Kind, name: str) -> bool:
        self.changed = True
        cursor = self.conn.execute(
            "DELETE FROM entities WHERE account=? AND kind=? AND name=?",
            (account, kind.value, name),
        )
        return cursor.rowcount > 0

    def put_credential(
        self,
        access_key_id: str,
        account: str,
        doc: Mapping[str, Any],
        expires_at: str | None,
    ) -> None:
        self.changed = True
        self.conn.execute(
            "INSERT INTO credentials (access_key_id, account, doc, expires_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(access_key_id) DO UPDATE SET "
            "doc=excluded.doc, expires_at=excluded.expires_at",
            (
                access_key_id,
                account,
                json.dumps(doc, separators=(",", ":")),
                expires_at,
            ),
        )

    def add_credential(
        self,
        access_key_id: str,
        account: str,
        doc: Mapping[str, Any],
        expires_at: str | None,
    ) -> None:
        """A new credential (a fresh session); raises if the key id exists."""
        self.conn.execute(
            "INSERT INTO credentials (access_key_id, account, doc, expires_at) "
            "VALUES (?, ?, ?, ?)",
            (
                access_key_id,
                account,
                json.dumps(doc, separators=(",", ":")),
                expires_at,
            ),
        )

    def delete_credential(self, access_key_id: str) -> bool:
        self.changed = True
        cursor = self.conn.execute(
            "DELETE FROM credentials WHERE access_key_id=?", (access_key_id,)
        )
        return cursor.rowcount > 0

    def set_meta(self, key: str, value: str) -> None:
        self.changed = True
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )
