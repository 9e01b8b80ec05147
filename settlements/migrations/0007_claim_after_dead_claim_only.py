"""PostgreSQL: an item is claimed again only after its previous claim's remittance died.

With unique (item, generation), this makes "an item is in at most one live remittance" a fact
of the database: generation 1 is unique, and generation N+1 may only exist once generation N's
remittance is FAILED or CANCELLED, two final statuses (the remittance trigger forbids leaving
them). By induction at most the latest claim of an item can be live. The trigger's WHEN clause
keeps first claims (generation 1: nearly all of a run's millions) out of PL/pgSQL entirely; only
re-claims of released items pay for the lookup. (A statement-level trigger over a transition
table cost 15% of a payroll-scale run: every inserted row was copied into the tuplestore.)
"""

from django.db import migrations

from core.db_guards import postgres_only

CLAIM_AFTER_DEAD_CLAIM = """
CREATE OR REPLACE FUNCTION settlements_claim_after_dead_claim() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM settlements_claim p JOIN settlements_remittance r ON r.id = p.remittance_id
        WHERE p.item_id = NEW.item_id AND p.generation = NEW.generation - 1 AND r.status IN ('FAILED', 'CANCELLED')
    ) THEN
        RAISE EXCEPTION 'item % claimed at generation % while its claim at generation % is live or missing',
            NEW.item_id, NEW.generation, NEW.generation - 1
            USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER settlements_claim_after_dead_claim
    BEFORE INSERT ON settlements_claim FOR EACH ROW WHEN (NEW.generation > 1)
    EXECUTE FUNCTION settlements_claim_after_dead_claim();
"""

REVERSE = """
DROP TRIGGER IF EXISTS settlements_claim_after_dead_claim ON settlements_claim;
DROP FUNCTION IF EXISTS settlements_claim_after_dead_claim();
"""


class Migration(migrations.Migration):
    dependencies = [("settlements", "0006_claim_without_foreign_keys")]

    operations = [postgres_only(CLAIM_AFTER_DEAD_CLAIM, REVERSE)]
