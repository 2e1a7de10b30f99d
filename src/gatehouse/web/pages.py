"""Rendering console pages: one Jinja environment, the navigation, the theme."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from gatehouse import __version__

THEMES = ("auto", "dark", "light")
THEME_COOKIE = "gatehouse-theme"


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str | None  # None: a page that is planned but not built yet


NAV: tuple[NavItem, ...] = (
    NavItem("Home", "/"),
    NavItem("Flashcards", "/cards"),
    NavItem("Scenarios", "/scenarios"),
    NavItem("Exam", "/exam"),
    NavItem("Progress", "/progress"),
    NavItem("Labs", "/labs"),
    NavItem("Findings", None),
)


def theme_of(request: Request) -> str:
    theme = request.cookies.get(THEME_COOKIE, "auto")
    return theme if theme in THEMES else "auto"


def next_theme(theme: str) -> str:
    return THEMES[(THEMES.index(theme) + 1) % len(THEMES)]


def safe_local_path(target: str) -> str:
    """Only same-site paths are redirect targets (no //host, no scheme)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def see_other(path: str, **query: str | None) -> RedirectResponse:
    """POST-redirect-GET: a 303 to `path` with the non-empty query values."""
    kept = {key: value for key, value in query.items() if value}
    url = f"{path}?{urlencode(kept)}" if kept else path
    return RedirectResponse(url, status_code=303)


class Pages:
    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("gatehouse.web", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(version=__version__, nav=NAV)

    def render(
        self, request: Request, template: str, *, status: int = 200, **context: Any
    ) -> HTMLResponse:
        theme = theme_of(request)
        page = self.env.get_template(template).render(
            request_path=request.url.path,
            request_url=str(request.url.path)
            + (f"?{request.url.query}" if request.url.query else ""),
            theme=theme,
            next_theme=next_theme(theme),
            **context,
        )
        return HTMLResponse(page, status_code=status)
