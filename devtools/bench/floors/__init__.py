"""Floors: each hot path's lower bound, measured beside the product in the same run and database.

A floor does the same work as the product with the fewest statements PostgreSQL needs and none of
the product's checks, ledger or framework: `settlement` claims the month's eligible items in one
statement per chunk, and `views` answers a list page and records a segment with hand-written SQL
behind the bench's own gunicorn (`devtools.bench.floors.settings`, which only the bench loads).
The bench reports each product figure as a ratio of its floor (`report.comparisons`), so the
machine's speed, which drifts from minute to minute, cancels out. Never imported by the product.
"""
