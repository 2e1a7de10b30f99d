"""The state file: seeded from the world, changed atomically, shared by threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from gatehouse.lab.seed import seed
from gatehouse.lab.state import Entity, Kind, LabState, StateError
from gatehouse.lab.world import load_world


@pytest.fixture
def state(tmp_path: Path) -> LabState:
    store = LabState(tmp_path / "lab.sqlite3")
    seed(store, load_world())
    return store


def test_seeding_writes_ids_in_aws_formats(state: LabState) -> None:
    role = state.get("111111111111", Kind.ROLE, "AuditRole")
    user = state.get("111111111111", Kind.USER, "alice")
    assert role is not None and user is not None
    assert role.id is not None and role.id.startswith("AROA") and len(role.id) == 21
    assert user.id is not None and user.id.startswith("AIDA")
    keys = state.credentials("111111111111")
    assert {k["user"] for k in keys} == {"admin", "alice"}
    assert all(
        k["access_key_id"].startswith("AKIA") and len(k["access_key_id"]) == 20
        for k in keys
    )
    assert all(len(k["secret_access_key"]) == 40 for k in keys)


def test_a_failed_change_leaves_nothing_behind(state: LabState) -> None:
    before = state.revision
    with pytest.raises(RuntimeError), state.write() as w:
        w.put(Entity("111111111111", Kind.USER, "mallory", "AIDAX", {"arn": "x"}))
        raise RuntimeError("the handler failed half way")
    assert state.get("111111111111", Kind.USER, "mallory") is None
    assert state.revision == before


def test_concurrent_writers_lose_nothing(state: LabState) -> None:
    def writer(worker: int) -> None:
        for i in range(50):
            with state.write() as w:
                w.put(
                    Entity("333333333333", Kind.USER, f"u{worker}-{i}", None, {"n": i})
                )

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    users = [e.name for e in state.entities("333333333333", Kind.USER)]
    assert len(users) == 8 * 50 + 1


def test_state_survives_reopening(state: LabState, tmp_path: Path) -> None:
    revision = state.revision
    state.close()
    again = LabState(tmp_path / "lab.sqlite3")
    assert again.revision == revision
    assert again.get("222222222222", Kind.ROLE, "VendorRole") is not None


def test_a_state_file_from_another_schema_is_refused(tmp_path: Path) -> None:
    store = LabState(tmp_path / "lab.sqlite3")
    with store.write() as w:
        w.set_meta("schema", "999")
    store.close()
    with pytest.raises(StateError, match="gatehouse lab reset"):
        LabState(tmp_path / "lab.sqlite3")
