"""A known data set for the finance dashboard and the remittance advice, built through the services.

USD, October run (period end 2024-10-31), then a November run (2024-11-30):
- Alice (10.00/h): 3 x 20 min on 10-05 (3.33 + 3.34 + 3.33 = 10.00), 60 min on 10-06 (10.00) removed
  before it was paid ("Logged twice"), a deduction of -2.50 ("Late delivery"): October pays 7.50, PAID.
  Then her first 20 minutes are removed ("Duplicate entry"): a clawback of -3.33; 60 min on 11-04
  (10.00): November's remittance is 6.67, PENDING (and its submission is in doubt).
- Bob (45.39/h): 10 min on 10-05 = 7.57, October FAILED ("Bank rejected"); November pays it again,
  PENDING: a failed payout not yet paid again.
- Dan (12.00/h): 60 min on 10-07 = 12.00, disputed ten days ago: held, unremitted.
- Hana (10.00/h): 60 min on 10-08 = 10.00, October PAID then RETURNED ("Account closed"); November
  pays it again, PENDING: a returned payout not yet paid again.
- Frank (15.00/h): 60 min on 2024-12-02 = 15.00: the next run's preview (1 worker, 15.00); his bank
  details were entered and await a second finance user's confirmation.
EUR: Chloé (20.00/h): 30 min on 10-06 = 10.00, October PROCESSING.
Alice's bank details (IBAN ending 3000) are confirmed. The October run was approved; the November
run awaits approval. Also: a stalled run (undecided too) and a nightly audit that found 2 differences.

So, USD: unremitted 27.00 (Dan 12.00 + Frank 15.00), pending 24.24 (6.67 + 7.57 + 10.00), processing
0.00, paid this month 7.50 (Hana's 10.00 paid and returned nets out); EUR: processing 10.00.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from settlements import services as settlement_services
from settlements.models import Remittance
from settlements.services.approvals import settlement_run_approve
from settlements.services.payees import payout_destination_confirm, payout_destination_set
from settlements.services.remittances import remittance_mark_returned
from tests.ops.known_data import audit_found, payout_in_doubt, stalled_run
from tests.support.factories import FinanceUserFactory, WorkerFactory, WorkLogFactory
from worklogs import services
from worklogs.models import Segment

OCT, NOV = date(2024, 10, 31), date(2024, 11, 30)
IBAN = "DE89370400440532013000"


def work(worklog, day: str, start: str, minutes: int) -> Segment:
    started = datetime.fromisoformat(f"{day}T{start}:00").replace(tzinfo=UTC)
    segment, _ = services.segment_record(
        worklog=worklog, started_at=started, ended_at=started + timedelta(minutes=minutes)
    )
    return segment


@dataclass
class KnownData:
    alice_october: Remittance
    alice_november: Remittance
    bob_october: Remittance
    bob_november: Remittance
    chloe_october: Remittance
    hana_october: Remittance
    alice_worklog_id: int


def build(*, with_operations: bool = True) -> KnownData:
    alice = WorkLogFactory(worker__name="Alice Martin", task__title="Translate manual", hourly_rate=Decimal("10.00"))
    first = work(alice, "2024-10-05", "09:00", 20)
    work(alice, "2024-10-05", "09:20", 20)
    work(alice, "2024-10-05", "09:40", 20)
    twice = work(alice, "2024-10-06", "09:00", 60)
    services.segment_remove(segment=twice, reason="Logged twice")
    services.adjustment_record(worklog=alice, amount=Decimal("-2.50"), reason="Late delivery")
    bob = WorkLogFactory(worker__name="Bob Stone", hourly_rate=Decimal("45.39"))
    work(bob, "2024-10-05", "10:00", 10)
    chloe = WorkLogFactory(worker__name="Chloé Durand", worker__currency="EUR", hourly_rate=Decimal("20.00"))
    work(chloe, "2024-10-06", "10:00", 30)
    dan = WorkLogFactory(worker__name="Dan Ng", hourly_rate=Decimal("12.00"))
    disputed = work(dan, "2024-10-07", "10:00", 60)
    services.segment_dispute(segment=disputed, reason="Client contests these hours")
    Segment.objects.filter(pk=disputed.pk).update(updated_at=timezone.now() - timedelta(days=10))
    hana = WorkLogFactory(worker__name="Hana Sato", hourly_rate=Decimal("10.00"))
    work(hana, "2024-10-08", "09:00", 60)
    enterer, confirmer = FinanceUserFactory(), FinanceUserFactory()
    payout_destination_set(worker=alice.worker, account_holder="Alice Martin", iban=IBAN, bic="", actor=enterer)
    payout_destination_confirm(worker=alice.worker, actor=confirmer)

    october = settlement_services.settlement_generate(period_end=OCT)
    settlement_run_approve(run=october, actor=confirmer)
    alice_october = Remittance.objects.get(worker=alice.worker, period_end=OCT)
    settlement_services.remittance_mark_paid(remittance=alice_october, provider_reference="BANK-REF-1")
    bob_october = Remittance.objects.get(worker=bob.worker, period_end=OCT)
    settlement_services.remittance_mark_failed(remittance=bob_october, reason="Bank rejected")
    chloe_october = Remittance.objects.get(worker=chloe.worker, period_end=OCT)
    settlement_services.remittance_mark_processing(remittance=chloe_october, provider_reference="PSP-9")
    hana_october = Remittance.objects.get(worker=hana.worker, period_end=OCT)
    settlement_services.remittance_mark_paid(remittance=hana_october)
    remittance_mark_returned(remittance=hana_october, reason="Account closed")

    services.segment_remove(segment=first, reason="Duplicate entry")
    work(alice, "2024-11-04", "09:00", 60)
    settlement_services.settlement_generate(period_end=NOV)
    alice_november = Remittance.objects.get(worker=alice.worker, period_end=NOV)
    bob_november = Remittance.objects.get(worker=bob.worker, period_end=NOV)
    frank = WorkLogFactory(worker=WorkerFactory(name="Frank Li"), hourly_rate=Decimal("15.00"))
    work(frank, "2024-12-02", "09:00", 60)
    payout_destination_set(worker=frank.worker, account_holder="Frank Li", iban=IBAN, bic="", actor=enterer)
    if with_operations:
        payout_in_doubt(alice_november.pk)
        stalled_run()
        audit_found(2)
    return KnownData(
        alice_october=Remittance.objects.get(pk=alice_october.pk),
        alice_november=alice_november,
        bob_october=Remittance.objects.get(pk=bob_october.pk),
        bob_november=bob_november,
        chloe_october=Remittance.objects.get(pk=chloe_october.pk),
        hana_october=Remittance.objects.get(pk=hana_october.pk),
        alice_worklog_id=alice.pk,
    )
