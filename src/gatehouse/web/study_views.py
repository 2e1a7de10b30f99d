"""What the study pages show: question widgets, answers read from forms, and the
explanation of every option after an answer is checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gatehouse.study.answers import Answer, AnswerError, shuffled
from gatehouse.study.model import Content, QuestionType, Scenario


@dataclass(frozen=True)
class Choice:
    """One row the learner sees and, after checking, its verdict and reason."""

    key: str
    text: str
    correct: bool
    chosen: bool
    explanation: str
    misconception_claim: str = ""
    misconception_correction: str = ""
    yours: str = ""  # ordering: your position; matching: the right you picked


@dataclass(frozen=True)
class Widget:
    """The inputs for one scenario, in the order they are shown."""

    scenario: Scenario
    steps: tuple[tuple[str, str], ...] = ()  # (step id, text), shuffled
    rights: tuple[tuple[str, str], ...] = ()  # (pair id, right text), shuffled


def widget(scenario: Scenario) -> Widget:
    if scenario.type is QuestionType.ORDERING:
        text = {step.id: step.text for step in scenario.steps}
        order = shuffled(scenario, list(text))
        return Widget(scenario, steps=tuple((key, text[key]) for key in order))
    if scenario.type is QuestionType.MATCHING:
        text = {pair.id: pair.right for pair in scenario.pairs}
        order = shuffled(scenario, list(text), salt="right")
        return Widget(scenario, rights=tuple((key, text[key]) for key in order))
    return Widget(scenario)


def answer_from_form(
    scenario: Scenario, form: Mapping[str, list[str]], *, strict: bool = True
) -> Answer:
    """Read an answer from posted fields; AnswerError names what is missing.

    `strict` also refuses a multiple-response answer with the wrong number of choices.
    """
    if scenario.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        choices = frozenset(form.get("choice", []))
        if not choices:
            raise AnswerError("Choose an answer first.")
        wrong_count = len(choices) != scenario.select
        if strict and scenario.type is QuestionType.MULTIPLE and wrong_count:
            raise AnswerError(f"Choose exactly {scenario.select} answers.")
        return Answer(choices=choices)

    if scenario.type is QuestionType.ORDERING:
        positions: dict[str, int] = {}
        for step in scenario.steps:
            value = (form.get(f"pos-{step.id}") or [""])[0]
            if not value.isdigit():
                raise AnswerError("Give every step a position.")
            positions[step.id] = int(value)
        if len(set(positions.values())) != len(positions):
            raise AnswerError("Use each position once.")
        return Answer(order=tuple(sorted(positions, key=positions.__getitem__)))

    matches: list[tuple[str, str]] = []
    for pair in scenario.pairs:
        value = (form.get(f"match-{pair.id}") or [""])[0]
        if not value:
            raise AnswerError("Match every item.")
        matches.append((pair.id, value))
    return Answer(matches=tuple(matches))


def prefill(scenario: Scenario, answer: Answer | None) -> dict[str, str]:
    """Form values that show a saved answer again (exam navigation)."""
    if answer is None:
        return {}
    values = {f"choice-{key}": "checked" for key in answer.choices}
    values.update({f"pos-{key}": str(n) for n, key in enumerate(answer.order, start=1)})
    values.update({f"match-{left}": right for left, right in answer.matches})
    return values


def explain(
    scenario: Scenario, answer: Answer | None, content: Content
) -> list[Choice]:
    """Every option, step or pair with why it is right or wrong."""
    given = answer or Answer()
    if scenario.options:
        rows = []
        for option in scenario.options:
            misconception = content.misconception_by_id.get(option.misconception or "")
            rows.append(
                Choice(
                    key=option.id,
                    text=option.text,
                    correct=option.correct,
                    chosen=option.id in given.choices,
                    explanation=option.explanation,
                    misconception_claim=misconception.claim if misconception else "",
                    misconception_correction=misconception.correction
                    if misconception
                    else "",
                )
            )
        return rows

    if scenario.steps:
        placed = {key: n for n, key in enumerate(given.order, start=1)}
        return [
            Choice(
                key=str(n),
                text=step.text,
                correct=placed.get(step.id) == n,
                chosen=step.id in placed,
                explanation=step.explanation,
                yours=str(placed.get(step.id, "—")),
            )
            for n, step in enumerate(scenario.steps, start=1)
        ]

    picked = dict(given.matches)
    right_text = {pair.id: pair.right for pair in scenario.pairs}
    return [
        Choice(
            key=pair.left,
            text=pair.right,
            correct=picked.get(pair.id) == pair.id,
            chosen=pair.id in picked,
            explanation=pair.explanation,
            yours=right_text.get(picked.get(pair.id, ""), "—"),
        )
        for pair in scenario.pairs
    ]


__all__ = [
    "AnswerError",
    "Choice",
    "Widget",
    "answer_from_form",
    "explain",
    "prefill",
    "widget",
]
