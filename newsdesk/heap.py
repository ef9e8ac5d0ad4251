"""The cyclic garbage collector kept out of short work that makes no garbage cycles.

A desk process holds a heap of long-lived objects (modules, classes, the ORM's mappers,
jieba's tables, Prefect's in a flow). Work that makes many objects which outlive a young
collection (the checks' cached sentences, tokens and verdicts) sets off young collections
that find nothing to free, and in time full ones, each of which walks that whole heap
(35-80 ms on the desk's machine).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while the work runs; the next allocation after it sets off the
    collection it put off, as one (``gc.disable``, then ``gc.enable``).

    For work that makes no reference cycles (refcounting frees its garbage as it goes) and
    ends in milliseconds: the objects it keeps are looked at once after it instead of at
    every ~700 allocations, and the older generations' collections, counted in young ones,
    come as many times fewer. The counts are kept (``gc.freeze`` would reset them, and a
    process that checks drafts all day would seldom collect its other work's cycles).
    Left as it is when the collector is off already: by the process, or by another thread's
    work under this, which turns it back on when it ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
