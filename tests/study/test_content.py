"""The bundled study content: it lints clean, meets every count, and covers the
misconceptions, distractors and comparisons of the source document."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from gatehouse.study.lint import MINIMUMS, lint
from gatehouse.study.loader import CONTENT_DIR, load_content
from gatehouse.study.model import CardKind, Content, Mechanism, QuestionType, Tier


@pytest.fixture(scope="module")
def content() -> Content:
    result = load_content(CONTENT_DIR)
    assert [str(p) for p in result.problems] == []
    return result.content


def test_the_content_lints_clean(content: Content) -> None:
    assert [str(problem) for problem in lint(content)] == []


def test_the_bank_has_enough_cards_and_scenarios(content: Content) -> None:
    assert len(content.cards) >= MINIMUMS.cards
    assert len(content.scenarios) >= MINIMUMS.scenarios


@pytest.mark.parametrize("tier", list(Tier))
def test_every_tier_meets_its_count(content: Content, tier: Tier) -> None:
    assert sum(s.tier is tier for s in content.scenarios) >= MINIMUMS.per_tier


@pytest.mark.parametrize(
    ("kind", "minimum"),
    [
        (QuestionType.SINGLE, 1),
        (QuestionType.MULTIPLE, MINIMUMS.multiple),
        (QuestionType.ORDERING, MINIMUMS.ordering),
        (QuestionType.MATCHING, MINIMUMS.matching),
    ],
)
def test_every_question_type_meets_its_count(
    content: Content, kind: QuestionType, minimum: int
) -> None:
    assert sum(s.type is kind for s in content.scenarios) >= minimum


@pytest.mark.parametrize("mechanism", list(Mechanism))
def test_every_mechanism_meets_its_count(
    content: Content, mechanism: Mechanism
) -> None:
    assert (
        sum(c.mechanism is mechanism for c in content.cards)
        >= MINIMUMS.cards_per_mechanism
    )
    assert (
        sum(s.mechanism is mechanism for s in content.scenarios)
        >= MINIMUMS.scenarios_per_mechanism
    )


def test_every_card_kind_is_used(content: Content) -> None:
    assert set(Counter(card.kind for card in content.cards)) == set(CardKind)


# The source document's misconception table and its "why every distractor fails"
# tables, each as patterns a misconception's claim must match.
SEED_MISCONCEPTIONS = {
    "restricting the Principal to an account is enough": (r"principal", r"account"),
    "IMDSv2 protects Lambda functions too": (r"lambda", r"imds"),
    "every Session Manager session is content-logged": (r"session", r"log"),
    "deleting a role's access keys revokes its sessions": (
        r"(delet|rotat|deactivat)",
        r"key",
    ),
    "every chain hop gets the full session duration": (r"chain", r"(duration|hour)"),
    "rotate the external ID when it leaks": (r"external id", r"(secret|rotat|leak)"),
    "remove the instance role to stop SSRF theft": (r"remov", r"role"),
    "patching the SSRF bug alone is enough": (r"(patch|fix)", r"ssrf"),
    "a bastion host with SSH keys is as good": (r"bastion",),
    "port forwarding gives a full audit trail": (r"port.forward",),
    "the last session name identifies the original caller": (r"session name",),
}

SEED_COMPARISONS = {
    "ExternalId vs restricting the Principal": (r"external ?id", r"principal"),
    "IMDSv1 vs IMDSv2": (r"imdsv1", r"imdsv2"),
    "token requirement vs hop limit": (r"token", r"hop limit"),
    "standard session vs port forwarding or SSH": (
        r"port.forward",
        r"(standard|shell)",
    ),
    "AssumeRole vs GetSessionToken vs GetFederationToken": (
        r"assumerole",
        r"getsessiontoken",
        r"getfederationtoken",
    ),
}


def _matches(text: str, patterns: tuple[str, ...]) -> bool:
    return all(re.search(pattern, text, re.IGNORECASE) for pattern in patterns)


@pytest.mark.parametrize("belief", list(SEED_MISCONCEPTIONS))
def test_each_seed_misconception_has_a_card_and_a_distractor(
    content: Content, belief: str
) -> None:
    patterns = SEED_MISCONCEPTIONS[belief]
    found = [m for m in content.misconceptions if _matches(m.claim, patterns)]
    assert found, f"no misconception claims that {belief}"

    tested = {o.misconception for s in content.scenarios for o in s.distractors}
    assert any(m.id in tested for m in found), f"no distractor tests that {belief}"
    assert all(content.card_by_id[m.card].kind is CardKind.MISCONCEPTION for m in found)


@pytest.mark.parametrize("comparison", list(SEED_COMPARISONS))
def test_each_seed_comparison_has_a_card(content: Content, comparison: str) -> None:
    patterns = SEED_COMPARISONS[comparison]
    found = [c for c in content.comparisons if _matches(c.title, patterns)]

    assert found, f"no comparison of {comparison}"
    assert all(content.card_by_id[c.card].kind is CardKind.COMPARISON for c in found)
