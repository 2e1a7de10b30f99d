"""`gatehouse serve`: start the web console."""

from __future__ import annotations

from pathlib import Path

import click

from gatehouse.paths import data_dir


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--data-dir",
    "data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where progress is stored (default: the per-user data directory).",
)
def serve(host: str, port: int, data: Path | None) -> None:
    """Start the web console (example: gatehouse serve --port 8000)."""
    import uvicorn

    from gatehouse.web.app import create_app

    directory = data or data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    app = create_app(data_dir=directory)
    click.echo(f"Gatehouse console on http://{host}:{port}  (data: {directory})")
    uvicorn.run(app, host=host, port=port, log_level="warning")
