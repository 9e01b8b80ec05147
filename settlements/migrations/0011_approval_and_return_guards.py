"""The database's side of four-eyes approval and of RETURNED (issue 15).

- A payout submission for a remittance of a run that awaits approval (`approval_required` and not
  approved) is refused, on SQLite and PostgreSQL: only an approved run's payouts go out.
- A run's decision is taken once: `approval_required` never changes, and an approval or a
  rejection once written is never changed or undone (both databases).
- PostgreSQL's remittance transition guard allows PAID -> RETURNED and nothing out of RETURNED;
  an item whose claim's remittance was RETURNED may be claimed again, like FAILED or CANCELLED.
"""

from django.db import migrations

from core.db_guards import per_vendor

SUBMISSION_REFUSED = "payout submission refused: the settlement run of the remittance awaits approval"
DECISION_REFUSED = "the approval decision of a settlement run is taken once and never changed"

AWAITS_APPROVAL = """
    SELECT 1 FROM settlements_remittance r JOIN settlements_settlementrun s ON s.id = r.run_id
    WHERE r.id = NEW.remittance_id AND s.approval_required AND s.approved_at IS NULL
"""

PG_SUBMISSION_NEEDS_APPROVAL = f"""
CREATE OR REPLACE FUNCTION settlements_submission_needs_approval() RETURNS trigger AS $$
BEGIN
    IF EXISTS ({AWAITS_APPROVAL}) THEN
        RAISE EXCEPTION '{SUBMISSION_REFUSED} (remittance %)', NEW.remittance_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""
PG_SUBMISSION_TRIGGER = """
CREATE TRIGGER settlements_submission_needs_approval
    BEFORE INSERT OR UPDATE OF remittance_id ON settlements_payoutsubmission
    FOR EACH ROW EXECUTE FUNCTION settlements_submission_needs_approval();
"""
SQLITE_SUBMISSION_TRIGGER = f"""
CREATE TRIGGER settlements_submission_needs_approval
    BEFORE INSERT ON settlements_payoutsubmission
    FOR EACH ROW WHEN EXISTS ({AWAITS_APPROVAL})
BEGIN
    SELECT RAISE(ABORT, '{SUBMISSION_REFUSED}');
END;
"""

# OLD -> NEW of a run that changes its decision (IS DISTINCT FROM on PostgreSQL, IS NOT on SQLite).
DECISION_CHANGED = """
    OLD.approval_required {ne} NEW.approval_required
    OR (OLD.approved_at IS NOT NULL AND (OLD.approved_at {ne} NEW.approved_at OR OLD.approved_by_id {ne} NEW.approved_by_id))
    OR (OLD.rejected_at IS NOT NULL AND (
        OLD.rejected_at {ne} NEW.rejected_at OR OLD.rejected_by_id {ne} NEW.rejected_by_id
        OR OLD.rejection_reason {ne} NEW.rejection_reason))
"""
PG_DECISION_ONCE = f"""
CREATE OR REPLACE FUNCTION settlements_run_decision_once() RETURNS trigger AS $$
BEGIN
    IF {DECISION_CHANGED.format(ne="IS DISTINCT FROM")} THEN
        RAISE EXCEPTION '{DECISION_REFUSED} (run %)', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""
PG_DECISION_TRIGGER = """
CREATE TRIGGER settlements_run_decision_once BEFORE UPDATE ON settlements_settlementrun
    FOR EACH ROW EXECUTE FUNCTION settlements_run_decision_once();
"""
SQLITE_DECISION_TRIGGER = f"""
CREATE TRIGGER settlements_run_decision_once BEFORE UPDATE ON settlements_settlementrun
    FOR EACH ROW WHEN {DECISION_CHANGED.format(ne="IS NOT")}
BEGIN
    SELECT RAISE(ABORT, '{DECISION_REFUSED}');
END;
"""


def remittance_forward_only(*, returned: bool) -> str:
    paid_moves = "OR (OLD.status = 'PAID' AND NEW.status = 'RETURNED')" if returned else ""
    return f"""
CREATE OR REPLACE FUNCTION settlements_remittance_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'remittances are never deleted' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.amount <> OLD.amount OR NEW.worker_id <> OLD.worker_id OR NEW.period_end <> OLD.period_end
       OR NEW.run_id <> OLD.run_id OR NEW.currency <> OLD.currency THEN
        RAISE EXCEPTION 'remittance % money fields are immutable', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.status <> OLD.status AND NOT (
        (OLD.status = 'PENDING' AND NEW.status IN ('PROCESSING', 'PAID', 'FAILED', 'CANCELLED'))
        OR (OLD.status = 'PROCESSING' AND NEW.status IN ('PAID', 'FAILED'))
        {paid_moves}
    ) THEN
        RAISE EXCEPTION 'remittance % cannot move from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""


def claim_after_dead_claim(*, returned: bool) -> str:
    released = "'FAILED', 'CANCELLED', 'RETURNED'" if returned else "'FAILED', 'CANCELLED'"
    return f"""
CREATE OR REPLACE FUNCTION settlements_claim_after_dead_claim() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM settlements_claim p JOIN settlements_remittance r ON r.id = p.remittance_id
        WHERE p.item_id = NEW.item_id AND p.generation = NEW.generation - 1 AND r.status IN ({released})
    ) THEN
        RAISE EXCEPTION 'item % claimed at generation % while its claim at generation % is live or missing',
            NEW.item_id, NEW.generation, NEW.generation - 1
            USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""  # noqa: S608 (constants only)


FORWARD = {
    "postgresql": [
        PG_SUBMISSION_NEEDS_APPROVAL,
        PG_SUBMISSION_TRIGGER,
        PG_DECISION_ONCE,
        PG_DECISION_TRIGGER,
        remittance_forward_only(returned=True),
        claim_after_dead_claim(returned=True),
    ],
    "sqlite": [SQLITE_SUBMISSION_TRIGGER, SQLITE_DECISION_TRIGGER],
}
REVERSE = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS settlements_submission_needs_approval ON settlements_payoutsubmission;",
        "DROP FUNCTION IF EXISTS settlements_submission_needs_approval();",
        "DROP TRIGGER IF EXISTS settlements_run_decision_once ON settlements_settlementrun;",
        "DROP FUNCTION IF EXISTS settlements_run_decision_once();",
        remittance_forward_only(returned=False),
        claim_after_dead_claim(returned=False),
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS settlements_submission_needs_approval;",
        "DROP TRIGGER IF EXISTS settlements_run_decision_once;",
    ],
}


class Migration(migrations.Migration):
    dependencies = [("settlements", "0010_run_approval_and_returned")]

    operations = [per_vendor(FORWARD, REVERSE)]
