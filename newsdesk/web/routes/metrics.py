"""The metrics dashboard: the same figures as ``newsdesk metrics``, with SVG charts and CSV downloads."""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from newsdesk.clock import Clock
from newsdesk.config import Settings
from newsdesk.errors import ItemError
from newsdesk.metrics import display
from newsdesk.metrics.charts import bar_chart
from newsdesk.metrics.compute import BUCKETS
from newsdesk.metrics.periods import Period, parse_period
from newsdesk.metrics.store import period_metrics
from newsdesk.metrics.tables import page_tables, table, to_csv
from newsdesk.store.db import Database
from newsdesk.timetable import working_day
from newsdesk.web.deps import ChangesDep, ClockDep, DbDep, PageActor, SessionDep, SettingsDep, kept
from newsdesk.web.pagecache import Made, forever, once
from newsdesk.web.routes.pages import part, render

router = APIRouter(include_in_schema=False)


def _period(
    settings: Settings, clock: Clock, day: str | None, week: str | None, month: str | None
) -> Period:
    """The desk's working day by default, as for the queue and ``newsdesk metrics``."""
    if not (day or week or month):
        shown = working_day(settings, clock.now())
        return Period(shown.isoformat(), shown, shown)
    try:
        return parse_period(day or None, week or None, month or None)
    except ValueError as exc:
        raise ItemError(str(exc)) from None


@router.get("/metrics")
async def metrics_page(
    request: Request,
    actor: PageActor,
    changes: ChangesDep,
    db: DbDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    day: str | None = None,
    week: str | None = None,
    month: str | None = None,
) -> HTMLResponse:
    """A closed period read from its snapshots is made once while they (and the sources) stand,
    and served on the event loop; a period with a live day (today, or a closed day without its
    snapshot yet) is made on every view."""
    period = _period(settings, clock, day, week, month)
    now = clock.now()
    make = partial(_figures_part, request, db, settings, period, now, session)
    if period.end < working_day(settings, now):
        pages = request.app.state.pages
        body = await kept(pages, changes, "metrics", ("metrics", request.url.query), make)
    else:
        body = (await run_in_threadpool(make)).value
    return render(request, "metrics.html", actor=actor, period=period, body=body)


def _figures_part(
    request: Request,
    db: Database,
    settings: Settings,
    period: Period,
    now: datetime,
    session: Session,
) -> Made[Markup]:
    """The figures, read on the request's own connection (one more per request ran the pool
    dry); kept only when every day came from its snapshot."""
    metrics = period_metrics(db, settings, period, now=now, connection=session.connection())
    data = metrics.as_json(notes=False)  # the notes: only the newest, in the table below
    # One computation per page: the charts show the period the page shows.
    charts = [
        bar_chart(
            "各栏目按时发布率 Fill rate per slot",
            [s.slot for s in metrics.slots if s.due],
            [s.fill_rate for s in metrics.slots if s.due],
            "%",
            1.0,
        ),
        bar_chart(
            "审核用时分布 Time to approve (drafts)", *_minutes_histogram(metrics.approve_minutes)
        ),
        bar_chart(
            "原创度分布 Originality (newest versions)",
            BUCKETS,
            [float(data["originality"][b]) for b in BUCKETS],
        ),
        bar_chart(
            "各来源采集量 Items ingested per source",
            [s["source"] for s in data["sources"]],
            [float(s["ingested"]) for s in data["sources"]],
        ),
    ]
    tables, totals = page_tables(metrics)
    iso = period.end.isocalendar()
    shortcuts = {
        "日报 day": f"day={period.end.isoformat()}",
        "周报 week": f"week={iso.year}-W{iso.week:02d}",
        "月报 month": f"month={period.end:%Y-%m}",
    }
    body = part(
        request,
        "metrics_body.html",
        period=period,
        data=data,
        charts=charts,
        tables=tables,
        totals=totals,
        query=request.url.query,
        shortcuts=shortcuts,
        fmt=display,
    )
    return forever(body) if metrics.from_snapshots else once(body)


def _minutes_histogram(minutes: list[float]) -> tuple[list[str], list[float | None]]:
    edges = [(0, 15), (15, 30), (30, 60), (60, 120), (120, 240), (240, None)]
    labels = [f"{low}-{high} min" if high else f">{low} min" for low, high in edges]
    ordered = sorted(minutes)  # Metrics keeps them sorted: linear; a month holds 20,000
    counts = [
        float(
            (bisect_left(ordered, high) if high is not None else len(ordered))
            - bisect_left(ordered, low)
        )
        for low, high in edges
    ]
    return labels, counts


@router.get("/metrics.csv")
def metrics_csv(
    actor: PageActor,
    db: DbDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    table_name: str = "slots",
    day: str | None = None,
    week: str | None = None,
    month: str | None = None,
) -> Response:
    period = _period(settings, clock, day, week, month)
    try:
        rows = table(
            period_metrics(db, settings, period, now=clock.now(), connection=session.connection()),
            table_name,
        )
    except ValueError as exc:
        raise ItemError(str(exc)) from None
    filename = f"newsdesk-{table_name}-{period.label}.csv"
    return Response(
        to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
