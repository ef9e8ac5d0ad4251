"""Where the shared public corpora live (../shared/data beside the checkout, as the desk's
machines lay it out). ``NEWSDESK_SHARED_DATA`` points elsewhere; otherwise every ancestor of the
checkout is tried, so a clone one folder deeper (a CI work tree) still finds them."""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[1]


def shared_data(name: str) -> Path:
    """The folder of corpus ``name``; the first candidate when none exists (for the error)."""
    configured = os.environ.get("NEWSDESK_SHARED_DATA")
    bases = [Path(configured)] if configured else []
    bases += [parent / "shared" / "data" for parent in _CHECKOUT.parents]
    candidates = [base / name for base in bases]
    return next((c for c in candidates if (c / "README.md").exists()), candidates[0])
