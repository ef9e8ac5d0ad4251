"""The cyclic garbage collector kept off the objects a piece of work did not make.

A desk process holds a heap of long-lived objects (modules, classes, the ORM's mappers,
jieba's tables, Prefect's in a flow). Work that makes many objects which outlive a young
collection sets off young collections that find nothing to free, and in time full ones,
each of which walks that whole heap (35-80 ms on the desk's machine). Two remedies, for two
kinds of work: ``collector_paused`` for work of milliseconds that makes no reference cycles
(the checks), ``frozen_heap`` for work of seconds that does (ingest: its parse trees and the
ORM's objects).
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
    work under this, which turns it back on when it ends. The collector is the process's: in
    the web server, other threads' requests run paused too meanwhile, and their cycles wait
    the check's milliseconds for a collection; a ``gc.disable()`` another thread makes during
    the pause is undone at its end (nothing of the desk's does that).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def frozen_heap() -> Iterator[None]:
    """The objects alive before ingest left out of the cyclic garbage collector's scans while it
    runs (``gc.freeze``), and given back after (``gc.unfreeze``).

    Ingest makes tens of thousands of objects that live until their feed is stored: enough to
    set off a full collection in most runs, which scans every object of the process (modules,
    classes, the ORM's mappers, Prefect's in a flow): 0.09-0.12 s of the 200 bench feeds'
    1.0-1.2 s, often inside a store's hold of SQLite's write lock, whose pause it then
    lengthens as much. Frozen, those objects are skipped, and a full collection scans what
    ingest made. Garbage among them waits for the next full collection after ingest. Left as
    it is when the process froze objects itself (a server before forking): unfreezing here
    would give those back too. For a process whose work is ingest (``newsdesk ingest``, the
    scheduler's flow): other threads' objects are frozen with the rest meanwhile, and
    freezing resets the generation counts (once a run, every 15 minutes, is nothing).
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
