"""`gatehouse policy …`: evaluate and lint IAM policies."""

from __future__ import annotations

import json
import sys
from typing import IO

import click

from gatehouse.policy.document import DocumentEvaluator
from gatehouse.policy.errors import PolicyError, Severity
from gatehouse.policy.model import PolicyKind
from gatehouse.policy.parse import lint_policy

EXIT_BAD_INPUT = 2


@click.group()
def policy() -> None:
    """Evaluate and lint IAM policies."""


@policy.command("eval")
@click.argument("source", type=click.File("r"))
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
@click.option(
    "--jsonl",
    is_flag=True,
    help="Read one request per line; print one result per line.",
)
def eval_command(source: IO[str], as_json: bool, jsonl: bool) -> None:
    """Decide a request: may this principal do this action on this resource?

    SOURCE is a JSON request file, or - for standard input. Example:

        gatehouse policy eval --json examples/policy/vendor-assume-role.json
    """
    evaluator = DocumentEvaluator()
    if jsonl:
        sys.exit(_eval_lines(evaluator, source))
    try:
        evaluation = evaluator.evaluate_text(source.read())
    except PolicyError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if as_json:
        click.echo(json.dumps(evaluation.to_json(), indent=2))
    else:
        click.echo(evaluation.explain())


def _eval_lines(evaluator: DocumentEvaluator, source: IO[str]) -> int:
    status = 0
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            result = evaluator.evaluate_text(line).to_json()
        except PolicyError as error:
            result = {"line": number, "error": str(error)}
            status = EXIT_BAD_INPUT
        click.echo(json.dumps(result, separators=(",", ":")))
    return status


@policy.command("lint")
@click.argument("source", type=click.File("r"))
@click.option(
    "--kind",
    type=click.Choice([k.value for k in PolicyKind]),
    default=PolicyKind.IDENTITY.value,
    show_default=True,
    help="Where the policy is attached; it decides which elements are allowed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def lint_command(source: IO[str], kind: str, as_json: bool) -> None:
    """Report every problem in a policy document, with its location.

    Exits 1 when there is any problem. Example:

        gatehouse policy lint --kind trust examples/policy/trust-extid.json
    """
    problems = lint_policy(source.read(), kind=PolicyKind(kind))
    if as_json:
        rows = [
            {
                "code": p.code,
                "severity": p.severity.value,
                "location": p.location,
                "message": p.message,
            }
            for p in problems
        ]
        click.echo(json.dumps(rows, indent=2))
    else:
        for problem in problems:
            click.echo(str(problem))
        errors = sum(p.severity is Severity.ERROR for p in problems)
        click.echo(f"{errors} error(s), {len(problems) - errors} warning(s)", err=True)
    sys.exit(1 if problems else 0)
