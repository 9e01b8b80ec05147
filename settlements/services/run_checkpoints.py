"""A test hook: pause a settlement run at a named point, so that a crash test can strike there.

Off unless the settings name a pause, and only `config/test_settings.py` reads one from the
environment (`SETTLEMENT_RUN_PAUSE_AT`, `SETTLEMENT_RUN_PAUSE_DIR`); production settings define
neither, so in production `run_checkpoint` is one `getattr` and returns.

`SETTLEMENT_RUN_PAUSE_AT = "name:n"` pauses the n-th time this process passes the point `name`.
There it writes `reached` into `SETTLEMENT_RUN_PAUSE_DIR` (JSON: this process's id and the
PostgreSQL backend pid of the calling thread's connection), then waits, for at most two minutes,
for a file `go` in the same directory. The test meanwhile kills the process (`kill -9`) or the
backend (`pg_terminate_backend`), and writes `go` when the process should carry on.

The points, in the order a run passes them:
- `chunk_in_transaction`: a chunk has written its remittances, claims and entries, and has not yet
  marked itself done or committed (its connection is idle in its transaction);
- `chunk_committed`: a chunk has committed (once per chunk, in the thread that settled it);
- `before_finish`: every chunk has committed; the run's final status is not yet written.
"""

import json
import os
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

WAIT_SECONDS = 120
_passes: dict[str, int] = {}
_passes_lock = threading.Lock()


def run_checkpoint(name: str) -> None:
    pause_at = getattr(settings, "SETTLEMENT_RUN_PAUSE_AT", "")
    if not pause_at:
        return
    target, _, occurrence = pause_at.partition(":")
    if target != name:
        return
    with _passes_lock:
        _passes[name] = _passes.get(name, 0) + 1
        count = _passes[name]
    if count != int(occurrence or 1):
        return
    directory = Path(settings.SETTLEMENT_RUN_PAUSE_DIR)
    backend_pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]
    reached = directory / "reached.tmp"
    reached.write_text(json.dumps({"pid": os.getpid(), "backend_pid": backend_pid, "point": pause_at}))
    reached.rename(directory / "reached")
    deadline = time.monotonic() + WAIT_SECONDS
    while not (directory / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
