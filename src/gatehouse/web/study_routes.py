"""The study pages: dashboard, flashcards, scenarios, exam, progress.

Every form posts and redirects (303) to a page, so the console works without
JavaScript; the script in static/ only adds keys and flip-without-reload.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from gatehouse.study.answers import Answer, AnswerError, mark
from gatehouse.study.model import (
    DEFAULT_EXAM,
    EXAM_DOMAINS,
    ExamVersion,
    Mechanism,
    Scenario,
    Tier,
)
from gatehouse.study.practice import Study, UnknownItemError, exam_minutes
from gatehouse.study.progress import Tally, summarise
from gatehouse.study.scheduler import Grade, utcnow
from gatehouse.study.store import ExamRunRow
from gatehouse.web.charts import Column, bar_chart, column_chart
from gatehouse.web.pages import Pages, safe_local_path, see_other
from gatehouse.web.study_views import answer_from_form, explain, prefill, widget

log = logging.getLogger(__name__)

EXAM_SIZES = (10, 20, 40, 65)
SHOW = {
    "flagged": "Flagged",
    "wrong": "Last answered wrong",
    "unanswered": "Not answered yet",
}


async def _form(request: Request) -> dict[str, list[str]]:
    form = await request.form()
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, []).append(value)
    return fields


def _one(fields: dict[str, list[str]], key: str) -> str:
    return (fields.get(key) or [""])[0]


def _filters(request: Request) -> dict[str, str]:
    """The scenario filters in a query string, validated."""
    query = request.query_params
    kept: dict[str, str] = {}
    if query.get("tier") in {t.value for t in Tier}:
        kept["tier"] = query["tier"]
    if query.get("mechanism") in {m.value for m in Mechanism}:
        kept["mechanism"] = query["mechanism"]
    if query.get("domain") in {d.code for d in EXAM_DOMAINS[DEFAULT_EXAM]}:
        kept["domain"] = query["domain"]
    if query.get("show") in SHOW:
        kept["show"] = query["show"]
    return kept


class StudyPages:
    def __init__(self, pages: Pages, study: Study) -> None:
        self.pages = pages
        self.study = study

    def routes(self) -> list[Route]:
        return [
            Route("/", self.home, name="home"),
            Route("/cards", self.cards, name="cards"),
            Route("/cards/grade", self.grade, methods=["POST"], name="grade"),
            Route("/scenarios", self.scenario_list, name="scenarios"),
            Route("/scenarios/{scenario_id}", self.scenario, methods=["GET", "POST"]),
            Route("/scenarios/{scenario_id}/attempts/{attempt_id:int}", self.attempt),
            Route("/flags", self.flag, methods=["POST"], name="flag"),
            Route("/exam", self.exam_home, methods=["GET", "POST"], name="exam"),
            Route("/exam/{run_id:int}/result", self.exam_result),
            Route(
                "/exam/{run_id:int}/{position:int}",
                self.exam_item,
                methods=["GET", "POST"],
            ),
            Route("/progress", self.progress, name="progress"),
            Route("/progress/export.json", self.progress_export),
        ]

    def _render(self, request: Request, template: str, **context: Any) -> HTMLResponse:
        return self.pages.render(request, template, **context)

    def _scenario_or_404(self, scenario_id: str) -> Scenario:
        try:
            return self.study.scenario(scenario_id)
        except UnknownItemError as error:
            raise HTTPException(404, str(error)) from error

    # Dashboard

    async def home(self, request: Request) -> Response:
        now = utcnow()
        content = self.study.content
        attempts = self.study.store.attempts()
        runs = [
            self.study.exam_result(run_id)
            for run_id in self.study.store.exam_runs()[-3:]
        ]
        return self._render(
            request,
            "home.html",
            due=self.study.queue(now),
            cards=len(content.cards),
            scenarios=len(content.scenarios),
            tiers=[(t.value, len(self.study.scenarios(tier=t))) for t in Tier],
            attempts=len(attempts),
            attempts_right=sum(a.correct for a in attempts),
            flags=len(self.study.store.flags()),
            runs=list(reversed(runs)),
        )

    # Flashcards

    async def cards(self, request: Request) -> Response:
        session = request.query_params.get("s", "")
        if not session:
            return see_other("/cards", s=uuid.uuid4().hex[:12])

        now = utcnow()
        due = self.study.queue(now)
        shown = request.query_params.get("card", "")
        card = self.study.content.card_by_id.get(shown) if shown else None
        if card is None and due.cards:
            card = due.cards[0]
        right, wrong = self.study.store.session_score(session)
        return self._render(
            request,
            "cards.html",
            session=session,
            card=card,
            flipped=request.query_params.get("side") == "back" and card is not None,
            due=due,
            right=right,
            wrong=wrong,
            fact_sources=[
                self.study.content.fact_by_id[f]
                for f in (card.facts if card else ())
                if f in self.study.content.fact_by_id
            ],
        )

    async def grade(self, request: Request) -> Response:
        fields = await _form(request)
        session = _one(fields, "s") or uuid.uuid4().hex[:12]
        try:
            grade = Grade(_one(fields, "grade"))
            self.study.grade(_one(fields, "card"), grade, now=utcnow(), session=session)
        except (ValueError, UnknownItemError) as error:
            raise HTTPException(400, f"cannot grade: {error}") from error
        return see_other("/cards", s=session)

    # Scenarios

    async def scenario_list(self, request: Request) -> Response:
        filters = _filters(request)
        chosen = self._filtered(filters)
        last = self._last_results()
        return self._render(
            request,
            "scenarios.html",
            filters=filters,
            scenarios=chosen,
            last=last,
            flags=self.study.store.flags(),
            tiers=[t.value for t in Tier],
            mechanisms=[m.value for m in Mechanism],
            domains=EXAM_DOMAINS[DEFAULT_EXAM],
            shows=SHOW,
            query=_query(filters),
        )

    def _last_results(self) -> dict[str, bool]:
        """Scenario id -> whether its latest attempt was right."""
        return {a.scenario_id: a.correct for a in self.study.store.attempts()}

    def _filtered(self, filters: dict[str, str]) -> list[Scenario]:
        chosen = self.study.scenarios(
            tier=Tier(filters["tier"]) if "tier" in filters else None,
            mechanism=Mechanism(filters["mechanism"])
            if "mechanism" in filters
            else None,
            domain=filters.get("domain"),
        )
        show = filters.get("show")
        if show == "flagged":
            flagged = self.study.store.flags()
            return [s for s in chosen if s.id in flagged]
        if show in ("wrong", "unanswered"):
            last = self._last_results()
            if show == "wrong":
                return [s for s in chosen if last.get(s.id) is False]
            return [s for s in chosen if s.id not in last]
        return chosen

    def _next_after(
        self, scenario: Scenario, filters: dict[str, str]
    ) -> Scenario | None:
        chosen = self._filtered(filters)
        if not chosen:
            return None
        ids = [item.id for item in chosen]
        index = ids.index(scenario.id) + 1 if scenario.id in ids else 0
        return chosen[index % len(chosen)]

    async def scenario(self, request: Request) -> Response:
        scenario = self._scenario_or_404(request.path_params["scenario_id"])
        filters = _filters(request)
        error = ""
        values: dict[str, str] = {}
        if request.method == "POST":
            fields = await _form(request)
            try:
                answer = answer_from_form(scenario, fields)
                attempt_id, _ = self.study.answer(scenario.id, answer, now=utcnow())
            except AnswerError as problem:
                error = str(problem)
                values = _posted_values(fields)
            else:
                return see_other(
                    f"/scenarios/{scenario.id}/attempts/{attempt_id}", **filters
                )
        return self.pages.render(
            request,
            "scenario.html",
            status=400 if error else 200,
            scenario=scenario,
            widget=widget(scenario),
            values=values,
            error=error,
            query=_query(filters),
            flagged=scenario.id in self.study.store.flags(),
        )

    async def attempt(self, request: Request) -> Response:
        scenario = self._scenario_or_404(request.path_params["scenario_id"])
        found = self.study.store.attempt(request.path_params["attempt_id"])
        if found is None or found.scenario_id != scenario.id:
            raise HTTPException(404, "no such attempt")
        filters = _filters(request)
        answer = Answer.from_json(found.answer)
        outcome_cards = self.study.again_cards(mark(scenario, answer))
        following = self._next_after(scenario, filters)
        return self._render(
            request,
            "attempt.html",
            scenario=scenario,
            correct=found.correct,
            rows=explain(scenario, answer, self.study.content),
            again=[] if found.correct else [self.study.card(c) for c in outcome_cards],
            next_url=f"/scenarios/{following.id}{_query(filters)}" if following else "",
            query=_query(filters),
            flagged=scenario.id in self.study.store.flags(),
        )

    async def flag(self, request: Request) -> Response:
        fields = await _form(request)
        item = _one(fields, "item")
        if (
            item not in self.study.content.scenario_by_id
            and item not in self.study.content.card_by_id
        ):
            raise HTTPException(400, f"nothing to flag called {item!r}")
        self.study.store.set_flag(item, _one(fields, "flagged") == "1", now=utcnow())
        return RedirectResponse(safe_local_path(_one(fields, "back")), status_code=303)

    # Exam

    async def exam_home(self, request: Request) -> Response:
        if request.method == "POST":
            fields = await _form(request)
            size = int(_one(fields, "questions") or 20)
            exam_value = _one(fields, "exam") or DEFAULT_EXAM.value
            if size not in EXAM_SIZES or exam_value not in {
                e.value for e in ExamVersion
            }:
                raise HTTPException(400, "choose a listed exam size and version")
            run_id = self.study.start_exam(
                now=utcnow(), questions=size, exam=ExamVersion(exam_value)
            )
            return see_other(f"/exam/{run_id}/0")

        runs = [
            self.study.exam_result(run_id) for run_id in self.study.store.exam_runs()
        ]
        return self._render(
            request,
            "exam_home.html",
            sizes=[(n, exam_minutes(n)) for n in EXAM_SIZES],
            exams=list(ExamVersion),
            default_exam=DEFAULT_EXAM,
            runs=list(reversed(runs)),
            domains=EXAM_DOMAINS,
        )

    def _run_or_404(self, run_id: int) -> ExamRunRow:
        try:
            return self.study.exam_run(run_id)
        except UnknownItemError as error:
            raise HTTPException(404, str(error)) from error

    async def exam_item(self, request: Request) -> Response:
        run_id = request.path_params["run_id"]
        position = request.path_params["position"]
        run = self._run_or_404(run_id)
        if not 0 <= position < len(run.items):
            raise HTTPException(404, "no such question in this exam")
        now = utcnow()
        if not self.study.exam_open(run, now=now):
            return see_other(f"/exam/{run_id}/result")

        scenario = self.study.scenario(run.items[position].scenario_id)
        if request.method == "POST":
            return await self._save_exam_item(request, run, position, scenario)

        saved = run.items[position].answer
        answer = Answer.from_json(saved) if saved else None
        return self._render(
            request,
            "exam_item.html",
            run=run,
            position=position,
            scenario=scenario,
            widget=widget(scenario),
            values=prefill(scenario, answer),
            flagged=run.items[position].flagged,
            remaining=int((run.deadline - now).total_seconds()),
            deadline=run.deadline.isoformat(),
        )

    async def _save_exam_item(
        self, request: Request, run: ExamRunRow, position: int, scenario: Scenario
    ) -> Response:
        run_id, count = run.id, len(run.items)
        fields = await _form(request)
        try:
            # As in the real exam, a multiple-response item with too few or too many
            # choices is kept (and marked wrong); an incomplete order or match is not.
            answer: Answer | None = answer_from_form(scenario, fields, strict=False)
        except AnswerError:
            answer = None
        try:
            saved = self.study.save_exam_answer(
                run_id,
                position,
                answer,
                flagged=_one(fields, "flag") == "1",
                now=utcnow(),
            )
        except AnswerError as error:
            raise HTTPException(400, str(error)) from error
        action = _one(fields, "action")
        if not saved or action == "finish":
            return see_other(f"/exam/{run_id}/result")
        if action.startswith("go-") and action[3:].isdigit():
            target = min(int(action[3:]), count - 1)
        elif action == "previous":
            target = max(position - 1, 0)
        else:
            target = min(position + 1, count - 1)
        return see_other(f"/exam/{run_id}/{target}")

    async def exam_result(self, request: Request) -> Response:
        run_id = request.path_params["run_id"]
        self._run_or_404(run_id)
        # Opening the result closes the run: it scores what was answered by then.
        result = self.study.finish_exam(run_id, now=utcnow())
        bars = [Tally(d.domain.title, d.correct, d.total) for d in result.domains]
        return self._render(
            request,
            "exam_result.html",
            result=result,
            chart=bar_chart(bars, title="Percent right per exam domain"),
            explained={
                item.position: explain(item.scenario, item.answer, self.study.content)
                for item in result.items
            },
        )

    # Progress

    async def progress(self, request: Request) -> Response:
        today = utcnow().date()
        summary = summarise(
            self.study.content,
            self.study.store.reviews(),
            self.study.store.attempts(),
            today=today,
        )

        columns = [
            Column(
                d.date.strftime("%d %b"),
                d.reviews_right + d.attempts_right,
                d.reviews_wrong + d.attempts_wrong,
            )
            for d in summary.days
        ]
        return self._render(
            request,
            "progress.html",
            summary=summary,
            charts={
                "cards": bar_chart(
                    summary.cards_by_mechanism, title="Flashcards right per mechanism"
                ),
                "mechanism": bar_chart(
                    summary.scenarios_by_mechanism,
                    title="Scenarios right per mechanism",
                ),
                "domain": bar_chart(
                    summary.by_domain, title="Scenarios right per SCS-C03 domain"
                ),
                "tier": bar_chart(summary.by_tier, title="Scenarios right per tier"),
                "days": column_chart(columns, title="Answers per day, right and wrong"),
            },
        )

    async def progress_export(self, request: Request) -> Response:
        body = self.study.store.export()
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        return JSONResponse(
            body,
            headers={
                "Content-Disposition": f'attachment; filename="gatehouse-progress-{stamp}.json"'
            },
        )


def _query(filters: dict[str, str]) -> str:
    return f"?{urlencode(filters)}" if filters else ""


def _posted_values(fields: dict[str, list[str]]) -> dict[str, str]:
    values = {f"choice-{key}": "checked" for key in fields.get("choice", [])}
    values.update(
        {k: v[0] for k, v in fields.items() if k.startswith(("pos-", "match-"))}
    )
    return values
