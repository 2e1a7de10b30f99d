"""`gatehouse lab …`: run and inspect the local AWS."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from gatehouse.paths import data_dir

_STATE = click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="State directory (default: <data dir>/lab).",
)
_WORLD = click.option(
    "--world",
    "world_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="World file (default: the built-in world).",
)


def _paths(state_dir: Path | None) -> Any:
    from gatehouse.lab.launch import LabPaths

    return LabPaths((state_dir or data_dir() / "lab").resolve())


@click.group()
def lab() -> None:
    """Run and inspect the local AWS (the lab)."""


@lab.command()
@_WORLD
@_STATE
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port", default=4566, show_default=True, type=int, help="Endpoint port."
)
@click.option(
    "--detach", is_flag=True, help="Run in the background; stop with `lab down`."
)
def up(
    world_path: Path | None, state_dir: Path | None, host: str, port: int, detach: bool
) -> None:
    """Start the lab endpoint and its instances' metadata services.

    Example:

        gatehouse lab up --detach && eval "$(gatehouse lab env)" && aws --profile home sts get-caller-identity
    """
    from gatehouse.lab.launch import LabError, RunningLab, running_pid, tune_for_serving
    from gatehouse.lab.world import WorldError

    paths = _paths(state_dir)
    if running_pid(paths) is not None:
        raise click.ClickException(
            f"a lab is already running on {paths.root}; see `gatehouse lab env`"
        )
    if detach:
        _start_detached(paths, world_path, host, port)
        return

    try:
        running = RunningLab(paths, world_path=world_path, host=host, port=port)
        description = running.start()
    except (LabError, WorldError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(_summary(description))
    tune_for_serving()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        running.stop()
        click.echo("lab stopped", err=True)


@lab.command()
@_STATE
def down(state_dir: Path | None) -> None:
    """Stop a lab started with --detach (example: gatehouse lab down)."""
    from gatehouse.lab.launch import running_pid

    paths = _paths(state_dir)
    pid = running_pid(paths)
    if pid is None:
        raise click.ClickException(f"no lab is running on {paths.root}")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while running_pid(paths) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    if running_pid(paths) is not None:
        raise click.ClickException(f"the lab (pid {pid}) did not stop within 20 s")
    click.echo(f"lab on {paths.root} stopped")


@lab.command()
@_WORLD
@_STATE
def reset(world_path: Path | None, state_dir: Path | None) -> None:
    """Return the lab to its world's initial state (example: gatehouse lab reset)."""
    from gatehouse.lab.launch import LabError
    from gatehouse.lab.launch import reset as reset_lab
    from gatehouse.lab.world import WorldError, load_world

    paths = _paths(state_dir)
    try:
        reset_lab(paths, load_world(world_path))
    except (LabError, WorldError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"lab state on {paths.root} reset")


@lab.command()
@_STATE
def env(state_dir: Path | None) -> None:
    """Print the shell exports that point the AWS CLI at the lab.

    Example: eval "$(gatehouse lab env)"
    """
    paths = _paths(state_dir)
    try:
        description = json.loads(paths.description.read_text(encoding="utf-8"))
    except OSError:
        raise click.ClickException(f"no lab is running on {paths.root}") from None
    click.echo(_exports(description))


@lab.command()
@_STATE
@click.option("--provider", required=True, help="The provider's IAM name.")
@click.option("--subject", required=True, help="sub claim (OIDC) or NameID (SAML).")
@click.option("--audience", help="OIDC client id (default: the provider's first).")
@click.option("--claim", "claims", multiple=True, help="Extra claim k=v (JSON v ok).")
@click.option("--source-identity", help="Source identity the token carries.")
@click.option("--tag", "tags", multiple=True, help="Session tag k=v.")
@click.option("--transitive", multiple=True, help="Transitive session tag key.")
@click.option(
    "--expires-in",
    type=int,
    default=None,
    help="Seconds of validity (default 3600 OIDC, 300 SAML; negative: expired).",
)
@click.option("--account", help="Account id or alias, when several hold the name.")
@click.option("--saml", is_flag=True, help="Mint a SAML response, not an ID token.")
@click.option("--role", "roles", multiple=True, help="SAML: a role ARN to grant.")
@click.option("--session-name", help="SAML: RoleSessionName (default: subject).")
@click.option("--session-duration", type=int, help="SAML: SessionDuration.")
def token(
    state_dir: Path | None,
    provider: str,
    subject: str,
    audience: str | None,
    claims: tuple[str, ...],
    source_identity: str | None,
    tags: tuple[str, ...],
    transitive: tuple[str, ...],
    expires_in: int | None,
    account: str | None,
    saml: bool,
    roles: tuple[str, ...],
    session_name: str | None,
    session_duration: int | None,
) -> None:
    """Play a world's identity provider: print a signed OIDC ID token or SAML response.

    Example:

        gatehouse lab token --provider ci.gatehouse.example --subject repo:home/app:ref:refs/heads/main
    """
    from gatehouse.lab.tokens import TokenRequest, TokenRequestError, mint

    request = TokenRequest(
        provider=provider,
        subject=subject,
        saml=saml,
        account=account,
        audience=audience,
        claims=claims,
        source_identity=source_identity,
        tags=tags,
        transitive=transitive,
        expires_in=expires_in,
        roles=roles,
        session_name=session_name,
        session_duration=session_duration,
    )
    try:
        click.echo(mint(_paths(state_dir).database, request))
    except TokenRequestError as error:
        raise click.ClickException(str(error)) from None


@lab.command()
def coverage() -> None:
    """Print the coverage table (example: gatehouse lab coverage > docs/coverage.md)."""
    from gatehouse.lab.coverage import coverage_markdown
    from gatehouse.lab.routes import default_routes

    click.echo(coverage_markdown(default_routes()), nl=False)


@lab.command("run")
@click.argument("name", required=False)
@_STATE
@click.option("--list", "list_runs", is_flag=True, help="List the labs and exit.")
@click.option(
    "--hop-demo/--no-hop-demo",
    default=True,
    show_default=True,
    help="Run the network-namespace hop-limit demonstration when root.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the steps as JSON.")
def run_lab(
    name: str | None,
    state_dir: Path | None,
    list_runs: bool,
    hop_demo: bool,
    as_json: bool,
) -> None:
    """Play a scripted lab against a lab and print each step.

    With --state of a running lab it plays there (and changes it: the web
    instance ends with IMDSv2 required); otherwise it starts a lab of its own
    in a temporary directory for the run.

    Examples: gatehouse lab run --list; gatehouse lab run ssrf-imds
    """
    from gatehouse.lab.launch import LabError
    from gatehouse.lab.runs import find_run, play
    from gatehouse.lab.ssrf import RUNS

    if list_runs or name is None:
        for run in RUNS.values():
            click.echo(f"{run.name}: {run.summary}")
        return
    try:
        paths = _paths(state_dir) if state_dir is not None else None
        steps = play(find_run(name), paths=paths, hop_demo=hop_demo)
    except LabError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps([s.to_json() for s in steps], indent=2))
    else:
        click.echo(_steps_text(steps))
    if not all(s.as_expected for s in steps):
        sys.exit(1)


def _steps_text(steps: list[Any]) -> str:
    lines = []
    for number, step in enumerate(steps, 1):
        mark = "ok" if step.as_expected else "UNEXPECTED"
        lines += [
            f"{number}. {step.title} [{mark}]",
            f"   did:      {step.action}",
            f"   expected: {step.expected}",
            f"   observed: {step.observed}",
            f"   why:      {step.explanation}",
            "",
        ]
    passed = sum(s.as_expected for s in steps)
    lines.append(f"{passed} of {len(steps)} steps went as the lesson expects.")
    return "\n".join(lines)


def _exports(description: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"export AWS_CONFIG_FILE={description['config_file']}",
            f"export AWS_SHARED_CREDENTIALS_FILE={description['credentials_file']}",
        ]
    )


def _summary(description: dict[str, Any]) -> str:
    accounts = ", ".join(f"{a['alias']} ({a['id']})" for a in description["accounts"])
    lines = [
        f"Gatehouse lab on {description['endpoint']} (state: {description['state_dir']})",
        f"accounts: {accounts}",
    ]
    for instance, info in description["instances"].items():
        lines.append(f"instance {instance}: metadata service {info['imds']}")
    lines += ["", _exports(description), "aws --profile home sts get-caller-identity"]
    return "\n".join(lines)


def _start_detached(paths: Any, world_path: Path | None, host: str, port: int) -> None:
    from gatehouse.lab.launch import running_pid

    paths.root.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "gatehouse",
        "lab",
        "up",
        "--state",
        str(paths.root),
    ]
    command += ["--host", host, "--port", str(port)]
    if world_path is not None:
        command += ["--world", str(world_path)]
    with paths.log_file.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"the lab failed to start; see {paths.log_file}")
        if running_pid(paths) == process.pid:
            description = json.loads(paths.description.read_text(encoding="utf-8"))
            click.echo(_summary(description))
            return
        time.sleep(0.1)
    process.terminate()
    raise click.ClickException(
        f"the lab did not start within 60 s; see {paths.log_file}"
    )
