"""The IAM policy language: parse, validate, evaluate and explain.

policy = parse_policy(document, kind=PolicyKind.TRUST, name="AuditRole trust")
request = make_request(principal=..., action="sts:AssumeRole", resource=...)
evaluation = evaluate(request, PolicySet.of(resource=policy))
evaluation.decision        # Decision.ALLOW / EXPLICIT_DENY / IMPLICIT_DENY
evaluation.explain()       # why, in words; evaluation.to_json() for programs
"""

from gatehouse.policy.errors import (
    PolicyError,
    PolicyParseError,
    Problem,
    RequestError,
    Severity,
)
from gatehouse.policy.evaluate import (
    Decision,
    Evaluation,
    PolicySet,
    PolicyType,
    StatementMatch,
    evaluate,
)
from gatehouse.policy.model import Effect, Policy, PolicyKind, Statement
from gatehouse.policy.parse import lint_policy, parse_policy
from gatehouse.policy.principals import Principal, PrincipalKind, parse_principal
from gatehouse.policy.request import Request, make_request

__all__ = [
    "Decision",
    "Effect",
    "Evaluation",
    "Policy",
    "PolicyError",
    "PolicyKind",
    "PolicyParseError",
    "PolicySet",
    "PolicyType",
    "Principal",
    "PrincipalKind",
    "Problem",
    "Request",
    "RequestError",
    "Severity",
    "Statement",
    "StatementMatch",
    "evaluate",
    "lint_policy",
    "make_request",
    "parse_policy",
    "parse_principal",
]
