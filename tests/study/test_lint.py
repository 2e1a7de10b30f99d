"""Each linter rule fails content written to break it, and passes the fixture."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gatehouse.study.lint import MINIMUMS, RULES, lint
from gatehouse.study.loader import load_content
from gatehouse.study.model import Content
from gatehouse.study.problems import Problem

from .helpers import rewrite

TODAY = dt.date(2026, 12, 3)

Change = Callable[[dict[str, Any]], None]


def _lint_copy(root: Path) -> list[Problem]:
    result = load_content(root)
    assert result.problems == ()
    return [p for p in lint(result.content, today=TODAY) if p.rule != "count"]


def test_the_fixture_breaks_no_item_rule(fixture_content: Content) -> None:
    assert [p for p in lint(fixture_content, today=TODAY) if p.rule != "count"] == []


def _option(scenario: int, option: int, **changes: Any) -> Change:
    def change(document: dict[str, Any]) -> None:
        document["scenarios"][scenario]["options"][option].update(changes)

    return change


def _first(kind: str, **changes: Any) -> Change:
    return lambda document: document[kind][0].update(changes)


BROKEN: list[tuple[str, str, Change, str]] = [
    (
        "duplicate-id",
        "cards/cross-account.yaml",
        _first("cards", id="card.sts.chain-cap"),
        "id is already used at cards/cross-account.yaml:2",
    ),
    (
        "duplicate-id",
        "scenarios/easy.yaml",
        _option(0, 1, id="a"),
        "option/step/pair id(s) ['a'] repeat within the scenario",
    ),
    (
        "reference",
        "cards/sts.yaml",
        _first("cards", facts=["fact.sts.nowhere"]),
        "fact 'fact.sts.nowhere' does not exist",
    ),
    (
        "reference",
        "misconceptions.yaml",
        _first("misconceptions", card="card.xacct.extid-purpose"),
        "card 'card.xacct.extid-purpose' does not point back to 'misc.chain-full-duration'",
    ),
    (
        "explained",
        "scenarios/easy.yaml",
        _option(0, 2, explanation=None),
        "'c' has no explanation",
    ),
    (
        "answer-key",
        "scenarios/easy.yaml",
        _option(0, 1, correct=True, misconception=None),
        "a single-answer item needs 1 correct of 4 options; has 2 of 4",
    ),
    (
        "answer-key",
        "scenarios/easy.yaml",
        lambda d: d["scenarios"][1].update(select=3),
        "a multiple-response item needs select 2 or 3, that many correct, 5 or 6 options; "
        "has select 3, 2 correct of 5",
    ),
    (
        "of-the-above",
        "scenarios/easy.yaml",
        _option(0, 3, text="None of the above options would help here."),
        "option 'd' uses an 'of the above' answer",
    ),
    (
        "option-length",
        "scenarios/easy.yaml",
        _option(
            0,
            2,
            text="Set the role's maximum session duration to one hour and also "
            "ask the vendor to rotate its keys every month and review its logs weekly.",
        ),
        "option 'c' has 25 words, more than 2.5x option 'a' (9)",
    ),
    (
        "option-form",
        "scenarios/easy.yaml",
        _option(0, 2, text="a shorter session duration for the role"),
        "options mix sentences and fragments; write them in one form",
    ),
    (
        "cue-word",
        "scenarios/easy.yaml",
        _option(0, 3, text="Give the vendor an IAM user that can never be reused."),
        "option 'd' uses the cue word 'never' and its explanation does not say why",
    ),
    (
        "distractor",
        "scenarios/easy.yaml",
        _option(0, 1, misconception=None),
        "distractor 'b' names no misconception",
    ),
    (
        "distractor",
        "scenarios/easy.yaml",
        _option(0, 1, misconception="misc.nowhere"),
        "distractor 'b' names unknown misconception 'misc.nowhere'",
    ),
    (
        "stale-fact",
        "facts.yaml",
        _first("facts", checked=dt.date(2025, 12, 2)),
        "checked 2025-12-02, more than a year ago: check it again",
    ),
    (
        "stale-fact",
        "facts.yaml",
        _first("facts", checked=dt.date(2027, 1, 1)),
        "checked date 2027-01-01 is in the future",
    ),
    (
        "card-kind",
        "cards/sts.yaml",
        lambda d: d["cards"][1].update(kind="fact"),
        "card 'card.sts.misc-chain-duration' should be of kind misconception",
    ),
]


@pytest.mark.parametrize(
    ("rule", "relative", "change", "message"),
    BROKEN,
    ids=[f"{rule}-{n}" for n, (rule, *_) in enumerate(BROKEN)],
)
def test_content_that_breaks_a_rule_is_reported(
    content_copy: Path, rule: str, relative: str, change: Change, message: str
) -> None:
    rewrite(content_copy, relative, change)

    problems = _lint_copy(content_copy)

    assert (rule, message) in [(p.rule, p.message) for p in problems]
    assert all(p.file != "" and p.line > 0 for p in problems)


def test_a_cue_word_the_explanation_justifies_is_allowed(content_copy: Path) -> None:
    rewrite(
        content_copy,
        "scenarios/easy.yaml",
        _option(
            0,
            3,
            text="Give the vendor an IAM user that can never be reused.",
            explanation="Never reusing a user does not tell the vendor's customers apart.",
        ),
    )

    assert _lint_copy(content_copy) == []


def test_a_fact_checked_within_the_year_is_fresh(content_copy: Path) -> None:
    rewrite(content_copy, "facts.yaml", _first("facts", checked=dt.date(2025, 12, 3)))

    assert _lint_copy(content_copy) == []


def test_every_rule_has_a_failing_case_above() -> None:
    tested = {rule for rule, *_ in BROKEN} | {"count"}
    assert tested == set(RULES)


def test_counts_name_what_is_short(fixture_content: Content) -> None:
    counted = [
        p.message for p in lint(fixture_content, today=TODAY) if p.rule == "count"
    ]

    assert f"5 cards; at least {MINIMUMS.cards} needed" in counted
    assert f"2 easy scenarios; at least {MINIMUMS.per_tier} needed" in counted
    assert f"1 ordering scenarios; at least {MINIMUMS.ordering} needed" in counted
    assert f"0 imds cards; at least {MINIMUMS.cards_per_mechanism} needed" in counted
