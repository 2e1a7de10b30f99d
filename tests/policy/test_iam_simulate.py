"""The iam-simulate peer suite, run through our engine as an acceptance check.

Each case that asks an AWS authorization question is one test. Cases where our
engine follows AWS's documentation rather than the peer are listed, with the
reason, in iam_simulate_divergences.toml and run as strict xfails, so a change
in behaviour shows up either way. Cases that test the peer tool's own features
are counted by benchmarks/iam_simulate_report.py, not run here.
"""

from __future__ import annotations

import pytest

from .iam_simulate import (
    Case,
    NotModelledError,
    cases,
    divergences,
    expected,
    missing_reason,
    run,
    suite_root,
)

ROOT = suite_root()
ALL_CASES = list(cases(ROOT)) if ROOT is not None else []
AWS_CASES = [c for c in ALL_CASES if c.answers_aws_semantics]
KNOWN = divergences()


def _params() -> list[object]:
    if ROOT is None:
        return [pytest.param(None, marks=pytest.mark.skip(reason=missing_reason()))]
    params: list[object] = []
    for case in AWS_CASES:
        known = KNOWN.get(case.id)
        marks = (
            [pytest.mark.xfail(strict=True, reason=known.text)]
            if known is not None
            else []
        )
        params.append(pytest.param(case, marks=marks, id=case.id))
    return params


@pytest.mark.parametrize("case", _params())
def test_engine_matches_peer_case(case: Case) -> None:
    assert run(case) is expected(case)


def test_known_divergences_name_aws_semantics_cases() -> None:
    if ROOT is None:
        pytest.skip(missing_reason())
    ids = {c.id for c in AWS_CASES}

    stale = sorted(set(KNOWN) - ids)

    assert not stale, f"divergences naming no AWS-semantics case: {stale}"


def test_every_divergence_cites_aws_documentation() -> None:
    for item in KNOWN.values():
        assert item.source.startswith("https://docs.aws.amazon.com/"), item.id
        assert item.reason.strip(), item.id


def test_endpoint_policies_are_refused_not_ignored() -> None:
    if ROOT is None:
        pytest.skip(missing_reason())
    with_endpoint = [c for c in AWS_CASES if c.data.get("endpointPolicies")]
    assert with_endpoint, "the suite no longer has an endpoint-policy case"

    for case in with_endpoint:
        with pytest.raises(NotModelledError):
            run(case)
