from django.db import migrations

from core.db_guards import FORBID_CHANGE_FUNCTION, forbid_change_sql, postgres_only

BALANCED = """
CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM ledger_posting WHERE entry_id = NEW.entry_id
        GROUP BY currency HAVING SUM(amount) <> 0
    ) THEN
        RAISE EXCEPTION 'journal entry % does not balance', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_posting_balanced
    AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();
"""

UNBALANCED_REVERSE = """
DROP TRIGGER IF EXISTS ledger_posting_balanced ON ledger_posting;
DROP FUNCTION IF EXISTS ledger_check_entry_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        postgres_only(FORBID_CHANGE_FUNCTION, "DROP FUNCTION IF EXISTS money_forbid_change() CASCADE;"),
        postgres_only(BALANCED, UNBALANCED_REVERSE),
        postgres_only(*forbid_change_sql("ledger_posting")),
        postgres_only(*forbid_change_sql("ledger_journalentry")),
    ]
