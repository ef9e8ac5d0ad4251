"""Where the shared public corpora live (../shared/data beside the checkout, as the desk's
machines lay it out). ``NEWSDESK_SHARED_DATA`` points elsewhere; otherwise every ancestor of the
checkout is tried, so a clone one folder deeper (a CI work tree) still finds them, and last
/work/shared/data, where this workplace's machines mount them for a clone made anywhere else."""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[1]
_WORKPLACE = Path("/work/shared/data")


def shared_data(name: str) -> Path:
    """The folder of corpus ``name``; the first candidate when none exists (for the error)."""
    configured = os.environ.get("NEWSDESK_SHARED_DATA")
    bases = [Path(configured)] if configured else []
    bases += [parent / "shared" / "data" for parent in _CHECKOUT.parents]
    bases.append(_WORKPLACE)
    candidates = [base / name for base in bases]
    return next((c for c in candidates if (c / "README.md").exists()), candidates[0])
