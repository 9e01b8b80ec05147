"""`manage.py bench`: a synthetic payroll-scale data set and the timings of docs/PERFORMANCE.md.

- `datagen` loads the data set with COPY (never the per-request API), consistent with what the
  services would have written: item cents by the rounding rule in creation order, worklog running
  totals, claims, remittances and ledger balances. `manage.py audit_totals` passes on it.
- `naive` is the baseline: the same settlement written as a simple per-row ORM loop.
- `measure` times the settlement, the list endpoint, a balance and segment ingestion.
"""
