"""Progress is written atomically to a real SQLite file and survives crashes."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gatehouse.study.scheduler import Grade
from gatehouse.study.store import NewAttempt, Store, StoreError

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def test_the_store_is_a_wal_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)

    assert store.path == tmp_path / "progress.sqlite3"
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_review_writes_state_and_log_together(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)

    review = store.review("card.a", Grade.RIGHT, now=NOW, session="s1")

    states = store.card_states()
    assert states["card.a"][1] == review.due
    assert json.loads(states["card.a"][0])["state"] == 1
    assert [(r.card_id, r.grade, r.session) for r in store.reviews()] == [
        ("card.a", Grade.RIGHT, "s1")
    ]
    assert store.session_score("s1") == (1, 0)


def test_two_connections_see_each_others_writes(tmp_path: Path) -> None:
    first = Store.in_dir(tmp_path)
    second = Store.in_dir(tmp_path)

    first.review("card.a", Grade.RIGHT, now=NOW, session="tab-1")
    second.review("card.a", Grade.WRONG, now=NOW, session="tab-2")

    assert len(first.reviews()) == 2
    assert first.session_score("tab-2") == (0, 1)
    assert second.card_states() == first.card_states()


def test_two_tabs_grading_at_once_lose_no_review(tmp_path: Path) -> None:
    stores = [Store.in_dir(tmp_path), Store.in_dir(tmp_path)]

    def grade(store: Store, tab: str) -> None:
        for n in range(15):
            store.review(f"card.{n % 3}", Grade.RIGHT, now=NOW, session=tab)

    threads = [
        threading.Thread(target=grade, args=(s, f"tab-{i}"))
        for i, s in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(stores[0].reviews()) == 30
    assert stores[0].session_score("tab-0") == (15, 0)
    assert stores[0].session_score("tab-1") == (15, 0)


def test_a_failure_inside_a_write_rolls_the_whole_write_back(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    store.review("card.a", Grade.RIGHT, now=NOW)
    before = store.card_states()

    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute("DELETE FROM card_states")
        conn.execute("DELETE FROM reviews")
        raise RuntimeError("power cut")

    assert store.card_states() == before
    assert len(store.reviews()) == 1


_CRASH = """
import datetime as dt, os, sys
from pathlib import Path
from gatehouse.study.scheduler import Grade
from gatehouse.study.store import Store

store = Store.in_dir(Path(sys.argv[1]))
now = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
store.review("card.committed", Grade.RIGHT, now=now, session="s")
with store.transaction() as conn:
    conn.execute("DELETE FROM reviews")
    store._review_in(conn, "card.lost", Grade.WRONG, now=now, source="card", session="s")
    os._exit(3)  # the process dies mid-transaction, before COMMIT
"""


def test_a_process_killed_mid_write_loses_nothing_committed(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", _CRASH, str(tmp_path)], timeout=60, check=False
    )
    assert finished.returncode == 3

    store = Store.in_dir(tmp_path)

    assert [r.card_id for r in store.reviews()] == ["card.committed"]
    assert set(store.card_states()) == {"card.committed"}
    assert store.session_score("s") == (1, 0)


def test_a_wrong_attempt_and_its_again_cards_are_one_write(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)

    attempt_id = store.record_attempt(
        NewAttempt("scn.a", '{"choices": ["b"]}', False, ("card.misc",)), now=NOW
    )

    attempt = store.attempt(attempt_id)
    assert attempt is not None and attempt.correct is False
    assert [(r.card_id, r.grade, r.source) for r in store.reviews()] == [
        ("card.misc", Grade.WRONG, "scenario")
    ]


def test_an_exam_run_closes_once_and_then_refuses_answers(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    run = store.start_exam("scs-c03", ["scn.a", "scn.b"], now=NOW, deadline=NOW)
    store.save_exam_answer(run, 1, answer='{"choices": ["a"]}', flagged=True)

    assert store.finish_exam(run, [NewAttempt("scn.a", "{}", False)], now=NOW) is True
    assert store.finish_exam(run, [NewAttempt("scn.a", "{}", False)], now=NOW) is False
    with pytest.raises(StoreError):
        store.save_exam_answer(run, 0, answer=None, flagged=False)
    row = store.exam_run(run)
    assert row is not None and row.items[1].flagged and row.finished_at == NOW
    assert len(store.attempts()) == 1


def test_flags_toggle(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    store.set_flag("scn.a", True, now=NOW)
    store.set_flag("scn.a", True, now=NOW)
    store.set_flag("scn.b", True, now=NOW)
    store.set_flag("scn.b", False, now=NOW)

    assert store.flags() == {"scn.a"}


def test_the_export_holds_every_table_as_json(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    store.review("card.a", Grade.RIGHT, now=NOW)
    store.set_flag("scn.a", True, now=NOW)

    exported = json.loads(json.dumps(store.export()))

    assert set(exported) == {
        "card_states",
        "reviews",
        "attempts",
        "exam_runs",
        "exam_items",
        "flags",
    }
    assert exported["reviews"][0]["card_id"] == "card.a"
    assert exported["flags"] == [{"item_id": "scn.a", "flagged_at": NOW.isoformat()}]


def test_a_file_from_a_newer_schema_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "progress.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 99")

    with pytest.raises(StoreError, match="newer Gatehouse"):
        Store.in_dir(tmp_path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / "progress.sqlite3").write_bytes(b"not a database at all" * 100)

    with pytest.raises(StoreError):
        Store.in_dir(tmp_path)
