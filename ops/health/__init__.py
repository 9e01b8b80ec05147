"""`/healthz` (alive) and `/readyz` (can serve), built on django-health-check's checks."""
