"""`gatehouse imds …`: run an instance metadata service."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import click

from gatehouse.imds.errors import InstanceDescriptionError
from gatehouse.imds.instance import Instance
from gatehouse.imds.server import MetadataServer, ServerLimits
from gatehouse.imds.service import MetadataService, TokenFault

EXIT_BAD_INPUT = 2


@click.group()
def imds() -> None:
    """Run the EC2 instance metadata service of a lab instance."""


@imds.command("serve")
@click.option(
    "--instance-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="JSON description of the instance (DescribeInstances field names).",
)
@click.option(
    "--bind",
    "binds",
    multiple=True,
    default=["127.0.0.1"],
    show_default=True,
    help="Address to listen on; repeat for more.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8169, show_default=True)
@click.option(
    "--request-timeout",
    type=click.FloatRange(0.1, 300),
    default=10.0,
    show_default=True,
    help="Seconds a client has to send a whole request.",
)
@click.option(
    "--token-fault",
    type=click.Choice([fault.value for fault in TokenFault]),
    default=TokenFault.NONE.value,
    hidden=True,
    help="Test only: make PUT /latest/api/token misbehave.",
)
def serve(
    instance_file: Path,
    binds: tuple[str, ...],
    port: int,
    request_timeout: float,
    token_fault: str,
) -> None:
    """Serve IMDS for one instance until interrupted.

    Example (credentials come from a local stand-in for STS):

        gatehouse imds serve --instance-file examples/imds/instance.json --port 8169

    then: AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:8169 aws sts ...
    """
    try:
        instance = Instance.from_file(instance_file)
    except InstanceDescriptionError as error:
        for problem in error.problems:
            click.echo(f"error: {error.source}: {problem}", err=True)
        sys.exit(EXIT_BAD_INPUT)

    service = MetadataService(instance)
    service.token_fault = TokenFault(token_fault)
    limits = ServerLimits(request_timeout=request_timeout)
    try:
        asyncio.run(_serve(service, limits, binds, port))
    except OSError as error:
        click.echo(f"error: cannot listen: {error}", err=True)
        sys.exit(1)


async def _serve(
    service: MetadataService, limits: ServerLimits, binds: tuple[str, ...], port: int
) -> None:
    server = MetadataServer(service, limits)
    for host in binds:
        bound_host, bound_port = await server.start(host, port)
        click.echo(
            json.dumps(
                {
                    "listening": f"{bound_host}:{bound_port}",
                    "instance": service.instance.instance_id,
                }
            )
        )
    sys.stdout.flush()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await server.stop()
    click.echo(json.dumps({"metrics": service.metrics.sample().to_json()}))
