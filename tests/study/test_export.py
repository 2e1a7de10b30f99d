"""Exports: JSON with every item's metadata; an Anki package with stable ids."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

from gatehouse.study.export import DECK_NAME, anki_id, note_guid, to_json, write_apkg
from gatehouse.study.model import Content


def test_the_json_export_has_every_card_and_scenario_with_metadata(
    fixture_content: Content,
) -> None:
    exported = json.loads(json.dumps(to_json(fixture_content)))

    assert [c["id"] for c in exported["cards"]] == [c.id for c in fixture_content.cards]
    assert len(exported["scenarios"]) == len(fixture_content.scenarios)
    card = next(c for c in exported["cards"] if c["id"] == "card.sts.chain-cap")
    assert card["kind"] == "limit"
    assert card["domains"] == {"scs-c02": ["iam"], "scs-c03": ["iam"]}
    assert card["origin"] == {"file": "cards/sts.yaml", "line": 2}
    scenario = next(
        s for s in exported["scenarios"] if s["id"] == "scn.easy.vendor-role"
    )
    assert scenario["options"][1]["misconception"] == "misc.principal-account-is-enough"
    assert exported["facts"][0]["checked"] == "2026-11-20"


def _collection(apkg: Path, into: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(apkg) as package:
        assert "collection.anki2" in package.namelist()
        package.extract("collection.anki2", into)
    return sqlite3.connect(into / "collection.anki2")


def _ids(conn: sqlite3.Connection) -> tuple[list[str], list[str], list[str]]:
    guids = sorted(row[0] for row in conn.execute("SELECT guid FROM notes"))
    decks_json, models_json = conn.execute("SELECT decks, models FROM col").fetchone()
    return guids, sorted(json.loads(decks_json)), sorted(json.loads(models_json))


def test_two_apkg_exports_carry_the_same_note_deck_and_model_ids(
    fixture_content: Content, tmp_path: Path
) -> None:
    first, second = tmp_path / "one.apkg", tmp_path / "two.apkg"

    assert write_apkg(fixture_content, first) == 9
    write_apkg(fixture_content, second)

    one = _collection(first, tmp_path / "a")
    two = _collection(second, tmp_path / "b")
    try:
        assert _ids(one) == _ids(two)
        guids, decks, models = _ids(one)
        assert note_guid("card.sts.chain-cap") in guids
        assert str(anki_id(DECK_NAME)) in decks
        assert len(models) == 2
        fronts = [row[0] for row in one.execute("SELECT flds FROM notes")]
        assert any("DurationSeconds 7200" in fields for fields in fronts)
    finally:
        one.close()
        two.close()


def test_ids_derive_from_item_ids_only() -> None:
    assert note_guid("card.a") == note_guid("card.a") != note_guid("card.b")
    assert (1 << 30) <= anki_id(DECK_NAME) < (1 << 31)
