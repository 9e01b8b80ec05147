"""The scheduler: `manage.py run_scheduler` wakes up every `SCHEDULER_TICK_SECONDS`, finds each job's
latest due slot (`registry`), claims it with a lease row (`leases`) and runs it (`jobs`)."""
