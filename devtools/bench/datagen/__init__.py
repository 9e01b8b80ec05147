"""The synthetic data set, loaded with PostgreSQL COPY.

Shape (at scale 1): 10,000 workers with 20 worklogs each (200,000 worklogs, 1,000 tasks); a first
month of history (`history` x 200 segments per worker) settled by the real `settlement_generate`
and marked PAID set-based; then the month to settle: 200 segments per worker (2,000,000) on 75% of
the worklogs, 2% removed (earning + reversal; a tenth of those with an effectiveDate after the
period, which holds the earning back too), 2% disputed, 2% of the paid month's segments removed
afterwards (clawbacks), and 5 adjustments per worker (50,000; a fifth not yet due).

Everything the services would have written is written, with the same numbers: each item's cents
by API.md's rounding rule over the worklog's items in id (creation) order, the worklog running
totals, the ledger accounts and balances. One simplification, on purpose: the loaded history posts
one ledger entry per worklog and load phase (EXPENSE debit / PAYABLE credit of the phase's item
cents) instead of one entry per item. Every account balance is what per-item entries would give,
and the settlement under test posts its own entries as in production; per-item entries would only
add 2 x 3M history rows that no measured path reads.

The load runs with `session_replication_role = replica` (skips foreign-key and guard triggers for
the loader's session only): the rows are consistent by construction, and `verify_dataset` checks it
afterwards with set-based SQL (the test suite also runs the full `audit_totals` on a small one).
"""

from devtools.bench.datagen.checks import analyze, table_counts, verify_dataset
from devtools.bench.datagen.loader import Loader
from devtools.bench.datagen.plan import Plan

__all__ = ["Loader", "Plan", "analyze", "table_counts", "verify_dataset"]
