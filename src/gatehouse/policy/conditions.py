"""Condition operators: one table from operator to comparison, one generic wrapper.

Every operator is a base comparison (StringEquals, NumericLessThan, …) plus
qualifiers: a negation built into the name (StringNotEquals), `IfExists`, and a
set operator (`ForAllValues:` / `ForAnyValue:`). The base comparison says whether
one context value matches one policy value; `CompiledCondition.holds` applies the
qualifiers and AWS's rules for missing keys in one place.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import lru_cache

from gatehouse.policy.model import ConditionClause
from gatehouse.policy.variables import Template, has_variables, parse_template, render
from gatehouse.policy.wildcard import arn_match, glob_match

Context = Mapping[str, tuple[str, ...]]


class Family(Enum):
    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


class SetOperator(Enum):
    FOR_ALL = "ForAllValues"
    FOR_ANY = "ForAnyValue"


# Compare one context value (left) with one policy value (right).
Compare = Callable[[str, str], bool]


def _parse_number(text: str) -> float:
    return float(text)


@lru_cache(maxsize=4096)
def parse_date(text: str) -> float:
    """Seconds since the epoch from ISO 8601 or epoch seconds; ValueError if neither."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    moment = datetime.fromisoformat(text.replace("z", "Z"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


@lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text.strip(), strict=False)


def _numeric(compare: Callable[[float, float], bool]) -> Compare:
    def run(left: str, right: str) -> bool:
        try:
            return compare(_parse_number(left), _parse_number(right))
        except ValueError:
            return False

    return run


def _dated(compare: Callable[[float, float], bool]) -> Compare:
    def run(left: str, right: str) -> bool:
        try:
            return compare(parse_date(left), parse_date(right))
        except ValueError:
            return False

    return run


def _ip_in(left: str, right: str) -> bool:
    try:
        return ipaddress.ip_address(left.strip()) in _network(right)
    except ValueError:
        return False


def _binary_equals(left: str, right: str) -> bool:
    try:
        return base64.b64decode(left, validate=True) == base64.b64decode(
            right, validate=True
        )
    except (binascii.Error, ValueError):
        return left == right


def _bool_equals(left: str, right: str) -> bool:
    return left.lower() == right.lower()


def _string_like(left: str, right: str) -> bool:
    return glob_match(right, left)


def _ignore_case(left: str, right: str) -> bool:
    return left.casefold() == right.casefold()


@dataclass(frozen=True)
class BaseOperator:
    family: Family
    compare: Compare
    negated: bool = False


_BASE: dict[str, BaseOperator] = {
    "StringEquals": BaseOperator(Family.STRING, operator.eq),
    "StringNotEquals": BaseOperator(Family.STRING, operator.eq, negated=True),
    "StringEqualsIgnoreCase": BaseOperator(Family.STRING, _ignore_case),
    "StringNotEqualsIgnoreCase": BaseOperator(
        Family.STRING, _ignore_case, negated=True
    ),
    "StringLike": BaseOperator(Family.STRING, _string_like),
    "StringNotLike": BaseOperator(Family.STRING, _string_like, negated=True),
    "NumericEquals": BaseOperator(Family.NUMERIC, _numeric(operator.eq)),
    "NumericNotEquals": BaseOperator(
        Family.NUMERIC, _numeric(operator.eq), negated=True
    ),
    "NumericLessThan": BaseOperator(Family.NUMERIC, _numeric(operator.lt)),
    "NumericLessThanEquals": BaseOperator(Family.NUMERIC, _numeric(operator.le)),
    "NumericGreaterThan": BaseOperator(Family.NUMERIC, _numeric(operator.gt)),
    "NumericGreaterThanEquals": BaseOperator(Family.NUMERIC, _numeric(operator.ge)),
    "DateEquals": BaseOperator(Family.DATE, _dated(operator.eq)),
    "DateNotEquals": BaseOperator(Family.DATE, _dated(operator.eq), negated=True),
    "DateLessThan": BaseOperator(Family.DATE, _dated(operator.lt)),
    "DateLessThanEquals": BaseOperator(Family.DATE, _dated(operator.le)),
    "DateGreaterThan": BaseOperator(Family.DATE, _dated(operator.gt)),
    "DateGreaterThanEquals": BaseOperator(Family.DATE, _dated(operator.ge)),
    "Bool": BaseOperator(Family.BOOL, _bool_equals),
    "BinaryEquals": BaseOperator(Family.BINARY, _binary_equals),
    "IpAddress": BaseOperator(Family.IP, _ip_in),
    "NotIpAddress": BaseOperator(Family.IP, _ip_in, negated=True),
    "ArnEquals": BaseOperator(Family.ARN, lambda left, right: arn_match(right, left)),
    "ArnLike": BaseOperator(Family.ARN, lambda left, right: arn_match(right, left)),
    "ArnNotEquals": BaseOperator(
        Family.ARN, lambda left, right: arn_match(right, left), negated=True
    ),
    "ArnNotLike": BaseOperator(
        Family.ARN, lambda left, right: arn_match(right, left), negated=True
    ),
    "Null": BaseOperator(Family.NULL, operator.eq),
}

# Policy variables are substituted in the values of these families only.
_VARIABLE_FAMILIES = frozenset({Family.STRING, Family.ARN})


@dataclass(frozen=True)
class Operator:
    """A condition operator as written, split into its parts."""

    name: str
    base: str
    family: Family
    negated: bool
    if_exists: bool
    set_operator: SetOperator | None

    @property
    def compare(self) -> Compare:
        return _BASE[self.base].compare


def operator_names() -> tuple[str, ...]:
    return tuple(_BASE)


@lru_cache(maxsize=512)
def parse_operator(name: str) -> Operator:
    """Split an operator name; ValueError names what is wrong with it."""
    set_operator: SetOperator | None = None
    rest = name
    prefix, colon, tail = name.partition(":")
    if colon:
        try:
            set_operator = SetOperator(prefix)
        except ValueError:
            raise ValueError(f"unknown set operator {prefix!r}") from None
        rest = tail
    if_exists = rest.endswith("IfExists")
    base = rest.removesuffix("IfExists") if if_exists else rest
    spec = _BASE.get(base)
    if spec is None:
        raise ValueError(f"unknown condition operator {name!r}")
    if spec.family is Family.NULL and (if_exists or set_operator):
        raise ValueError(f"Null takes neither IfExists nor a set operator: {name!r}")
    return Operator(name, base, spec.family, spec.negated, if_exists, set_operator)


def check_value(family: Family, value: str) -> str | None:
    """Why `value` cannot be a policy value of `family`, or None when it can."""
    if family in _VARIABLE_FAMILIES and has_variables(value):
        try:
            parse_template(value)
        except ValueError as error:
            return str(error)
        return None
    checks: dict[Family, Callable[[str], object]] = {
        Family.NUMERIC: _parse_number,
        Family.DATE: parse_date,
        Family.IP: _network,
        Family.BINARY: lambda v: base64.b64decode(v, validate=True),
    }
    if family in (Family.BOOL, Family.NULL):
        if value.lower() not in ("true", "false"):
            return f"expected true or false, got {value!r}"
        return None
    check = checks.get(family)
    if check is None:
        return None
    try:
        check(value)
    except (ValueError, binascii.Error):
        return f"{value!r} is not a valid {family.value} value"
    return None


@dataclass(frozen=True)
class ConditionResult:
    """How one condition clause fared: the data an explanation needs."""

    operator: str
    key: str
    policy_values: tuple[str, ...]
    context_values: tuple[str, ...] | None
    holds: bool


_MEMO_LIMIT = 1024


class CompiledCondition:
    """A condition clause prepared for repeated evaluation."""

    __slots__ = ("_memo", "clause", "key", "op", "plain_values", "templates")

    def __init__(self, clause: ConditionClause, *, substitute: bool) -> None:
        self.clause = clause
        self.op = parse_operator(clause.operator)
        self.key = clause.key.lower()
        templates: list[Template] = []
        if substitute and self.op.family in _VARIABLE_FAMILIES:
            templates = [parse_template(v) for v in clause.values]
        if templates and not all(t.is_plain for t in templates):
            self.templates: tuple[Template, ...] | None = tuple(templates)
            self.plain_values: tuple[str, ...] = ()
        else:
            self.templates = None
            self.plain_values = (
                tuple(render(t, _no_lookup) or "" for t in templates)
                if templates
                else clause.values
            )
        # Without policy variables the outcome depends only on the context's
        # values for this one key, so it is remembered per value.
        self._memo: dict[tuple[str, ...] | None, bool] | None = (
            {} if self.templates is None else None
        )

    @property
    def reads(self) -> frozenset[str]:
        """The context keys the outcome depends on: the key, and any variables."""
        keys = {self.key}
        for template in self.templates or ():
            keys |= template.variables
        return frozenset(keys)

    def policy_values(self, context: Context) -> tuple[str, ...]:
        if self.templates is None:
            return self.plain_values
        rendered: list[str] = []
        for template in self.templates:
            value = render(template, lambda k: _first(context.get(k)))
            if value is not None:
                rendered.append(value)
        return tuple(rendered)

    def holds(self, context: Context) -> bool:
        present = context.get(self.key)
        memo = self._memo
        if memo is None:
            return self._holds(present, context)
        try:
            found = memo.get(present)
        except TypeError:  # a context value that is not a tuple of strings
            return self._holds(present, context)
        if found is None:
            found = self._holds(present, context)
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[present] = found
        return found

    def _holds(self, present: tuple[str, ...] | None, context: Context) -> bool:
        op = self.op

        if op.family is Family.NULL:
            absent = present is None or len(present) == 0
            return any((v.lower() == "true") == absent for v in self.plain_values)

        if present is None:
            if op.if_exists or op.set_operator is SetOperator.FOR_ALL:
                return True
            if op.set_operator is SetOperator.FOR_ANY:
                return False
            return op.negated

        wanted = self.policy_values(context)
        compare = op.compare

        def matches(value: str) -> bool:
            return any(compare(value, w) for w in wanted)

        if op.set_operator is SetOperator.FOR_ALL:
            if op.negated:
                return all(not matches(v) for v in present)
            return all(matches(v) for v in present)
        if op.set_operator is SetOperator.FOR_ANY:
            if op.negated:
                return any(not matches(v) for v in present)
            return any(matches(v) for v in present)
        hit = any(matches(v) for v in present)
        return not hit if op.negated else hit

    def explain(self, context: Context) -> ConditionResult:
        return ConditionResult(
            operator=self.clause.operator,
            key=self.clause.key,
            policy_values=self.policy_values(context),
            context_values=context.get(self.key),
            holds=self.holds(context),
        )


def _first(values: tuple[str, ...] | None) -> str | None:
    if not values:
        return None
    return values[0]


def _no_lookup(_key: str) -> str | None:
    return None
