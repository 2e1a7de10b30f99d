"""The console's Starlette application."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gatehouse import __version__

_STATIC = Path(__file__).parent / "static"


def create_app(*, data_dir: Path) -> Starlette:
    """Build the console; `data_dir` holds the SQLite store."""
    templates = Environment(
        loader=PackageLoader("gatehouse.web", "templates"),
        autoescape=select_autoescape(["html"]),
    )

    async def home(request: Request) -> HTMLResponse:
        page = templates.get_template("home.html").render(version=__version__)
        return HTMLResponse(page)

    app = Starlette(
        routes=[
            Route("/", home, name="home"),
            Mount("/static", app=StaticFiles(directory=_STATIC), name="static"),
        ]
    )
    app.state.data_dir = data_dir
    return app
