"""Operations settings (README "Operations"), star-imported by config/settings.py: readiness
alarms, who may read /metrics, the scheduler's jobs and what is pruned when.

Every value comes from the environment with a safe default; a bad value stops the process with one
line naming the variable (config/env.py).
"""

import ipaddress

from croniter import croniter
from django.core.exceptions import ImproperlyConfigured

from config.env import env_int, env_networks, env_str

# --- Readiness (GET /readyz) ------------------------------------------------------------------
# Business alarms make /readyz say "degraded" (200, so an alarm never takes every node out of the
# load balancer) and show in /metrics: a task queued longer than this, any payout submission in
# doubt, any run whose lease expired, differences found by the last audit.
READY_MAX_QUEUED_TASK_AGE_SECONDS = env_int("READY_MAX_QUEUED_TASK_AGE_SECONDS", 300, minimum=1, maximum=604_800)

# --- Metrics (GET /metrics) --------------------------------------------------------------------
# Who may read /metrics without a token: loopback always, and these addresses or networks (the
# Prometheus server's). A finance user's API token reads it from anywhere. The client's address is
# the one the login lockout sees (DJANGO_TRUSTED_PROXY_COUNT).
METRICS_ALLOWED_NETWORKS = [
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
    *env_networks("METRICS_ALLOWED_NETWORKS"),
]
# The domain figures (a few aggregates over remittances and worklogs) are read at most this often
# per process, however often /metrics is scraped.
METRICS_FIGURES_CACHE_SECONDS = env_int("METRICS_FIGURES_CACHE_SECONDS", 15, minimum=0, maximum=3600)

# --- Schedules (manage.py run_scheduler) -------------------------------------------------------
# The registry of scheduled jobs: name -> the dotted path of a function taking the slot (the
# scheduled instant, aware) and returning a JSON-able result, and the default cron schedule (five
# fields, read in TIME_ZONE). `SCHEDULE_<NAME>` (upper case) replaces a schedule; "off" disables the
# job. Another job is one more entry here (e.g. a payout submission sweeper of its own).
SCHEDULED_JOBS: dict[str, dict[str, str]] = {
    # The monthly settlement run, created through the API's function for the month just ended.
    "settlement_run": {"callable": "ops.scheduler.jobs.monthly_settlement_run", "schedule": "0 2 1 * *"},
    # Payouts still waiting in the outbox (a crash after commit, a provider outage): submitted again.
    "payout_sweep": {"callable": "ops.scheduler.jobs.payout_sweep", "schedule": "*/5 * * * *"},
    # Advice e-mails of PAID remittances that the mail server refused or that a lost task never sent.
    "advice_emails": {"callable": "ops.scheduler.jobs.advice_emails", "schedule": "*/5 * * * *"},
    # Runs whose execution died (lease expired): resumed.
    "resume_stalled_runs": {"callable": "ops.scheduler.jobs.resume_stalled_runs", "schedule": "*/5 * * * *"},
    # The ledger's months over for a day: closed (their postings summed once, read by the dashboard).
    "ledger_close": {"callable": "ops.scheduler.jobs.ledger_close", "schedule": "15 0 * * *"},
    # Every cached total recomputed from the facts; differences are an error log line and a metric.
    "audit_totals": {"callable": "ops.scheduler.jobs.nightly_audit", "schedule": "30 3 * * *"},
    # Idempotency keys, finished task results and old schedule leases past their retention.
    "prune": {"callable": "ops.scheduler.jobs.prune", "schedule": "0 4 * * *"},
}


def _schedule(job: str, default: str) -> str:
    variable = f"SCHEDULE_{job.upper()}"
    value = " ".join(env_str(variable, default).split())
    if value.lower() == "off":
        return "off"
    if len(value.split()) != 5 or not croniter.is_valid(value):
        raise ImproperlyConfigured(
            f'{variable} must be a cron schedule of five fields (e.g. "*/5 * * * *") or off, not {value!r}.'
        )
    return value


for _name, _job in SCHEDULED_JOBS.items():
    _job["schedule"] = _schedule(_name, _job["schedule"])

# How often the scheduler wakes up to look for due slots, and how late a slot may still start (a
# scheduler that was down longer than this skips it; the next slot comes as usual).
SCHEDULER_TICK_SECONDS = env_int("SCHEDULER_TICK_SECONDS", 15, minimum=1, maximum=3600)
SCHEDULER_MISFIRE_GRACE_SECONDS = env_int("SCHEDULER_MISFIRE_GRACE_SECONDS", 3600, minimum=1, maximum=604_800)
# A claimed slot whose scheduler died before finishing it may be taken again after this long.
SCHEDULER_LEASE_SECONDS = env_int("SCHEDULER_LEASE_SECONDS", 3600, minimum=10, maximum=604_800)

# --- Retention (the `prune` job) ---------------------------------------------------------------
# Idempotency keys: a repeat older than this is a new request (a generate's key stays on its run).
IDEMPOTENCY_KEY_RETENTION_DAYS = env_int("IDEMPOTENCY_KEY_RETENTION_DAYS", 30, minimum=1, maximum=3650)
# Finished background task results (their outcome and traceback) and the scheduler's slot rows.
TASK_RESULT_RETENTION_DAYS = env_int("TASK_RESULT_RETENTION_DAYS", 14, minimum=1, maximum=3650)
