"""Learners' answers to scenarios, and how they are marked.

Every item type is marked all or nothing: a multiple-response answer must pick
exactly the correct options, an ordering must be exactly right, a matching must
pair every left with its right. AWS says unanswered questions score as wrong; it
does not publish partial credit for these types, so we give none.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from gatehouse.study.model import Option, QuestionType, Scenario


class AnswerError(ValueError):
    """An answer that does not fit its scenario (unknown option, wrong shape)."""


@dataclass(frozen=True)
class Answer:
    """`choices` for single/multiple, `order` for ordering, `matches` for matching."""

    choices: frozenset[str] = frozenset()
    order: tuple[str, ...] = ()
    matches: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.choices or self.order or self.matches)

    def to_json(self) -> str:
        return json.dumps(
            {
                "choices": sorted(self.choices),
                "order": list(self.order),
                "matches": [list(pair) for pair in self.matches],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Answer:
        data: dict[str, Any] = json.loads(text)
        return cls(
            choices=frozenset(data.get("choices", [])),
            order=tuple(data.get("order", [])),
            matches=tuple((left, right) for left, right in data.get("matches", [])),
        )


@dataclass(frozen=True)
class Outcome:
    correct: bool
    chosen_distractors: tuple[Option, ...] = ()
    misconceptions: tuple[str, ...] = field(default=())


def check_shape(scenario: Scenario, answer: Answer) -> None:
    """Raise AnswerError when the answer names things the scenario does not have."""
    option_ids = {option.id for option in scenario.options}
    step_ids = [step.id for step in scenario.steps]
    pair_ids = {pair.id for pair in scenario.pairs}

    unknown = answer.choices - option_ids
    if unknown:
        raise AnswerError(f"unknown option(s) {sorted(unknown)} for {scenario.id}")
    if scenario.type is QuestionType.SINGLE and len(answer.choices) > 1:
        raise AnswerError(f"{scenario.id} takes one answer")
    if answer.order and sorted(answer.order) != sorted(step_ids):
        raise AnswerError(f"an order for {scenario.id} must use each step once")
    for left, right in answer.matches:
        if left not in pair_ids or right not in pair_ids:
            raise AnswerError(f"unknown pair in match {left}={right} for {scenario.id}")


def mark(scenario: Scenario, answer: Answer) -> Outcome:
    check_shape(scenario, answer)

    if scenario.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        right = {option.id for option in scenario.correct_options}
        chosen = tuple(o for o in scenario.distractors if o.id in answer.choices)
        named = tuple(o.misconception for o in chosen if o.misconception)
        return Outcome(answer.choices == right, chosen, named)
    if scenario.type is QuestionType.ORDERING:
        return Outcome(answer.order == tuple(step.id for step in scenario.steps))
    matched = dict(answer.matches)
    return Outcome(all(matched.get(pair.id) == pair.id for pair in scenario.pairs))


def shuffled(scenario: Scenario, ids: list[str], *, salt: str = "") -> list[str]:
    """A stable shuffle per scenario, so a page renders the same way on reload."""
    order = list(ids)
    random.Random(f"{scenario.id}{salt}").shuffle(order)
    if order == ids and len(ids) > 1:
        order = order[1:] + order[:1]
    return order
