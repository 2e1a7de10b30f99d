"""Wildcard matching for actions, resources, principals and ARN conditions.

IAM wildcards are `*` (any run of characters, including none) and `?` (exactly
one character). Resource and ARN matching compares the six colon-separated parts
of an ARN one by one, so a wildcard never crosses from one part into the next;
the last part (the resource) keeps any colons it contains.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

Matcher = Callable[[str], bool]

_ARN_PARTS = 6


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text or LITERAL_MARK in text


# A NUL before `*` or `?` marks a literal character, as `${*}` and `${?}` produce
# after policy-variable substitution.
LITERAL_MARK = "\x00"


@lru_cache(maxsize=65536)
def _glob_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(_glob_body(pattern), flags)


def _glob_body(pattern: str, any_run: str = ".*", any_one: str = ".") -> str:
    """A wildcard pattern as a regular expression body."""
    body: list[str] = []
    literal_next = False
    for ch in pattern:
        if literal_next:
            body.append(re.escape(ch))
            literal_next = False
        elif ch == LITERAL_MARK:
            literal_next = True
        elif ch == "*":
            body.append(any_run)
        elif ch == "?":
            body.append(any_one)
        else:
            body.append(re.escape(ch))
    return "".join(body)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Match `value` against an IAM wildcard pattern."""
    if pattern == "*":
        return True
    if not has_wildcard(pattern):
        if ignore_case:
            return pattern.casefold() == value.casefold()
        return pattern == value
    return _glob_regex(pattern, ignore_case).fullmatch(value) is not None


def compile_glob(pattern: str, *, ignore_case: bool = False) -> Matcher:
    """A reusable matcher for one pattern; cheaper than `glob_match` in loops."""
    if pattern == "*":
        return _always
    if not has_wildcard(pattern):
        if ignore_case:
            folded = pattern.casefold()
            return lambda value: value.casefold() == folded
        return pattern.__eq__
    regex = _glob_regex(pattern, ignore_case)
    return lambda value: regex.fullmatch(value) is not None


def _always(_value: str) -> bool:
    return True


def split_arn(arn: str) -> list[str] | None:
    """The six parts of an ARN, or None when `arn` is not one."""
    parts = arn.split(":", _ARN_PARTS - 1)
    if len(parts) != _ARN_PARTS or parts[0] != "arn":
        return None
    return parts


def arn_match(pattern: str, value: str) -> bool:
    """Match an ARN against an ARN pattern, part by part (case-sensitive)."""
    if pattern == "*":
        return True
    pattern_parts = split_arn(pattern)
    value_parts = split_arn(value)
    if pattern_parts is None or value_parts is None:
        # A pattern that is not a whole ARN never matches an ARN part by part;
        # two non-ARN strings (a `*` resource, say) compare as plain patterns.
        return (
            pattern_parts is None and value_parts is None and glob_match(pattern, value)
        )
    return all(
        glob_match(p, v) for p, v in zip(pattern_parts, value_parts, strict=True)
    )


def compile_arn(pattern: str) -> Matcher:
    """A reusable ARN matcher for one pattern."""
    if pattern == "*":
        return _always
    pattern_parts = split_arn(pattern)
    if pattern_parts is None:
        plain = compile_glob(pattern)
        return lambda value: split_arn(value) is None and plain(value)
    if not has_wildcard(pattern):
        return pattern.__eq__
    matchers = [compile_glob(p) for p in pattern_parts]

    def match(value: str) -> bool:
        value_parts = split_arn(value)
        if value_parts is None:
            return False
        return all(m(v) for m, v in zip(matchers, value_parts, strict=True))

    return match


def _arn_part_regex(part: str, *, last: bool) -> str:
    """One ARN part as a regex; only the last part may match a colon."""
    if last:
        return _glob_body(part)
    return _glob_body(part, "[^:]*", "[^:]")


@lru_cache(maxsize=4096)
def _arn_set_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    # Policies repeat the same resource lists; each joined regex is built once.
    alternatives = []
    for pattern in patterns:
        parts = split_arn(pattern) or []
        alternatives.append(
            ":".join(
                _arn_part_regex(p, last=i == _ARN_PARTS - 1)
                for i, p in enumerate(parts)
            )
        )
    return re.compile("|".join(f"(?:{r})" for r in alternatives), re.DOTALL)


@lru_cache(maxsize=4096)
def _glob_set_regex(patterns: tuple[str, ...], ignore_case: bool) -> re.Pattern[str]:
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("|".join(f"(?:{_glob_body(p)})" for p in patterns), flags)


class PatternSet:
    """Several ARN (or plain) patterns matched together.

    Exact patterns are a set lookup; wildcard patterns are joined into one
    regular expression, so a statement with many resources costs one match.
    Patterns that are not whole ARNs only match values that are not ARNs either.
    """

    __slots__ = ("_exact", "_plain", "_regex", "_star")

    def __init__(self, patterns: tuple[str, ...], *, arn: bool = True) -> None:
        self._star = "*" in patterns
        exact: set[str] = set()
        arns: list[str] = []
        plain: list[Matcher] = []
        for pattern in patterns:
            if pattern == "*":
                continue
            if not has_wildcard(pattern):
                exact.add(pattern)
            elif arn and split_arn(pattern) is not None:
                arns.append(pattern)
            else:
                plain.append(compile_glob(pattern))
        self._exact = frozenset(exact)
        self._regex = _arn_set_regex(tuple(arns)) if arns else None
        self._plain = tuple(plain)

    def __call__(self, value: str) -> bool:
        if self._star or value in self._exact:
            return True
        if self._regex is not None and self._regex.fullmatch(value) is not None:
            return True
        if self._plain and not value.startswith("arn:"):
            return any(m(value) for m in self._plain)
        return False


class GlobSet:
    """Several plain wildcard patterns (a statement's actions) matched together.

    Exact patterns are a set lookup; wildcard patterns are joined into one
    regular expression.
    """

    __slots__ = ("_exact", "_fold", "_regex", "_star")

    def __init__(self, patterns: tuple[str, ...], *, ignore_case: bool = False) -> None:
        self._fold = ignore_case
        self._star = "*" in patterns
        self._exact = frozenset(
            p.casefold() if ignore_case else p for p in patterns if not has_wildcard(p)
        )
        wild = tuple(p for p in patterns if p != "*" and has_wildcard(p))
        self._regex = _glob_set_regex(wild, ignore_case) if wild else None

    def __call__(self, value: str) -> bool:
        if self._star:
            return True
        if (value.casefold() if self._fold else value) in self._exact:
            return True
        return self._regex is not None and self._regex.fullmatch(value) is not None
