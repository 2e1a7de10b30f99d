"""The Labs page: play a scripted lab against a fresh local AWS and show each step."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gatehouse.lab.launch import LabError
from gatehouse.lab.runs import find_run, play
from gatehouse.lab.ssrf import RUNS, StepResult
from gatehouse.web.pages import Pages, see_other

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Played:
    """The last play of one lab: when, and each step's outcome (or the failure)."""

    at: datetime
    steps: tuple[StepResult, ...] = ()
    failure: str | None = None

    @property
    def expected(self) -> int:
        return sum(step.as_expected for step in self.steps)


class LabPages:
    """Labs run one at a time; the latest result of each is kept in memory."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self._running = threading.Lock()
        self._played: dict[str, Played] = {}

    def routes(self) -> list[Route]:
        return [
            Route("/labs", self.index, name="labs"),
            Route("/labs/{name}", self.show, name="lab"),
            Route("/labs/{name}/run", self.run, methods=["POST"], name="lab-run"),
        ]

    async def index(self, request: Request) -> Response:
        return self.pages.render(
            request, "labs.html", runs=list(RUNS.values()), played=self._played
        )

    async def show(self, request: Request) -> Response:
        run = RUNS.get(request.path_params["name"])
        if run is None:
            raise HTTPException(404, "No such lab.")
        return self.pages.render(
            request, "lab.html", run=run, played=self._played.get(run.name)
        )

    async def run(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in RUNS:
            raise HTTPException(404, "No such lab.")
        if not self._running.acquire(blocking=False):
            raise HTTPException(409, "Another lab is playing; try again when it ends.")
        try:
            self._played[name] = await run_in_threadpool(self._play, name)
        finally:
            self._running.release()
        return see_other(f"/labs/{name}")

    @staticmethod
    def _play(name: str) -> Played:
        started = datetime.now(UTC)
        try:
            # The network-namespace demonstration needs root; the console never
            # asks for it (the command line offers it).
            steps = play(find_run(name), hop_demo=False)
        except LabError as error:
            logger.warning("lab %s could not play: %s", name, error)
            return Played(started, failure=str(error))
        return Played(started, tuple(steps))
