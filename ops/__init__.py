"""Running the system unattended: readiness and liveness (`health`), Prometheus metrics (`metrics`),
the request id and JSON access context (`middleware`), and the scheduler of periodic jobs
(`scheduler`, `manage.py run_scheduler`) with its lease rows (`models.JobRun`). Reads the domain
through the settlements selectors; writes nothing but its own rows and what the scheduled jobs'
services write."""
