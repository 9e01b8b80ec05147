"""`GET /metrics`: Prometheus text with django-prometheus' request metrics (every gunicorn worker's,
multiprocess mode) and the domain figures (`collector`)."""
