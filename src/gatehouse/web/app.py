"""The console's Starlette application."""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gatehouse.study.loader import CONTENT_DIR, load_content
from gatehouse.study.practice import Study
from gatehouse.study.store import Store
from gatehouse.web.labs import LabPages
from gatehouse.web.pages import THEME_COOKIE, THEMES, Pages, safe_local_path, see_other
from gatehouse.web.study_routes import StudyPages

log = logging.getLogger(__name__)

_STATIC = Path(__file__).parent / "static"
_YEAR = 365 * 24 * 3600


def create_app(*, data_dir: Path, content_dir: Path = CONTENT_DIR) -> Starlette:
    """Build the console; `data_dir` holds the SQLite store."""
    pages = Pages()
    loaded = load_content(content_dir)
    if loaded.problems:
        log.warning(
            "study content has %d problem(s); those items are left out "
            "(see `gatehouse study lint`)",
            len(loaded.problems),
        )
    study = StudyPages(pages, Study(loaded.content, Store.in_dir(data_dir)))
    labs = LabPages(pages)

    async def theme(request: Request) -> Response:
        form = await request.form()
        chosen = str(form.get("theme", "auto"))
        back = see_other(safe_local_path(str(form.get("back", "/"))))
        if chosen in THEMES:
            back.set_cookie(THEME_COOKIE, chosen, max_age=_YEAR, samesite="lax")
        return back

    async def error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = (
            exc.detail if isinstance(exc, HTTPException) else "Something went wrong."
        )
        return pages.render(request, "error.html", status=status, detail=detail)

    app = Starlette(
        routes=[
            *study.routes(),
            *labs.routes(),
            Route("/theme", theme, methods=["POST"], name="theme"),
            Mount("/static", app=StaticFiles(directory=_STATIC), name="static"),
        ],
        exception_handlers={HTTPException: error},
    )
    app.state.data_dir = data_dir
    return app
