"""Desk jobs (breaking news, rewrites asked for from the web) as Prefect deployment runs.

The web app records a job and, when a Prefect API is configured,
:class:`flows.job_runner.PrefectRunner` starts the ``desk-job/desk-job`` deployment with its
id; a worker runs :func:`newsdesk.jobs.run_job`, the function the local runner's threads call
too.
"""

from __future__ import annotations

from prefect import flow

from newsdesk.jobs import run_job
from tasks.desk import desk
from tasks.drafting import llm_calls, provider_for


@flow(name="desk-job", log_prints=True)
def desk_job(job_id: str) -> dict[str, object]:
    """Run one recorded desk job (its state is on the web page and at GET /api/jobs/{id})."""
    d = desk()
    with llm_calls(1, None):  # the process's llm slot pool, open for the run
        view = run_job(d.db, d.settings, job_id, lambda _settings: provider_for(d, None))
    print(f"job {job_id} ({view.kind}): {view.state}" + (f": {view.error}" if view.error else ""))
    return view.as_json()
