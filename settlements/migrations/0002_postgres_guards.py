from django.db import migrations

from core.db_guards import forbid_change_sql, postgres_only

# A remittance's money never changes, it is never deleted, and its status only moves forward.
REMITTANCE_FORWARD_ONLY = """
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
    ) THEN
        RAISE EXCEPTION 'remittance % cannot move from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER settlements_remittance_forward_only
    BEFORE UPDATE OR DELETE ON settlements_remittance
    FOR EACH ROW EXECUTE FUNCTION settlements_remittance_forward_only();
"""

REMITTANCE_REVERSE = """
DROP TRIGGER IF EXISTS settlements_remittance_forward_only ON settlements_remittance;
DROP FUNCTION IF EXISTS settlements_remittance_forward_only();
"""


class Migration(migrations.Migration):
    dependencies = [("settlements", "0001_initial"), ("ledger", "0002_postgres_guards")]

    operations = [
        postgres_only(*forbid_change_sql("settlements_claim")),
        postgres_only(*forbid_change_sql("settlements_remittanceevent")),
        postgres_only(REMITTANCE_FORWARD_ONLY, REMITTANCE_REVERSE),
    ]
