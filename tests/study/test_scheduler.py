"""Self-grades map onto FSRS ratings, and due dates move the way FSRS says."""

from __future__ import annotations

import datetime as dt
import json

from fsrs import Card as FsrsCard
from fsrs import Rating, State

from gatehouse.study.scheduler import RATING_FOR, Deck, Grade, stable_int

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def test_i_was_right_is_good_and_i_was_wrong_is_again() -> None:
    assert RATING_FOR[Grade.RIGHT] is Rating.Good
    assert RATING_FOR[Grade.WRONG] is Rating.Again
    assert set(RATING_FOR) == set(Grade)


def test_a_right_answer_pushes_the_card_later_than_a_wrong_one() -> None:
    deck = Deck(fuzz=False)

    right = deck.review("card.a", None, Grade.RIGHT, now=NOW)
    wrong = deck.review("card.a", None, Grade.WRONG, now=NOW)

    assert right.rating == Rating.Good
    assert wrong.rating == Rating.Again
    assert NOW < wrong.due < right.due


def test_repeated_right_answers_grow_the_interval_to_days() -> None:
    deck = Deck(fuzz=False)
    state: str | None = None
    moment = NOW
    intervals = []
    for _ in range(4):
        review = deck.review("card.a", state, Grade.RIGHT, now=moment)
        intervals.append(review.due - moment)
        state, moment = review.state_json, review.due

    assert intervals == sorted(intervals)
    assert intervals[-1] >= dt.timedelta(days=2)
    assert FsrsCard.from_dict(json.loads(state or "{}")).state is State.Review


def test_a_wrong_answer_on_a_known_card_sends_it_back_to_relearning() -> None:
    deck = Deck(fuzz=False)
    state = None
    moment = NOW
    for _ in range(3):
        review = deck.review("card.a", state, Grade.RIGHT, now=moment)
        state, moment = review.state_json, review.due

    lapse = deck.review("card.a", state, Grade.WRONG, now=moment)

    assert FsrsCard.from_dict(json.loads(lapse.state_json)).state is State.Relearning
    assert lapse.due - moment <= dt.timedelta(minutes=10)


def test_the_fsrs_card_id_is_stable_per_item() -> None:
    first = Deck().review("card.a", None, Grade.RIGHT, now=NOW)
    again = Deck().review("card.a", None, Grade.RIGHT, now=NOW)

    assert json.loads(first.state_json)["card_id"] == stable_int("card.a")
    assert json.loads(again.state_json)["card_id"] == stable_int("card.a")
    assert stable_int("card.a") != stable_int("card.b")
