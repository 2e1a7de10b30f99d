"""Read study content from YAML files into the typed model, reporting every problem.

A file that is not valid YAML, or an item that breaks the schema, is reported with
its file, line and item, and left out; every other file and item still loads.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from gatehouse.study.model import (
    EXAM_DOMAINS,
    Card,
    CardKind,
    Comparison,
    Content,
    Domains,
    ExamVersion,
    Fact,
    Mechanism,
    Misconception,
    Option,
    Origin,
    Pair,
    QuestionType,
    Scenario,
    Side,
    Step,
    Tier,
)
from gatehouse.study.problems import Problem

log = logging.getLogger(__name__)

CONTENT_DIR = Path(__file__).parent / "content"

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
DEMO_PATTERN = re.compile(r"^demo\.[a-z0-9-]+\.[a-z0-9-]+(?:\.[a-z0-9-]+)*$")
KINDS = ("facts", "cards", "misconceptions", "comparisons", "scenarios")

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


@dataclass(frozen=True)
class LoadResult:
    content: Content
    problems: tuple[Problem, ...]


class _LineDict(dict[str, Any]):
    """A YAML mapping that remembers the line it started on."""

    line: int = 0


class _Loader(yaml.SafeLoader):
    duplicate_keys: list[tuple[str, int]]


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Iterator[_LineDict]:
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    yield mapping

    seen: set[object] = set()
    for key_node, _ in node.value:
        key = key_node.value
        if key in seen:
            loader.duplicate_keys.append((str(key), key_node.start_mark.line + 1))
        seen.add(key)
    mapping.update({str(k): v for k, v in loader.construct_mapping(node).items()})


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


class _Fields:
    """Typed reads of one YAML mapping; each failed read records a problem.

    A failed read returns a placeholder of the right type so that the caller can
    build its value in one expression; the caller drops the value when `failed`.
    """

    def __init__(
        self, raw: Mapping[str, Any], *, file: str, line: int, label: str
    ) -> None:
        self.raw = raw
        self.file = file
        self.line = line
        self.label = label
        self.problems: list[Problem] = []
        self.read: set[str] = set()

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def problem(self, message: str) -> None:
        self.problems.append(
            Problem(self.file, self.line, "schema", message, self.label)
        )

    def _get(self, key: str, *, required: bool = True) -> Any:
        self.read.add(key)
        if key not in self.raw or self.raw[key] is None:
            if required:
                self.problem(f"missing field '{key}'")
            return None
        return self.raw[key]

    def text(self, key: str, *, required: bool = True) -> str:
        value = self._get(key, required=required)
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(f"field '{key}' must be a non-empty string")
            return ""
        return value.strip()

    def optional_text(self, key: str) -> str | None:
        return self.text(key, required=False) or None

    def ident(self, key: str, *, required: bool = True) -> str:
        value = self.text(key, required=required)
        if value and not ID_PATTERN.match(value):
            self.problem(f"field '{key}' is not a dotted lowercase id: {value!r}")
        return value

    def demo(self, key: str = "demo") -> str:
        value = self.text(key)
        if value and not DEMO_PATTERN.match(value):
            self.problem(
                f"field '{key}' must look like demo.<mechanism>.<slug>: {value!r}"
            )
        return value

    def ids(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        value = self._get(key, required=required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(f"field '{key}' must be a list of ids")
            return ()
        return tuple(value)

    def enum(self, key: str, kind: type[E]) -> E:
        value = self._get(key)
        allowed = [member.value for member in kind]
        if value in allowed:
            return kind(value)
        if value is not None:
            self.problem(f"field '{key}' is {value!r}; expected one of {allowed}")
        return next(iter(kind))

    def boolean(self, key: str, *, default: bool | None = None) -> bool:
        value = self._get(key, required=default is None)
        if value is None:
            return bool(default)
        if not isinstance(value, bool):
            self.problem(f"field '{key}' must be true or false")
            return False
        return value

    def integer(self, key: str, *, required: bool = True) -> int | None:
        value = self._get(key, required=required)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(f"field '{key}' must be an integer")
            return None
        return value

    def date(self, key: str) -> dt.date:
        value = self._get(key)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        if value is not None:
            self.problem(f"field '{key}' must be a date like 2026-01-31")
        return dt.date.min

    def domains(self, key: str = "domains") -> Domains:
        value = self._get(key)
        if value is None:
            return Domains((), ())
        if not isinstance(value, Mapping):
            self.problem(f"field '{key}' must map scs-c02 and scs-c03 to domain codes")
            return Domains((), ())

        codes: dict[ExamVersion, tuple[str, ...]] = {}
        for exam in ExamVersion:
            listed = value.get(exam.value)
            known = {domain.code for domain in EXAM_DOMAINS[exam]}
            if not isinstance(listed, list) or not listed:
                self.problem(f"field '{key}.{exam.value}' must be a non-empty list")
                listed = []
            unknown = [code for code in listed if code not in known]
            if unknown:
                self.problem(
                    f"field '{key}.{exam.value}' has unknown domain(s) {unknown}; "
                    f"expected some of {sorted(known)}"
                )
            codes[exam] = tuple(str(code) for code in listed)
        extra = sorted(set(value) - {exam.value for exam in ExamVersion})
        if extra:
            self.problem(f"field '{key}' has unknown exam version(s) {extra}")
        return Domains(codes[ExamVersion.SCS_C02], codes[ExamVersion.SCS_C03])

    def items(self, key: str, *, required: bool = True) -> list[_Fields]:
        value = self._get(key, required=required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(f"field '{key}' must be a list")
            return []
        nested: list[_Fields] = []
        for index, entry in enumerate(value):
            label = f"{self.label} {key}[{index}]"
            if not isinstance(entry, Mapping):
                self.problem(f"{key}[{index}] must be a mapping")
                continue
            line = getattr(entry, "line", self.line)
            nested.append(_Fields(entry, file=self.file, line=line, label=label))
        return nested

    def absent(self, *keys: str, because: str) -> None:
        for key in keys:
            self.read.add(key)
            if self.raw.get(key) is not None:
                self.problem(f"field '{key}' is not used {because}")

    def finish(self) -> list[Problem]:
        unknown = sorted(set(self.raw) - self.read)
        if unknown:
            self.problem(f"unknown field(s) {unknown}")
        return self.problems


def _origin(fields: _Fields) -> Origin:
    return Origin(fields.file, fields.line)


def _fact(f: _Fields) -> Fact:
    return Fact(
        id=f.ident("id"),
        mechanism=f.enum("mechanism", Mechanism),
        statement=f.text("statement"),
        source=f.text("source"),
        checked=f.date("checked"),
        domains=f.domains(),
        demo=f.demo(),
        origin=_origin(f),
    )


def _card(f: _Fields) -> Card:
    card = Card(
        id=f.ident("id"),
        kind=f.enum("kind", CardKind),
        mechanism=f.enum("mechanism", Mechanism),
        front=f.text("front"),
        back=f.text("back"),
        facts=f.ids("facts"),
        domains=f.domains(),
        exam=f.enum("exam", ExamVersion),
        demo=f.demo(),
        origin=_origin(f),
        misconception=f.ident("misconception", required=False) or None,
        comparison=f.ident("comparison", required=False) or None,
    )
    if card.kind is CardKind.MISCONCEPTION and card.misconception is None:
        f.problem("a card of kind misconception needs 'misconception: <id>'")
    if card.kind is CardKind.COMPARISON and card.comparison is None:
        f.problem("a card of kind comparison needs 'comparison: <id>'")
    return card


def _misconception(f: _Fields) -> Misconception:
    return Misconception(
        id=f.ident("id"),
        mechanism=f.enum("mechanism", Mechanism),
        claim=f.text("claim"),
        correction=f.text("correction"),
        facts=f.ids("facts"),
        card=f.ident("card"),
        from_seed=f.boolean("from_seed", default=False),
        domains=f.domains(),
        exam=f.enum("exam", ExamVersion),
        demo=f.demo(),
        origin=_origin(f),
    )


def _side(f: _Fields) -> Side:
    return Side(name=f.text("name"), summary=f.text("summary"))


def _comparison(f: _Fields) -> Comparison:
    sides = _nested(f, "sides", _side)
    if len(sides) < 2:
        f.problem("a comparison needs at least two sides")
    return Comparison(
        id=f.ident("id"),
        mechanism=f.enum("mechanism", Mechanism),
        title=f.text("title"),
        sides=sides,
        difference=f.text("difference"),
        card=f.ident("card"),
        facts=f.ids("facts"),
        domains=f.domains(),
        exam=f.enum("exam", ExamVersion),
        demo=f.demo(),
        origin=_origin(f),
    )


def _option(f: _Fields) -> Option:
    return Option(
        id=f.text("id"),
        text=f.text("text"),
        correct=f.boolean("correct"),
        # A missing explanation is the linter's "explained" rule, not a schema error.
        explanation=f.text("explanation", required=False),
        misconception=f.ident("misconception", required=False) or None,
    )


def _step(f: _Fields) -> Step:
    return Step(
        id=f.text("id"),
        text=f.text("text"),
        explanation=f.text("explanation", required=False),
    )


def _pair(f: _Fields) -> Pair:
    return Pair(
        id=f.text("id"),
        left=f.text("left"),
        right=f.text("right"),
        explanation=f.text("explanation", required=False),
    )


def _nested(f: _Fields, key: str, build: Callable[[_Fields], T]) -> tuple[T, ...]:
    built: list[T] = []
    for child in f.items(key):
        value = build(child)
        f.problems.extend(child.finish())
        built.append(value)
    return tuple(built)


def _scenario(f: _Fields) -> Scenario:
    kind = f.enum("type", QuestionType)
    options: tuple[Option, ...] = ()
    steps: tuple[Step, ...] = ()
    pairs: tuple[Pair, ...] = ()
    select: int | None = None

    if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        options = _nested(f, "options", _option)
        f.absent("steps", "pairs", because=f"by a {kind} question")
    if kind is QuestionType.MULTIPLE:
        select = f.integer("select")
    else:
        f.absent("select", because=f"by a {kind} question")
    if kind is QuestionType.ORDERING:
        steps = _nested(f, "steps", _step)
        f.absent("options", "pairs", because="by an ordering question")
    if kind is QuestionType.MATCHING:
        pairs = _nested(f, "pairs", _pair)
        f.absent("options", "steps", because="by a matching question")

    return Scenario(
        id=f.ident("id"),
        tier=f.enum("tier", Tier),
        type=kind,
        mechanism=f.enum("mechanism", Mechanism),
        domains=f.domains(),
        exam=f.enum("exam", ExamVersion),
        demo=f.demo(),
        facts=f.ids("facts"),
        stem=f.text("stem"),
        origin=_origin(f),
        select=select,
        options=options,
        steps=steps,
        pairs=pairs,
    )


_BUILDERS: dict[str, Callable[[_Fields], object]] = {
    "facts": _fact,
    "cards": _card,
    "misconceptions": _misconception,
    "comparisons": _comparison,
    "scenarios": _scenario,
}


def _parse_file(path: Path, name: str) -> tuple[Any, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(name, 0, "yaml", f"cannot read the file: {error}")]
    loader = _Loader(text)
    loader.duplicate_keys = []
    try:
        document = loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = getattr(error, "problem", None) or str(error)
        return None, [Problem(name, line, "yaml", f"not valid YAML: {reason}")]
    finally:
        loader.dispose()

    problems = [
        Problem(name, line, "yaml", f"key '{key}' appears twice in one mapping")
        for key, line in loader.duplicate_keys
    ]
    return document, problems


def _read_file(path: Path, root: Path) -> tuple[dict[str, list[object]], list[Problem]]:
    name = path.relative_to(root).as_posix()
    document, problems = _parse_file(path, name)
    if document is None:
        return {}, problems or [Problem(name, 1, "yaml", "the file is empty")]

    if not isinstance(document, Mapping) or len(document) != 1:
        problems.append(
            Problem(name, 1, "schema", f"expected one top-level key, one of {KINDS}")
        )
        return {}, problems
    ((kind, entries),) = document.items()
    if kind not in _BUILDERS or not isinstance(entries, list):
        problems.append(
            Problem(
                name, 1, "schema", f"top-level key must be one of {KINDS}, with a list"
            )
        )
        return {}, problems

    built: list[object] = []
    for index, raw in enumerate(entries):
        line = getattr(raw, "line", 1)
        label = f"{kind}[{index}]"
        if not isinstance(raw, Mapping):
            problems.append(
                Problem(name, line, "schema", "item must be a mapping", label)
            )
            continue
        if isinstance(raw.get("id"), str):
            label = f"{label} {raw['id']}"
        fields = _Fields(raw, file=name, line=line, label=label)
        value = _BUILDERS[kind](fields)
        _check_tier_file(value, path, fields)
        problems.extend(fields.finish())
        if not fields.failed:
            built.append(value)
    return {kind: built}, problems


def _check_tier_file(value: object, path: Path, fields: _Fields) -> None:
    tiers = {tier.value for tier in Tier}
    if isinstance(value, Scenario) and path.stem in tiers and value.tier != path.stem:
        fields.problem(f"tier is {value.tier.value!r} but the file is {path.name}")


def load_content(root: Path = CONTENT_DIR) -> LoadResult:
    """Load every `*.yaml` under `root`; never raises for bad content."""
    found: dict[str, list[object]] = {kind: [] for kind in KINDS}
    problems: list[Problem] = []

    for path in sorted(root.rglob("*.yaml")):
        items, file_problems = _read_file(path, root)
        problems.extend(file_problems)
        for kind, built in items.items():
            found[kind].extend(built)
        log.debug("read %s: %d problem(s)", path, len(file_problems))

    content = Content(
        facts=tuple(item for item in found["facts"] if isinstance(item, Fact)),
        cards=tuple(item for item in found["cards"] if isinstance(item, Card)),
        misconceptions=tuple(
            item for item in found["misconceptions"] if isinstance(item, Misconception)
        ),
        comparisons=tuple(
            item for item in found["comparisons"] if isinstance(item, Comparison)
        ),
        scenarios=tuple(
            item for item in found["scenarios"] if isinstance(item, Scenario)
        ),
    )
    log.info(
        "loaded %d cards and %d scenarios from %s (%d problem(s))",
        len(content.cards),
        len(content.scenarios),
        root,
        len(problems),
    )
    return LoadResult(content, tuple(problems))
