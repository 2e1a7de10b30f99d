"""Spaced repetition through FSRS: our two grades mapped onto FSRS ratings."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler


class Grade(StrEnum):
    """What the learner says after seeing the answer."""

    RIGHT = "right"
    WRONG = "wrong"


# "I was right" is FSRS's Good and "I was wrong" its Again; Hard and Easy are not
# offered, which keeps self-grading to one honest question.
RATING_FOR: dict[Grade, Rating] = {Grade.RIGHT: Rating.Good, Grade.WRONG: Rating.Again}


def stable_int(item_id: str, *, bits: int = 62) -> int:
    """A positive integer derived only from `item_id` (same id, same number)."""
    digest = hashlib.sha256(item_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - bits)


@dataclass(frozen=True)
class Review:
    """The outcome of grading one card: its new FSRS state and the log entry."""

    card_id: str
    grade: Grade
    rating: int
    reviewed_at: dt.datetime
    due: dt.datetime
    state_json: str


def new_state(card_id: str, *, now: dt.datetime) -> FsrsCard:
    return FsrsCard(card_id=stable_int(card_id), due=now)


def load_state(card_id: str, state_json: str | None, *, now: dt.datetime) -> FsrsCard:
    if state_json is None:
        return new_state(card_id, now=now)
    data: Any = json.loads(state_json)
    return FsrsCard.from_dict(data)


class Deck:
    """Grades cards with one FSRS scheduler."""

    def __init__(self, *, fuzz: bool = True) -> None:
        self.scheduler = Scheduler(enable_fuzzing=fuzz)

    def review(
        self, card_id: str, state_json: str | None, grade: Grade, *, now: dt.datetime
    ) -> Review:
        card = load_state(card_id, state_json, now=now)
        updated, _ = self.scheduler.review_card(
            card, RATING_FOR[grade], review_datetime=now
        )
        return Review(
            card_id=card_id,
            grade=grade,
            rating=int(RATING_FOR[grade]),
            reviewed_at=now,
            due=updated.due,
            state_json=json.dumps(updated.to_dict(), sort_keys=True),
        )


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
