"""`gatehouse study ...`: lint content, practise in the terminal, export."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import click

from gatehouse.paths import data_dir
from gatehouse.study.answers import Answer, AnswerError, shuffled
from gatehouse.study.export import to_json, write_apkg
from gatehouse.study.lint import lint as lint_content
from gatehouse.study.loader import CONTENT_DIR, load_content
from gatehouse.study.model import Content, Mechanism, QuestionType, Scenario, Tier
from gatehouse.study.practice import Study
from gatehouse.study.scheduler import Grade, utcnow
from gatehouse.study.store import Store

log = logging.getLogger(__name__)

_content_option = click.option(
    "--content",
    "content_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=CONTENT_DIR,
    show_default="the bundled content",
    help="Directory of study content YAML.",
)
_data_option = click.option(
    "--data-dir",
    "data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where progress is stored (default: the per-user data directory).",
)


def _load(content_dir: Path) -> Content:
    result = load_content(content_dir)
    if result.problems:
        click.echo(
            f"warning: {len(result.problems)} content problem(s) left items out; "
            "run `gatehouse study lint`",
            err=True,
        )
    return result.content


def _study(content_dir: Path, data: Path | None) -> Study:
    return Study(_load(content_dir), Store.in_dir(data or data_dir()))


@click.group()
def study() -> None:
    """Flashcards and scenario questions, scheduled by FSRS.

    Example: gatehouse study cards
    """


@study.command()
@_content_option
def lint(content_dir: Path) -> None:
    """Check the content: schema, references, item-writing rules, counts.

    Exits 1 when there is any problem. Example: gatehouse study lint
    """
    result = load_content(content_dir)
    problems = [*result.problems, *lint_content(result.content)]
    for problem in problems:
        click.echo(str(problem))

    content = result.content
    click.echo(
        f"{len(content.cards)} cards, {len(content.scenarios)} scenarios, "
        f"{len(content.misconceptions)} misconceptions, {len(content.facts)} facts: "
        f"{len(problems)} problem(s)"
    )
    if problems:
        raise SystemExit(1)


@study.command()
@_content_option
@_data_option
@click.option("--limit", default=20, show_default=True, help="Cards in this sitting.")
def cards(content_dir: Path, data: Path | None, limit: int) -> None:
    """Flashcards in the terminal: Enter flips, r or w grades, q quits.

    Uses the same progress file as the web console. Example: gatehouse study cards --limit 10
    """
    session = _study(content_dir, data)
    session_id = f"cli-{uuid.uuid4().hex[:12]}"
    due = session.queue(utcnow()).cards[:limit]
    if not due:
        click.echo("Nothing is due. Come back later.")
        return

    for number, card in enumerate(due, start=1):
        click.echo(
            f"\n[{number}/{len(due)}] {card.mechanism.value} · {card.kind.value}"
        )
        click.echo(card.front)
        if (
            click.prompt("Enter to flip, q to quit", default="", show_default=False)
            == "q"
        ):
            break
        click.echo(f"\n{card.back}\n")
        answer = click.prompt(
            "r = I was right, w = I was wrong, q = quit",
            type=click.Choice(["r", "w", "q"]),
            show_choices=False,
        )
        if answer == "q":
            break
        grade = Grade.RIGHT if answer == "r" else Grade.WRONG
        review = session.grade(card.id, grade, now=utcnow(), session=session_id)
        right, wrong = session.store.session_score(session_id)
        click.echo(
            f"Next review {review.due:%Y-%m-%d %H:%M} UTC · score {right} right, {wrong} wrong"
        )

    right, wrong = session.store.session_score(session_id)
    click.echo(f"\nSession: {right} right, {wrong} wrong.")


def _ask(scenario: Scenario) -> Answer:
    """Show a scenario and read an answer in the format its type needs."""
    click.echo(f"\n{scenario.stem}")
    if scenario.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        for option in scenario.options:
            click.echo(f"  {option.id}) {option.text}")
        hint = (
            "one letter"
            if scenario.type is QuestionType.SINGLE
            else "letters, like a,c"
        )
        raw = click.prompt(f"Answer ({hint})")
        return Answer(
            choices=frozenset(part.strip() for part in raw.split(",") if part.strip())
        )

    if scenario.type is QuestionType.ORDERING:
        shown = shuffled(scenario, [step.id for step in scenario.steps])
        by_id = {step.id: step for step in scenario.steps}
        for number, step_id in enumerate(shown, start=1):
            click.echo(f"  {number}) {by_id[step_id].text}")
        raw = click.prompt("Order (numbers, first to last, like 2,1,3)")
        picked = [
            shown[int(part) - 1]
            for part in raw.split(",")
            if part.strip().isdigit() and 0 < int(part) <= len(shown)
        ]
        return Answer(order=tuple(picked))

    rights = shuffled(scenario, [pair.id for pair in scenario.pairs], salt="right")
    right_text = {pair.id: pair.right for pair in scenario.pairs}
    for letter, pair_id in zip("abcdefgh", rights, strict=False):
        click.echo(f"  {letter}) {right_text[pair_id]}")
    matches: list[tuple[str, str]] = []
    for pair in scenario.pairs:
        letter = click.prompt(
            f"  {pair.left} =", type=click.Choice(list("abcdefgh"[: len(rights)]))
        )
        matches.append((pair.id, rights["abcdefgh".index(letter)]))
    return Answer(matches=tuple(matches))


def _explain(scenario: Scenario, study_: Study) -> None:
    for option in scenario.options:
        verdict = "right" if option.correct else "wrong"
        click.echo(f"  {option.id}) {verdict}: {option.explanation}")
        misconception = study_.content.misconception_by_id.get(
            option.misconception or ""
        )
        if misconception:
            click.echo(f"     tests the misconception: {misconception.claim}")
    for number, step in enumerate(scenario.steps, start=1):
        click.echo(f"  {number}. {step.text}: {step.explanation}")
    for pair in scenario.pairs:
        click.echo(f"  {pair.left} -> {pair.right}: {pair.explanation}")


@study.command()
@_content_option
@_data_option
@click.option("--tier", type=click.Choice([t.value for t in Tier]), default=None)
@click.option(
    "--mechanism", type=click.Choice([m.value for m in Mechanism]), default=None
)
@click.option(
    "--count", default=10, show_default=True, help="Questions in this sitting."
)
def quiz(
    content_dir: Path,
    data: Path | None,
    tier: str | None,
    mechanism: str | None,
    count: int,
) -> None:
    """Scenario questions in the terminal, each explained after you answer.

    Example: gatehouse study quiz --tier hard --mechanism imds
    """
    session = _study(content_dir, data)
    chosen = session.scenarios(
        tier=Tier(tier) if tier else None,
        mechanism=Mechanism(mechanism) if mechanism else None,
    )[:count]
    if not chosen:
        raise click.ClickException("no scenario matches those filters")

    right = 0
    for number, scenario in enumerate(chosen, start=1):
        click.echo(
            f"\n[{number}/{len(chosen)}] {scenario.tier.value} · {scenario.type.value}"
        )
        try:
            _, outcome = session.answer(scenario.id, _ask(scenario), now=utcnow())
        except AnswerError as error:
            click.echo(f"Not a valid answer ({error}); counted as skipped.")
            continue
        right += outcome.correct
        click.echo("Correct." if outcome.correct else "Not quite.")
        _explain(scenario, session)
    click.echo(f"\n{right} of {len(chosen)} right.")


@study.command()
@_content_option
@_data_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "apkg"]),
    default="json",
    show_default=True,
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output file (json defaults to stdout; apkg needs a file).",
)
@click.option("--with-progress", is_flag=True, help="JSON: include your progress.")
def export(
    content_dir: Path,
    data: Path | None,
    fmt: str,
    out: Path | None,
    with_progress: bool,
) -> None:
    """Export every card and scenario, as JSON or as an Anki deck.

    Re-importing a newer .apkg updates the notes instead of duplicating them.

    Examples: gatehouse study export --format json --out bank.json;
    gatehouse study export --format apkg --out gatehouse.apkg
    """
    content = _load(content_dir)
    if fmt == "apkg":
        if out is None:
            raise click.UsageError("--format apkg needs --out FILE")
        notes = write_apkg(content, out)
        click.echo(f"wrote {notes} notes to {out}")
        return

    exported = to_json(content)
    if with_progress:
        exported["progress"] = Store.in_dir(data or data_dir()).export()
    text = json.dumps(exported, indent=2, ensure_ascii=False)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(
            f"wrote {len(content.cards)} cards and {len(content.scenarios)} scenarios to {out}"
        )
