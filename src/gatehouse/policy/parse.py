"""Read a policy document, reporting every problem at once with its location.

`lint_policy` returns the problems; `parse_policy` returns the `Policy` or raises
`PolicyParseError` carrying all of them. Both walk the document once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from gatehouse.policy.conditions import check_value, parse_operator
from gatehouse.policy.errors import PolicyParseError, Problem, Severity
from gatehouse.policy.model import (
    VERSION_2008,
    VERSION_2012,
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    PrincipalBlock,
    Statement,
)
from gatehouse.policy.variables import has_variables, parse_template
from gatehouse.policy.wildcard import has_wildcard, split_arn

_TOP_LEVEL = frozenset({"Version", "Id", "Statement"})
_STATEMENT_ELEMENTS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_ACTION = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?_-]+$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
# OIDC providers' keys are prefixed with the provider URL without its scheme,
# dots and path included (`token.actions.githubusercontent.com:sub`,
# `oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:aud`; IAM User Guide, OIDC keys).
_CONDITION_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]*:[^\s]+$")
_IAM_SID = re.compile(r"^[A-Za-z0-9]*$")
_CANONICAL_USER = re.compile(r"^[0-9a-f]{64}$")

Document = str | bytes | Mapping[str, Any]


def lint_policy(
    document: Document, *, kind: PolicyKind = PolicyKind.IDENTITY
) -> list[Problem]:
    """Every problem in `document`, errors and warnings, in document order."""
    reader = _Reader(kind)
    reader.read(document)
    return reader.problems


def parse_policy(
    document: Document,
    *,
    kind: PolicyKind = PolicyKind.IDENTITY,
    name: str = "policy",
    strict: bool = True,
) -> Policy:
    """The parsed policy; raises `PolicyParseError` if the document has errors.

    With `strict=False`, a document that IAM would refuse to store is still read
    as far as its structure allows, the way AWS evaluates policies that other
    services accept: a malformed action or resource is a literal that matches
    nothing, and a resource-policy statement without a principal matches no one.
    Only a document with no readable structure raises.
    """
    reader = _Reader(kind, lenient=not strict)
    policy = reader.read(document, name=name)
    errors = any(p.severity is Severity.ERROR for p in reader.problems)
    if policy is None or (errors and strict):
        raise PolicyParseError(reader.problems, name=name)
    return policy


def load_json(text: str | bytes) -> tuple[Any, Problem | None]:
    """Decode JSON; a syntax error becomes a Problem naming line and column."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        message = (
            f"invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        )
        return None, Problem("json-syntax", message, "$")
    except UnicodeDecodeError as error:
        return None, Problem("json-syntax", f"not UTF-8 text: {error.reason}", "$")


class _Reader:
    def __init__(self, kind: PolicyKind, *, lenient: bool = False) -> None:
        self.kind = kind
        self.lenient = lenient
        self.problems: list[Problem] = []
        self.version: str | None = None

    def error(self, code: str, message: str, location: str) -> None:
        self.problems.append(Problem(code, message, location))

    def warn(self, code: str, message: str, location: str) -> None:
        self.problems.append(Problem(code, message, location, Severity.WARNING))

    # -- document ---------------------------------------------------------

    def read(self, document: Document, *, name: str = "policy") -> Policy | None:
        if isinstance(document, str | bytes):
            decoded, problem = load_json(document)
            if problem is not None:
                self.problems.append(problem)
                return None
            document = decoded
        if not isinstance(document, Mapping):
            self.error("not-an-object", "a policy document must be a JSON object", "$")
            return None

        for key in document:
            if key not in _TOP_LEVEL:
                self.error("unknown-element", f"unknown top-level element {key!r}", "$")
        self.version = self._read_version(document)
        policy_id = document.get("Id")
        if policy_id is not None and not isinstance(policy_id, str):
            self.error("value-type", "Id must be a string", "$.Id")
            policy_id = None

        statements = self._read_statements(document)
        self._check_sids(statements)
        return Policy(
            tuple(s for _, s in statements), self.version, policy_id, name, self.kind
        )

    def _read_version(self, document: Mapping[str, Any]) -> str | None:
        version = document.get("Version")
        if version is None:
            self.warn(
                "version-missing",
                "no Version: AWS reads the policy as 2008-10-17, where policy "
                "variables are not substituted; use 2012-10-17",
                "$",
            )
            return None
        if version not in (VERSION_2012, VERSION_2008):
            self.error(
                "version-invalid",
                f"Version must be {VERSION_2012!r} or {VERSION_2008!r}, not {version!r}",
                "$.Version",
            )
            return VERSION_2012
        return str(version)

    def _read_statements(
        self, document: Mapping[str, Any]
    ) -> list[tuple[str, Statement]]:
        raw = document.get("Statement")
        if raw is None:
            self.error("statement-missing", "the policy has no Statement", "$")
            return []
        if isinstance(raw, Mapping):
            items = [("$.Statement", raw)]
        elif isinstance(raw, list):
            if not raw:
                self.error(
                    "statement-missing", "Statement is an empty list", "$.Statement"
                )
            items = [(f"$.Statement[{i}]", s) for i, s in enumerate(raw)]
        else:
            self.error(
                "value-type", "Statement must be an object or a list", "$.Statement"
            )
            return []
        out: list[tuple[str, Statement]] = []
        for location, item in items:
            statement = self._read_statement(item, location)
            if statement is not None:
                out.append((location, statement))
        return out

    def _check_sids(self, statements: list[tuple[str, Statement]]) -> None:
        seen: set[str] = set()
        for location, statement in statements:
            sid = statement.sid
            if sid is None:
                continue
            if sid in seen:
                self.error(
                    "sid-duplicate", f"Sid {sid!r} is used twice", f"{location}.Sid"
                )
            seen.add(sid)
            if self.kind is not PolicyKind.RESOURCE and not _IAM_SID.match(sid):
                self.warn(
                    "sid-format",
                    "IAM accepts only letters and digits in a Sid",
                    f"{location}.Sid",
                )

    # -- statement --------------------------------------------------------

    def _read_statement(self, raw: object, location: str) -> Statement | None:
        if not isinstance(raw, Mapping):
            self.error("value-type", "a statement must be an object", location)
            return None
        for key in raw:
            if key not in _STATEMENT_ELEMENTS:
                self.error(
                    "unknown-element", f"unknown statement element {key!r}", location
                )

        sid = raw.get("Sid")
        if sid is not None and not isinstance(sid, str):
            self.error("value-type", "Sid must be a string", f"{location}.Sid")
            sid = None
        effect = self._read_effect(raw, location)
        actions, actions_negated = self._read_actions(raw, location)
        resources, resources_negated = self._read_resources(raw, location)
        principal, principal_negated = self._read_principal(raw, location, effect)
        conditions = self._read_conditions(
            raw.get("Condition"), f"{location}.Condition"
        )

        if effect is None or actions is None:
            return None
        return Statement(
            effect=effect,
            actions=actions,
            sid=sid,
            actions_negated=actions_negated,
            resources=resources,
            resources_negated=resources_negated,
            principal=principal,
            principal_negated=principal_negated,
            conditions=conditions,
        )

    def _read_effect(self, raw: Mapping[str, Any], location: str) -> Effect | None:
        value = raw.get("Effect")
        if value is None:
            self.error("effect-missing", "the statement has no Effect", location)
            return None
        try:
            return Effect(value)
        except ValueError:
            self.error(
                "effect-invalid",
                f"Effect must be 'Allow' or 'Deny', not {value!r}",
                f"{location}.Effect",
            )
            return None

    def _strings(self, value: object, location: str) -> tuple[str, ...] | None:
        if isinstance(value, str):
            values: list[object] = [value]
        elif isinstance(value, list):
            values = value
        else:
            self.error("value-type", "expected a string or a list of strings", location)
            return None
        out: list[str] = []
        for index, item in enumerate(values):
            where = f"{location}[{index}]" if isinstance(value, list) else location
            if not isinstance(item, str):
                self.error("value-type", "expected a string", where)
                continue
            out.append(item)
        if not out and not self.problems_at(location):
            self.error("value-empty", "the list is empty", location)
        return tuple(out)

    def problems_at(self, location: str) -> bool:
        return any(p.location.startswith(location) for p in self.problems)

    def _pick(
        self, raw: Mapping[str, Any], location: str, name: str
    ) -> tuple[str, object] | None:
        plain, negated = name, f"Not{name}"
        if plain in raw and negated in raw:
            self.error(
                f"{name.lower()}-conflict",
                f"a statement has either {plain} or {negated}, not both",
                location,
            )
        if plain in raw:
            return plain, raw[plain]
        if negated in raw:
            return negated, raw[negated]
        return None

    def _read_actions(
        self, raw: Mapping[str, Any], location: str
    ) -> tuple[tuple[str, ...] | None, bool]:
        picked = self._pick(raw, location, "Action")
        if picked is None:
            self.error(
                "action-missing", "the statement has no Action or NotAction", location
            )
            return None, False
        element, value = picked
        actions = self._strings(value, f"{location}.{element}")
        if actions is None:
            return None, False
        for index, action in enumerate(actions):
            if action != "*" and not _ACTION.match(action):
                where = f"{location}.{element}" + (
                    f"[{index}]" if isinstance(value, list) else ""
                )
                self.error(
                    "action-format",
                    f"{action!r} is not '*' or 'service:action'",
                    where,
                )
        return actions, element == "NotAction"

    def _read_resources(
        self, raw: Mapping[str, Any], location: str
    ) -> tuple[tuple[str, ...] | None, bool]:
        picked = self._pick(raw, location, "Resource")
        if picked is None:
            if self.kind in (
                PolicyKind.IDENTITY,
                PolicyKind.BOUNDARY,
                PolicyKind.SESSION,
            ):
                self.error(
                    "resource-missing",
                    "the statement has no Resource or NotResource",
                    location,
                )
            return None, False
        element, value = picked
        if self.kind is PolicyKind.TRUST:
            self.error(
                "resource-forbidden",
                f"a role trust policy has no {element} element",
                f"{location}.{element}",
            )
        resources = self._strings(value, f"{location}.{element}")
        if resources is None:
            return None, False
        for index, resource in enumerate(resources):
            where = f"{location}.{element}" + (
                f"[{index}]" if isinstance(value, list) else ""
            )
            self._check_resource(resource, where)
        return resources, element == "NotResource"

    def _check_resource(self, resource: str, where: str) -> None:
        if resource == "*":
            return
        self._check_variables(resource, where)
        parts = split_arn(resource)
        if parts is None:
            self.error(
                "resource-format",
                f"{resource!r} is not '*' or an ARN (arn:partition:service:region:account:resource)",
                where,
            )
            return
        if not parts[2]:
            self.error("resource-format", f"{resource!r} names no service", where)

    def _check_variables(self, text: str, where: str) -> None:
        if not has_variables(text):
            return
        try:
            parse_template(text)
        except ValueError as error:
            self.error("variable-syntax", str(error), where)
            return
        if self.version != VERSION_2012:
            self.warn(
                "variable-version",
                "policy variables are substituted only in 2012-10-17 policies; "
                "here they are literal text",
                where,
            )

    # -- principal --------------------------------------------------------

    def _read_principal(
        self, raw: Mapping[str, Any], location: str, effect: Effect | None
    ) -> tuple[PrincipalBlock | None, bool]:
        picked = self._pick(raw, location, "Principal")
        if picked is None:
            if self.kind in (PolicyKind.RESOURCE, PolicyKind.TRUST):
                self.error(
                    "principal-missing",
                    "a resource-based policy statement needs Principal or NotPrincipal",
                    location,
                )
            return None, False
        element, value = picked
        where = f"{location}.{element}"
        if not self.kind.takes_principal:
            self.error(
                "principal-forbidden",
                f"a {self.kind.value} policy cannot name a {element}",
                where,
            )
        negated = element == "NotPrincipal"
        if negated and self.kind is PolicyKind.TRUST:
            self.error(
                "principal-forbidden",
                "a role trust policy cannot use NotPrincipal",
                where,
            )
        if negated and effect is Effect.ALLOW:
            self.warn(
                "notprincipal-allow",
                "NotPrincipal with Allow grants to everyone else, anonymous callers included",
                where,
            )
        return self._principal_block(value, where), negated

    def _principal_block(self, value: object, where: str) -> PrincipalBlock | None:
        if value == "*":
            return PrincipalBlock(everyone=True)
        if self.lenient and isinstance(value, str):
            return self._principal_block({"AWS": value}, where)
        if not isinstance(value, Mapping):
            self.error("value-type", "Principal must be '*' or an object", where)
            return None
        entries: list[tuple[str, tuple[str, ...]]] = []
        for principal_type, values in value.items():
            at = (
                f'{where}["{principal_type}"]'
                if "." in principal_type
                else f"{where}.{principal_type}"
            )
            if principal_type not in _PRINCIPAL_TYPES:
                self.error(
                    "principal-type-unknown",
                    f"unknown principal type {principal_type!r}; use one of "
                    + ", ".join(_PRINCIPAL_TYPES),
                    at,
                )
                continue
            strings = self._strings(values, at)
            if strings is None:
                continue
            for index, item in enumerate(strings):
                item_at = at + (f"[{index}]" if isinstance(values, list) else "")
                self._check_principal_value(principal_type, item, item_at)
            entries.append((principal_type, strings))
        if not entries and not self.problems_at(where):
            self.error("value-empty", "the principal block is empty", where)
        return PrincipalBlock(entries=tuple(entries))

    def _check_principal_value(
        self, principal_type: str, value: str, where: str
    ) -> None:
        if value == "*":
            if principal_type != "AWS":
                self.error(
                    "principal-wildcard",
                    f"a {principal_type} principal cannot be '*'",
                    where,
                )
            return
        if principal_type == "AWS":
            self._check_aws_principal(value, where)
        elif principal_type == "CanonicalUser" and not _CANONICAL_USER.match(value):
            self.error(
                "principal-format",
                f"{value!r} is not a canonical user id (64 hexadecimal characters)",
                where,
            )
        elif has_wildcard(value):
            self.error(
                "principal-wildcard",
                f"wildcards are not allowed inside a principal: {value!r}",
                where,
            )

    def _check_aws_principal(self, value: str, where: str) -> None:
        if _ACCOUNT_ID.match(value):
            return
        if has_wildcard(value):
            self.error(
                "principal-wildcard",
                f"wildcards are not allowed inside a principal ARN: {value!r}; "
                "use '*' with a condition on aws:PrincipalArn instead",
                where,
            )
            return
        parts = split_arn(value)
        if parts is None:
            self.error(
                "principal-format",
                f"{value!r} is not an account id or a principal ARN",
                where,
            )
            return
        _, _, service, _, account, resource = parts
        if not _ACCOUNT_ID.match(account):
            self.error(
                "principal-format",
                f"the account in {value!r} is not 12 digits",
                where,
            )
        allowed = (
            service == "iam"
            and (resource == "root" or resource.startswith(("user/", "role/")))
        ) or (
            service == "sts"
            and resource.startswith(("assumed-role/", "federated-user/"))
        )
        if not allowed:
            self.error(
                "principal-format",
                f"{value!r} is not the ARN of an account, user, role, "
                "assumed-role session or federated user",
                where,
            )

    # -- condition --------------------------------------------------------

    def _read_conditions(
        self, raw: object, location: str
    ) -> tuple[ConditionClause, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, Mapping):
            self.error("value-type", "Condition must be an object", location)
            return ()
        clauses: list[ConditionClause] = []
        for op_name, block in raw.items():
            op_at = f"{location}.{op_name}"
            try:
                op = parse_operator(op_name)
            except ValueError as error:
                self.error("condition-operator-unknown", str(error), op_at)
                continue
            if not isinstance(block, Mapping) or not block:
                self.error("value-type", "an operator takes an object of keys", op_at)
                continue
            for key, values in block.items():
                key_at = f'{op_at}["{key}"]'
                if not _CONDITION_KEY.match(key):
                    self.error(
                        "condition-key-format",
                        f"{key!r} is not a condition key (prefix:name)",
                        key_at,
                    )
                strings = self._condition_values(values, key_at)
                if strings is None:
                    continue
                for index, text in enumerate(strings):
                    value_at = key_at + (
                        f"[{index}]" if isinstance(values, list) else ""
                    )
                    problem = check_value(op.family, text)
                    if problem is not None:
                        self.error(
                            "condition-value-type", f"{op.base}: {problem}", value_at
                        )
                    elif op.family.value in ("String", "Arn"):
                        self._check_variables(text, value_at)
                clauses.append(ConditionClause(op_name, key, strings))
        return tuple(clauses)

    def _condition_values(self, values: object, where: str) -> tuple[str, ...] | None:
        items = values if isinstance(values, list) else [values]
        if not items:
            self.error("value-empty", "a condition key needs at least one value", where)
            return None
        out: list[str] = []
        for index, item in enumerate(items):
            if isinstance(item, bool):
                out.append("true" if item else "false")
            elif isinstance(item, int | float):
                out.append(json.dumps(item))
            elif isinstance(item, str):
                out.append(item)
            else:
                at = where + (f"[{index}]" if isinstance(values, list) else "")
                self.error(
                    "value-type",
                    "condition values are strings, numbers or booleans",
                    at,
                )
        return tuple(out)
