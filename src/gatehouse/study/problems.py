"""A problem found in study content, with the place it was found."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content.

    `rule` is a stable code (`yaml`, `schema`, `duplicate-id`, `cue-word`, ...) that
    tests and tools match on; `message` is for people.
    """

    file: str
    line: int
    rule: str
    message: str
    item: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        subject = f" {self.item}:" if self.item else ""
        return f"{where}: [{self.rule}]{subject} {self.message}"


class ContentError(Exception):
    """Raised by callers that need content without problems (console, exports)."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        shown = "\n".join(str(problem) for problem in problems[:20])
        more = len(problems) - 20
        tail = f"\n... and {more} more" if more > 0 else ""
        super().__init__(
            f"study content has {len(problems)} problem(s):\n{shown}{tail}"
        )
