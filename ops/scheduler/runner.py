"""The scheduler's loop: every tick, each job's due slot is claimed (`leases`) and, if this
scheduler won it, run in a thread of its own (a long audit never delays the payout sweep), with a
heartbeat renewing the lease until the job returns.

Any number of schedulers may run (one per host, or two for availability): each slot runs once.
"""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from core.log_context import log_context
from ops.scheduler.leases import job_slot_claim, job_slot_finish, job_slot_renew
from ops.scheduler.registry import Job

logger = logging.getLogger(__name__)


def scheduler_id() -> str:
    """Who claims a slot: host, process and a random part (two schedulers in one process differ)."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_slot(job: Job, slot: datetime, owner: str) -> bool:
    """Claim the slot and run the job in this thread; False when another scheduler has the slot."""
    claimed = job_slot_claim(job=job.name, slot=slot, owner=owner)
    if claimed is None:
        return False
    stop = threading.Event()
    heartbeat = threading.Thread(
        target=_heartbeat, args=(claimed.pk, owner, stop), name=f"lease-{job.name}", daemon=True
    )
    heartbeat.start()
    with log_context(job=job.name, slot=slot.isoformat()):
        logger.info("Job %s: slot %s started.", job.name, slot.isoformat())
        try:
            result = job.function(slot)
        except Exception as exc:
            logger.exception("Job %s: slot %s failed.", job.name, slot.isoformat())
            job_slot_finish(run_id=claimed.pk, owner=owner, error=exc)
        else:
            logger.info("Job %s: slot %s done.", job.name, slot.isoformat(), extra={"result": result})
            job_slot_finish(run_id=claimed.pk, owner=owner, result=result)
        finally:
            stop.set()
            heartbeat.join()
    return True


def _heartbeat(run_id: int, owner: str, stop: threading.Event) -> None:
    interval = max(1.0, settings.SCHEDULER_LEASE_SECONDS / 3)
    try:
        while not stop.wait(interval):
            if not job_slot_renew(run_id=run_id, owner=owner):
                logger.warning("Job run %s: its lease was taken over by another scheduler.", run_id)
                return
    except Exception:  # a lost connection: the next beat tries again on a fresh one
        logger.exception("Job run %s: could not renew its lease.", run_id)
    finally:
        connection.close()


class Scheduler:
    """Runs the due slots of `jobs` every `tick` seconds until `stop` is set."""

    def __init__(self, jobs: list[Job], *, now: Callable[[], datetime] = timezone.now) -> None:
        self.jobs = jobs
        self.now = now
        self.owner = scheduler_id()
        self.stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=max(1, len(jobs)), thread_name_prefix="job")
        self._running: dict[str, Future[bool]] = {}

    def tick(self) -> list[Future[bool]]:
        """Start each job whose due slot is not running in this process; returns what was started."""
        close_old_connections()
        started = []
        for job in self.jobs:
            if job.name in self._running and not self._running[job.name].done():
                continue  # its previous slot still runs here; the next tick looks again
            slot = job.due_slot(self.now())
            if slot is None:
                continue
            future = self._pool.submit(self._run, job, slot)
            self._running[job.name] = future
            started.append(future)
        return started

    def _run(self, job: Job, slot: datetime) -> bool:
        try:
            return run_slot(job, slot, self.owner)
        except Exception:  # the claim itself failed (database down): the next tick tries again
            logger.exception("Job %s: could not claim slot %s.", job.name, slot.isoformat())
            return False
        finally:
            connection.close()

    def run_forever(self, *, tick_seconds: float) -> None:
        logger.info("Scheduler %s started: %s.", self.owner, ", ".join(f"{j.name} ({j.schedule})" for j in self.jobs))
        try:
            while not self.stop.is_set():
                try:
                    self.tick()
                except Exception:
                    logger.exception("Scheduler tick failed; trying again.")
                self.stop.wait(tick_seconds)
        finally:
            self._pool.shutdown(wait=True)
            logger.info("Scheduler %s stopped.", self.owner)
