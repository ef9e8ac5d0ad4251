"""Desk jobs (breaking news, rewrites asked for from the web) as Prefect deployment runs.

The web app records a job and, when a Prefect API is configured, :class:`PrefectRunner`
starts the ``desk-job/desk-job`` deployment with its id; a worker runs
:func:`newsdesk.jobs.run_job`, the function the local runner's threads call too.
"""

from __future__ import annotations

from prefect import flow

from newsdesk.jobs import run_job
from tasks.desk import desk
from tasks.drafting import provider_for

DEPLOYMENT = "desk-job/desk-job"


@flow(name="desk-job", log_prints=True)
def desk_job(job_id: str) -> dict[str, object]:
    """Run one recorded desk job (its state is on the web page and at GET /api/jobs/{id})."""
    d = desk()
    view = run_job(d.db, d.settings, job_id, lambda _settings: provider_for(d, None))
    print(f"job {job_id} ({view.kind}): {view.state}" + (f": {view.error}" if view.error else ""))
    return view.as_json()


class PrefectRunner:
    """Starts each job as a run of the desk-job deployment; returns at once (timeout=0)."""

    name = "prefect"

    def submit(self, job_id: str) -> str | None:
        from prefect.deployments import run_deployment

        run = run_deployment(DEPLOYMENT, parameters={"job_id": job_id}, timeout=0)
        return str(run.id)  # type: ignore[union-attr]  # called from sync code: a FlowRun
