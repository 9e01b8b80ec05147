from django.db import migrations

from core.db_guards import forbid_change_sql, postgres_only

# A payout destination is history: never deleted, its values never changed (a change is a new
# row). The one update allowed is its confirmation, once, by whoever the CHECK lets confirm.
DESTINATION_CONFIRM_ONLY = """
CREATE OR REPLACE FUNCTION settlements_payoutdestination_confirm_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'payout destinations are never deleted' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.worker_id <> OLD.worker_id OR NEW.account_holder <> OLD.account_holder OR NEW.iban <> OLD.iban
       OR NEW.bic <> OLD.bic OR NEW.entered_by_id IS DISTINCT FROM OLD.entered_by_id
       OR NEW.entered_at <> OLD.entered_at THEN
        RAISE EXCEPTION 'payout destination % is immutable: enter a new one', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.confirmed_at IS NOT NULL AND (NEW.confirmed_at IS DISTINCT FROM OLD.confirmed_at
       OR NEW.confirmed_by_id IS DISTINCT FROM OLD.confirmed_by_id) THEN
        RAISE EXCEPTION 'payout destination % is already confirmed', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER settlements_payoutdestination_confirm_only
    BEFORE UPDATE OR DELETE ON settlements_payoutdestination
    FOR EACH ROW EXECUTE FUNCTION settlements_payoutdestination_confirm_only();
"""

DESTINATION_REVERSE = """
DROP TRIGGER IF EXISTS settlements_payoutdestination_confirm_only ON settlements_payoutdestination;
DROP FUNCTION IF EXISTS settlements_payoutdestination_confirm_only();
"""


class Migration(migrations.Migration):
    dependencies = [("settlements", "0012_bank_details_sepa_files_bank_reports")]

    operations = [
        postgres_only(DESTINATION_CONFIRM_ONLY, DESTINATION_REVERSE),
        postgres_only(*forbid_change_sql("settlements_sepafile")),
        postgres_only(*forbid_change_sql("settlements_sepafileentry")),
        postgres_only(*forbid_change_sql("settlements_bankreport")),
    ]
