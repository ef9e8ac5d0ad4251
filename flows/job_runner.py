"""Starting desk jobs as runs of the ``desk-job`` deployment (flows/jobs.py), apart from the
flow itself: the review UI makes a runner when it starts, and Prefect (seconds to import) is
imported only when a job is submitted, so ``newsdesk up`` answers on the UI before it."""

from __future__ import annotations

DEPLOYMENT = "desk-job/desk-job"


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
