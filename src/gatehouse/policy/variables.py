"""Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, …

Only 2012-10-17 documents substitute them. `${*}`, `${?}` and `${$}` stand for
the literal characters, so a pattern can match a real `*` or `?`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from gatehouse.policy.wildcard import LITERAL_MARK

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_WITH_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*(?:,\s*'([^']*)'\s*)?$")
_LITERALS = frozenset({"*", "?", "$"})

# Literal wildcard characters survive substitution behind a marker, so that the
# matcher can tell them from real wildcards.
LITERAL_STAR = LITERAL_MARK + "*"
LITERAL_QUESTION = LITERAL_MARK + "?"


@dataclass(frozen=True)
class Template:
    """A string with policy variables, split into literal and variable parts."""

    parts: tuple[str | tuple[str, str | None], ...]

    @property
    def is_plain(self) -> bool:
        return all(isinstance(p, str) for p in self.parts)

    @property
    def variables(self) -> frozenset[str]:
        """The (lower-cased) context keys this template reads."""
        return frozenset(p[0] for p in self.parts if not isinstance(p, str))


def has_variables(text: str) -> bool:
    return "${" in text


def parse_template(text: str) -> Template:
    """Split `text` into literal text and `(key, default)` variables.

    Raises ValueError for a malformed variable.
    """
    parts: list[str | tuple[str, str | None]] = []
    position = 0
    for found in _VARIABLE.finditer(text):
        parts.append(text[position : found.start()])
        inner = found.group(1).strip()
        if inner in _LITERALS:
            parts.append(_literal(inner))
        else:
            match = _WITH_DEFAULT.match(inner)
            if match is None or ":" not in match.group(1):
                raise ValueError(f"malformed policy variable ${{{found.group(1)}}}")
            parts.append((match.group(1).lower(), match.group(2)))
        position = found.end()
    tail = text[position:]
    if "${" in tail:
        raise ValueError("unterminated policy variable")
    parts.append(tail)
    return Template(tuple(p for p in parts if p != ""))


def _literal(inner: str) -> str:
    if inner == "*":
        return LITERAL_STAR
    if inner == "?":
        return LITERAL_QUESTION
    return "$"


def render(template: Template, lookup: Callable[[str], str | None]) -> str | None:
    """Substitute variables; None when one has no value and no default.

    AWS treats an element whose variable cannot be resolved as not matching.
    """
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        key, default = part
        value = lookup(key)
        if value is None:
            value = default
        if value is None:
            return None
        out.append(value)
    return "".join(out)
