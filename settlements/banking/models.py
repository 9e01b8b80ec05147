"""Payees' bank details, SEPA credit-transfer files and the banks' status reports.

Invariants the database enforces:
- a payout destination is append-only: a change is a new row and the worker's current destination
  is its latest row; the one update allowed sets `confirmed_by`/`confirmed_at` once (a PostgreSQL
  trigger, migration 0011), and the confirmer is never the user who entered it (a CHECK);
- a remittance is in at most one SEPA file (unique `SepaFileEntry.remittance`), so two files built
  at the same time cannot both pay it: the second one's insert fails and its transaction rolls back;
- files, their entries and bank reports are never updated or deleted (triggers on PostgreSQL);
- a bank report is stored once per message id (unique): a replay finds it and changes nothing.

Foreign keys to the rest of `settlements` are by name, so this module imports nothing of it
(`settlements.models` imports this one).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.db_guards import four_eyes_check
from core.money import MoneyField


class PayoutDestination(models.Model):
    """Where a worker's money goes: one row per value ever entered, the latest is the current one.

    Unconfirmed until a finance user other than `entered_by` confirms it; until then the worker's
    remittances are held out of bank files and of gateways that need bank details.
    """

    worker = models.ForeignKey("worklogs.Worker", on_delete=models.PROTECT, related_name="payout_destinations")
    account_holder = models.CharField(max_length=70)
    iban = models.CharField(max_length=34, help_text="Compact, upper case, checksum verified (schwifty).")
    bic = models.CharField(max_length=11, blank=True, help_text="Optional in SEPA; its shape is verified.")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            four_eyes_check(
                maker="entered_by", checker="confirmed_by", name="payout_destination_confirmer_not_enterer"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(confirmed_by__isnull=False),
                name="payout_destination_confirmed_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["worker", "-id"], name="payoutdest_worker_latest")]

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "unconfirmed"
        return f"{self.account_holder} {self.iban} ({state})"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class SepaFile(models.Model):
    """One ISO 20022 pain.001.001.03 credit-transfer file, its bytes stored as built. Append-only.

    `excluded` lists the run's remittances left out and why: `[{"remittanceId", "reason"}]`.
    """

    run = models.ForeignKey("settlements.SettlementRun", on_delete=models.PROTECT, related_name="sepa_files")
    message_id = models.CharField(max_length=35, unique=True)
    content = models.BinaryField()
    transaction_count = models.PositiveIntegerField()
    control_sum = MoneyField()
    currency = models.CharField(max_length=3)
    excluded = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(transaction_count__gt=0), name="sepa_file_not_empty"),
            models.CheckConstraint(condition=Q(control_sum__gt=0), name="sepa_file_control_sum_positive"),
        ]

    def __str__(self) -> str:
        return f"SEPA file #{self.pk} of run {self.run_id} ({self.transaction_count} transfers, {self.control_sum})"


class SepaFileEntry(models.Model):
    """One credit transfer of a file: the remittance it pays, to which destination, under which
    end-to-end id (the remittance's submission id). A remittance is in one file at most."""

    file = models.ForeignKey(SepaFile, on_delete=models.PROTECT, related_name="entries")
    remittance = models.OneToOneField("settlements.Remittance", on_delete=models.PROTECT, related_name="sepa_entry")
    submission = models.OneToOneField(
        "settlements.PayoutSubmission", on_delete=models.PROTECT, related_name="sepa_entry"
    )
    destination = models.ForeignKey(PayoutDestination, on_delete=models.PROTECT, related_name="+")
    end_to_end_id = models.CharField(max_length=35, unique=True)
    amount = MoneyField()

    def __str__(self) -> str:
        return f"{self.end_to_end_id}: remittance {self.remittance_id} {self.amount}"


class BankReport(models.Model):
    """One pain.002.001.03 payment-status report as received, with what it did. Append-only.

    `outcomes` is what it did per transaction: `[{"end_to_end_id", "status", "reason_code",
    "remittance_id", "outcome"}]`; a replay of the same message id answers it again.
    """

    message_id = models.CharField(max_length=35, unique=True)
    raw_body = models.BinaryField()
    outcomes = models.JSONField(default=list)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Bank report {self.message_id} ({len(self.outcomes)} transactions)"
