"""The study-content linter: references, item-writing rules and coverage counts.

Each rule is a function from the loaded content to the problems it finds; `lint`
runs them all, so one run reports every problem at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from gatehouse.study.model import (
    Card,
    CardKind,
    Comparison,
    Content,
    Fact,
    Mechanism,
    Misconception,
    Origin,
    QuestionType,
    Scenario,
    Tier,
)
from gatehouse.study.problems import Problem


@dataclass(frozen=True)
class Minimums:
    """How much content the bank must hold; the content tests use the same numbers."""

    cards: int = 80
    scenarios: int = 48
    per_tier: int = 12
    multiple: int = 8
    ordering: int = 4
    matching: int = 4
    cards_per_mechanism: int = 10
    scenarios_per_mechanism: int = 6


MINIMUMS = Minimums()
STALE_AFTER = dt.timedelta(days=365)
LENGTH_RATIO = 2.5
CUE_WORDS = ("always", "never", "only", "all", "none")
_CUE = re.compile(r"\b(" + "|".join(CUE_WORDS) + r")\b", re.IGNORECASE)
_ABOVE = re.compile(
    r"\b(all|none|both|neither) of the (above|options)\b", re.IGNORECASE
)
_WORD = re.compile(r"\S+")

Item = Fact | Card | Misconception | Comparison | Scenario
Rule = Callable[[Content, dt.date], Iterable[Problem]]


def _problem(origin: Origin, rule: str, item: str, message: str) -> Problem:
    return Problem(origin.file, origin.line, rule, message, item)


def _all_items(content: Content) -> Iterator[Item]:
    yield from content.facts
    yield from content.cards
    yield from content.misconceptions
    yield from content.comparisons
    yield from content.scenarios


def unique_ids(content: Content, today: dt.date) -> Iterator[Problem]:
    first: dict[str, Origin] = {}
    for item in _all_items(content):
        if item.id in first:
            message = f"id is already used at {first[item.id]}"
            yield _problem(item.origin, "duplicate-id", item.id, message)
        else:
            first[item.id] = item.origin
    for scenario in content.scenarios:
        keys = Counter(key for key, _, _ in _choices(scenario))
        repeated = [key for key, n in keys.items() if n > 1]
        if repeated:
            message = f"option/step/pair id(s) {repeated} repeat within the scenario"
            yield _problem(scenario.origin, "duplicate-id", scenario.id, message)


def _missing(
    item: Item, what: str, ids: Iterable[str | None], known: Mapping[str, object]
) -> Iterator[Problem]:
    for ref in ids:
        if ref is not None and ref not in known:
            message = f"{what} {ref!r} does not exist"
            yield _problem(item.origin, "reference", item.id, message)


def references(content: Content, today: dt.date) -> Iterator[Problem]:
    cards = content.card_by_id

    for item in _all_items(content):
        if not isinstance(item, Fact):
            yield from _missing(item, "fact", item.facts, content.fact_by_id)
    for card in content.cards:
        yield from _missing(
            card, "misconception", [card.misconception], content.misconception_by_id
        )
        yield from _missing(
            card, "comparison", [card.comparison], content.comparison_by_id
        )

    holders: list[Misconception | Comparison] = [
        *content.misconceptions,
        *content.comparisons,
    ]
    for holder in holders:
        yield from _missing(holder, "card", [holder.card], cards)
        target = cards.get(holder.card)
        if target is not None and holder.id not in (
            target.misconception,
            target.comparison,
        ):
            message = f"card {target.id!r} does not point back to {holder.id!r}"
            yield _problem(holder.origin, "reference", holder.id, message)


def explained(content: Content, today: dt.date) -> Iterator[Problem]:
    for scenario in content.scenarios:
        for key, _, explanation in _choices(scenario):
            if not explanation:
                message = f"{key!r} has no explanation"
                yield _problem(scenario.origin, "explained", scenario.id, message)


def answer_key(content: Content, today: dt.date) -> Iterator[Problem]:
    """One best answer for single; `select` correct among 5 or 6 for multiple."""
    for scenario in content.scenarios:
        correct = len(scenario.correct_options)
        total = len(scenario.options)
        message = ""
        if scenario.type is QuestionType.SINGLE and (correct != 1 or total != 4):
            message = f"a single-answer item needs 1 correct of 4 options; has {correct} of {total}"
        if scenario.type is QuestionType.MULTIPLE:
            select = scenario.select or 0
            if select not in (2, 3) or correct != select or total not in (5, 6):
                message = (
                    f"a multiple-response item needs select 2 or 3, that many correct, "
                    f"5 or 6 options; has select {select}, {correct} correct of {total}"
                )
        if scenario.type is QuestionType.ORDERING and len(scenario.steps) < 3:
            message = "an ordering item needs at least 3 steps"
        if scenario.type is QuestionType.MATCHING and len(scenario.pairs) < 3:
            message = "a matching item needs at least 3 pairs"
        if message:
            yield _problem(scenario.origin, "answer-key", scenario.id, message)


def _choices(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(id, text, explanation) of everything the learner chooses between."""
    if scenario.options:
        return [(o.id, o.text, o.explanation) for o in scenario.options]
    if scenario.steps:
        return [(s.id, s.text, s.explanation) for s in scenario.steps]
    return [(p.id, p.right, p.explanation) for p in scenario.pairs]


def no_above(content: Content, today: dt.date) -> Iterator[Problem]:
    for scenario in content.scenarios:
        for key, text, _ in _choices(scenario):
            if _ABOVE.search(text):
                message = f"option {key!r} uses an 'of the above' answer"
                yield _problem(scenario.origin, "of-the-above", scenario.id, message)


def similar_length(content: Content, today: dt.date) -> Iterator[Problem]:
    for scenario in content.scenarios:
        lengths = {key: len(_WORD.findall(text)) for key, text, _ in _choices(scenario)}
        if not lengths:
            continue
        shortest = min(lengths, key=lambda key: lengths[key])
        longest = max(lengths, key=lambda key: lengths[key])
        if lengths[longest] > LENGTH_RATIO * max(lengths[shortest], 1):
            message = (
                f"option {longest!r} has {lengths[longest]} words, more than "
                f"{LENGTH_RATIO}x option {shortest!r} ({lengths[shortest]})"
            )
            yield _problem(scenario.origin, "option-length", scenario.id, message)


def similar_form(content: Content, today: dt.date) -> Iterator[Problem]:
    """Options are all sentences (end in . ? !) or all fragments, and start alike."""
    for scenario in content.scenarios:
        texts = [text for _, text, _ in _choices(scenario)]
        if not texts:
            continue
        sentence = {text.rstrip().endswith((".", "?", "!")) for text in texts}
        capital = {text[:1].isupper() for text in texts if text[:1].isalpha()}
        if len(sentence) > 1 or len(capital) > 1:
            message = "options mix sentences and fragments; write them in one form"
            yield _problem(scenario.origin, "option-form", scenario.id, message)


def cue_words(content: Content, today: dt.date) -> Iterator[Problem]:
    """A cue word is allowed when the explanation uses it too: it is part of the fact."""
    for scenario in content.scenarios:
        for key, text, explanation in _choices(scenario):
            for word in {match.lower() for match in _CUE.findall(text)}:
                if not re.search(rf"\b{word}\b", explanation, re.IGNORECASE):
                    message = (
                        f"option {key!r} uses the cue word {word!r} and its "
                        "explanation does not say why"
                    )
                    yield _problem(scenario.origin, "cue-word", scenario.id, message)


def distractors_name_misconceptions(
    content: Content, today: dt.date
) -> Iterator[Problem]:
    known = content.misconception_by_id
    for scenario in content.scenarios:
        for option in scenario.distractors:
            if option.misconception is None:
                message = f"distractor {option.id!r} names no misconception"
            elif option.misconception not in known:
                message = f"distractor {option.id!r} names unknown misconception {option.misconception!r}"
            else:
                continue
            yield _problem(scenario.origin, "distractor", scenario.id, message)
        for option in scenario.correct_options:
            if option.misconception is not None:
                message = f"correct option {option.id!r} names a misconception"
                yield _problem(scenario.origin, "distractor", scenario.id, message)


def fresh_facts(content: Content, today: dt.date) -> Iterator[Problem]:
    for fact in content.facts:
        if today - fact.checked > STALE_AFTER:
            message = f"checked {fact.checked.isoformat()}, more than a year ago: check it again"
            yield _problem(fact.origin, "stale-fact", fact.id, message)
        elif fact.checked > today:
            message = f"checked date {fact.checked.isoformat()} is in the future"
            yield _problem(fact.origin, "stale-fact", fact.id, message)


def counts(content: Content, today: dt.date) -> Iterator[Problem]:
    need = MINIMUMS
    tiers = Counter(scenario.tier for scenario in content.scenarios)
    types = Counter(scenario.type for scenario in content.scenarios)
    card_mechs = Counter(card.mechanism for card in content.cards)
    scenario_mechs = Counter(scenario.mechanism for scenario in content.scenarios)

    checks: list[tuple[str, int, int]] = [
        ("cards", len(content.cards), need.cards),
        ("scenarios", len(content.scenarios), need.scenarios),
        ("multiple-response scenarios", types[QuestionType.MULTIPLE], need.multiple),
        ("ordering scenarios", types[QuestionType.ORDERING], need.ordering),
        ("matching scenarios", types[QuestionType.MATCHING], need.matching),
    ]
    checks += [(f"{t} scenarios", tiers[t], need.per_tier) for t in Tier]
    checks += [
        (f"{m} cards", card_mechs[m], need.cards_per_mechanism) for m in Mechanism
    ]
    checks += [
        (f"{m} scenarios", scenario_mechs[m], need.scenarios_per_mechanism)
        for m in Mechanism
    ]
    for what, have, minimum in checks:
        if have < minimum:
            yield Problem(
                "(content)", 0, "count", f"{have} {what}; at least {minimum} needed"
            )


def misconceptions_have_cards(content: Content, today: dt.date) -> Iterator[Problem]:
    """Every misconception and comparison is taught by a card of the matching kind."""
    kinds = {card.id: card.kind for card in content.cards}
    holders: list[tuple[Misconception | Comparison, CardKind]] = [
        *((item, CardKind.MISCONCEPTION) for item in content.misconceptions),
        *((item, CardKind.COMPARISON) for item in content.comparisons),
    ]
    for holder, kind in holders:
        if holder.card in kinds and kinds[holder.card] is not kind:
            message = f"card {holder.card!r} should be of kind {kind.value}"
            yield _problem(holder.origin, "card-kind", holder.id, message)


RULES: dict[str, Rule] = {
    "duplicate-id": unique_ids,
    "reference": references,
    "explained": explained,
    "answer-key": answer_key,
    "of-the-above": no_above,
    "option-length": similar_length,
    "option-form": similar_form,
    "cue-word": cue_words,
    "distractor": distractors_name_misconceptions,
    "stale-fact": fresh_facts,
    "card-kind": misconceptions_have_cards,
    "count": counts,
}


def lint(content: Content, *, today: dt.date | None = None) -> list[Problem]:
    """Every problem every rule finds, in rule order."""
    day = today or dt.datetime.now(dt.UTC).date()
    return [problem for rule in RULES.values() for problem in rule(content, day)]
