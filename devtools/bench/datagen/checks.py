"""Checks of a loaded data set: counts, and set-based proofs that it is what the services would write."""

from __future__ import annotations

from django.db import connection


def max_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - fixed names
        return cursor.fetchone()[0]


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def table_counts() -> dict[str, int]:
    tables = (
        "worklogs_worker", "worklogs_worklog", "worklogs_segment", "worklogs_item", "worklogs_adjustment",
        "settlements_claim", "settlements_remittance", "ledger_journalentry", "ledger_posting",
    )  # fmt: skip
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
            counts[table] = cursor.fetchone()[0]
    return counts


def verify_dataset() -> list[str]:
    """Set-based checks of what the loader promises (the full audit is per row and slow at 2M items)."""
    checks = {
        "worklog totals = sum of items": """
            SELECT COUNT(*) FROM worklogs_worklog w LEFT JOIN (
                SELECT worklog_id, SUM(amount) a, SUM(exact_units) u, COUNT(*) n FROM worklogs_item GROUP BY 1
            ) s ON s.worklog_id = w.id
            WHERE w.amount <> COALESCE(s.a, 0) OR w.exact_units <> COALESCE(s.u, 0) OR w.item_count <> COALESCE(s.n, 0)
        """,
        "worklog amount = round(exact total)": """
            SELECT COUNT(*) FROM worklogs_worklog WHERE amount * 100 <> FLOOR((exact_units + 1800) / 3600.0)
        """,
        "remittance = sum of its claims": """
            SELECT COUNT(*) FROM settlements_remittance r LEFT JOIN (
                SELECT remittance_id, SUM(amount) a FROM settlements_claim GROUP BY 1
            ) c ON c.remittance_id = r.id WHERE r.amount <> COALESCE(c.a, 0)
        """,
        "ledger earned = worklog amounts per worker": """
            SELECT COUNT(*) FROM (
                SELECT worker_id, SUM(amount) a FROM worklogs_worklog GROUP BY 1
            ) w LEFT JOIN (
                SELECT a.party, SUM(p.amount) e FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
                WHERE a.kind = 'EXPENSE' GROUP BY 1
            ) l ON l.party = w.worker_id WHERE w.a <> COALESCE(l.e, 0)
        """,
        "ledger balances": (
            "SELECT COUNT(*) FROM (SELECT entry_id FROM ledger_posting GROUP BY 1 HAVING SUM(amount) <> 0) x"
        ),
    }
    failures = []
    with connection.cursor() as cursor:
        for name, sql in checks.items():
            cursor.execute(sql)
            bad = cursor.fetchone()[0]
            if bad:
                failures.append(f"{name}: {bad} row(s) differ")
    return failures
