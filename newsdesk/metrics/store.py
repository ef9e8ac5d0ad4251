"""Snapshot a day's figures (the daily-metrics flow) so reports can be read back as they were."""

from __future__ import annotations

from datetime import date

from newsdesk.config import Settings
from newsdesk.metrics.compute import Metrics, Period, compute_metrics
from newsdesk.store.db import Database
from newsdesk.store.models import DailyMetrics
from newsdesk.store.types import utcnow


def snapshot_day(db: Database, settings: Settings, day: date) -> Metrics:
    metrics = compute_metrics(db, settings, Period(day.isoformat(), day, day))
    with db.session() as session:
        row = session.get(DailyMetrics, day)
        if row is None:
            session.add(DailyMetrics(day=day, figures=metrics.as_json()))
        else:
            row.figures = metrics.as_json()
            row.computed_at = utcnow()
    return metrics
