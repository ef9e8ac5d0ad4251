"""Desk jobs (breaking news, rewrites asked for from the web) as Prefect deployment runs.

The web app records a job and, when a Prefect API is configured, :class:`PrefectRunner`
starts the ``desk-job/desk-job`` deployment with its id; a worker runs
:func:`newsdesk.jobs.run_job`, the function the local runner's threads call too.
"""

from __future__ import annotations

from prefect import flow

from newsdesk.jobs import run_job
from tasks.desk import desk
from tasks.drafting import llm_calls, provider_for

DEPLOYMENT = "desk-job/desk-job"


@flow(name="desk-job", log_prints=True)
def desk_job(job_id: str) -> dict[str, object]:
    """Run one recorded desk job (its state is on the web page and at GET /api/jobs/{id})."""
    d = desk()
    with llm_calls(1, None):  # the process's llm slot pool, open for the run
        view = run_job(d.db, d.settings, job_id, lambda _settings: provider_for(d, None))
    print(f"job {job_id} ({view.kind}): {view.state}" + (f": {view.error}" if view.error else ""))
    return view.as_json()


class PrefectRunner:
    """Starts each job as a run of the desk-job deployment on ``api_url``; returns at once
    (timeout=0)."""

    name = "prefect"

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url

    def submit(self, job_id: str) -> str | None:
        from prefect.deployments import run_deployment
        from prefect.exceptions import ObjectNotFound
        from prefect.settings import PREFECT_API_URL, temporary_settings

        # A web thread does not see the serving thread's settings: the URL comes with the runner.
        with temporary_settings(updates={PREFECT_API_URL: self.api_url}):
            try:
                run = run_deployment(DEPLOYMENT, parameters={"job_id": job_id}, timeout=0)
            except ObjectNotFound:
                raise RuntimeError(
                    f"部署 {DEPLOYMENT} 未上线 / deployment {DEPLOYMENT} is not served "
                    "(yet): newsdesk up serves it, or prefect deploy --all and a worker"
                ) from None
        return str(run.id)  # type: ignore[union-attr]  # called from sync code: a FlowRun
