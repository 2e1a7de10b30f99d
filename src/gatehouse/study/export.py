"""Exports: the whole bank as JSON, and an Anki package through genanki.

Anki matches notes on import by their guid, and decks and note types by id. All
three are derived from our item ids, so importing a newer export updates the notes
already in Anki instead of adding copies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from enum import Enum
from pathlib import Path
from typing import Any

import genanki

from gatehouse import __version__
from gatehouse.study.model import Card, Content, Domains, ExamVersion, Scenario
from gatehouse.study.scheduler import stable_int

DECK_NAME = "Gatehouse::Identity boundary"


def anki_id(name: str) -> int:
    """A stable id in the range Anki's own generator uses for decks and note types."""
    return (1 << 30) + stable_int(name) % (1 << 30)


def note_guid(item_id: str) -> str:
    return str(genanki.guid_for("gatehouse", item_id))


def _plain(value: Any) -> Any:
    if isinstance(value, Domains):
        return {exam.value: list(value.for_exam(exam)) for exam in ExamVersion}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _plain(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def to_json(content: Content) -> dict[str, Any]:
    """Every item with its metadata, in a shape that mirrors the YAML."""
    return {
        "format": "gatehouse-study",
        "version": __version__,
        "facts": [_plain(item) for item in content.facts],
        "cards": [_plain(item) for item in content.cards],
        "misconceptions": [_plain(item) for item in content.misconceptions],
        "comparisons": [_plain(item) for item in content.comparisons],
        "scenarios": [_plain(item) for item in content.scenarios],
    }


_CSS = """.card { font-family: system-ui, sans-serif; font-size: 18px; text-align: left;
  color: #1b1f24; background: #fff; }
.nightMode .card { color: #e6edf3; background: #0d1117; }
.meta { color: #57606a; font-size: 14px; }"""

CARD_MODEL = genanki.Model(
    anki_id("gatehouse.model.card"),
    "Gatehouse card",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Id"}, {"name": "Source"}],
    templates=[
        {
            "name": "Card",
            "qfmt": "{{Front}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Back}}'
            '<p class="meta">{{Id}} · {{Source}}</p>',
        }
    ],
    css=_CSS,
)

SCENARIO_MODEL = genanki.Model(
    anki_id("gatehouse.model.scenario"),
    "Gatehouse scenario",
    fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Id"}],
    templates=[
        {
            "name": "Scenario",
            "qfmt": "{{Question}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Answer}}<p class="meta">{{Id}}</p>',
        }
    ],
    css=_CSS,
)


def _tags(mechanism: str, *extra: str) -> list[str]:
    return [f"gatehouse::{mechanism}", *(f"gatehouse::{tag}" for tag in extra)]


def _card_note(card: Card, content: Content) -> genanki.Note:
    sources = [
        content.fact_by_id[f].source for f in card.facts if f in content.fact_by_id
    ]
    links = " ".join(f'<a href="{html.escape(s)}">source</a>' for s in sources)
    return genanki.Note(
        model=CARD_MODEL,
        fields=[html.escape(card.front), html.escape(card.back), card.id, links],
        guid=note_guid(card.id),
        tags=_tags(card.mechanism.value, card.kind.value),
    )


def _scenario_answer(scenario: Scenario) -> tuple[str, str]:
    if scenario.options:
        shown = "".join(
            f"<li>{o.id}. {html.escape(o.text)}</li>" for o in scenario.options
        )
        why = "".join(
            f"<li><b>{o.id}</b> ({'right' if o.correct else 'wrong'}): "
            f"{html.escape(o.explanation)}</li>"
            for o in scenario.options
        )
        return f"<ol type='a'>{shown}</ol>", f"<ul>{why}</ul>"
    if scenario.steps:
        order = "".join(
            f"<li>{html.escape(s.text)}: {html.escape(s.explanation)}</li>"
            for s in scenario.steps
        )
        return "<p>Put the steps in order.</p>", f"<ol>{order}</ol>"
    pairs = "".join(
        f"<li>{html.escape(p.left)} → {html.escape(p.right)}: {html.escape(p.explanation)}</li>"
        for p in scenario.pairs
    )
    return "<p>Match each item.</p>", f"<ul>{pairs}</ul>"


def _scenario_note(scenario: Scenario) -> genanki.Note:
    shown, answer = _scenario_answer(scenario)
    return genanki.Note(
        model=SCENARIO_MODEL,
        fields=[f"<p>{html.escape(scenario.stem)}</p>{shown}", answer, scenario.id],
        guid=note_guid(scenario.id),
        tags=_tags(scenario.mechanism.value, scenario.tier.value, scenario.type.value),
    )


def write_apkg(content: Content, out: Path) -> int:
    """Write an Anki package of every card and scenario; returns the note count."""
    deck = genanki.Deck(anki_id(DECK_NAME), DECK_NAME)
    for card in content.cards:
        deck.add_note(_card_note(card, content))
    for scenario in content.scenarios:
        deck.add_note(_scenario_note(scenario))
    genanki.Package(deck).write_to_file(str(out))
    return len(deck.notes)
