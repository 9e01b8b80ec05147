"""A small double-entry ledger. Every money event of the product posts one balanced entry.

Invariants:
- The postings of an entry sum to zero per currency (checked by `ledger.services` everywhere and,
  on PostgreSQL, by a deferred constraint trigger at commit).
- Entries and postings are never updated or deleted (a trigger on PostgreSQL; the admin is
  read-only). A correction is a new entry.
- Signs: a posting's amount is positive for a debit and negative for a credit.

The ledger imports no other app, so accounts refer to their owner by `party` (a worker's id).
"""

from django.db import models

from core.money import MoneyField


class AccountKind(models.TextChoices):
    # Per worker: cost of the work recorded (debit-normal). Its balance is everything earned.
    EXPENSE = "EXPENSE", "Labour expense"
    # Per worker: owed and not yet in a live remittance (credit-normal): "unremitted".
    PAYABLE = "PAYABLE", "Worker payable"
    # Per worker: in a PENDING/PROCESSING remittance (credit-normal): "pending".
    IN_TRANSIT = "IN_TRANSIT", "Payouts in transit"
    # Per worker: money that left for the worker (credit side); its negated balance is "remitted".
    CASH = "CASH", "Cash paid out"


class Account(models.Model):
    code = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    currency = models.CharField(max_length=3)
    party = models.BigIntegerField(null=True, blank=True, help_text="Worker id for worker accounts.")
    name = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["party", "kind", "currency"], name="account_one_per_party_kind"),
        ]
        indexes = [models.Index(fields=["party", "kind"])]

    def __str__(self) -> str:
        return self.code


class JournalEntry(models.Model):
    """One money event. `cause` names the event kind, `reference` the row that caused it."""

    created_at = models.DateTimeField(db_index=True)
    cause = models.CharField(max_length=32)
    reference = models.CharField(max_length=64, blank=True)
    memo = models.CharField(max_length=255, blank=True)
    party = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.cause} {self.reference}"


class Posting(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = MoneyField()
    currency = models.CharField(max_length=3)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="posting_amount_not_zero"),
        ]
        indexes = [models.Index(fields=["account", "entry"])]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount}"


class MonthClose(models.Model):
    """A calendar month (in `TIME_ZONE`) whose postings are final, with their sums in `MonthTotal`.

    An entry is always dated when it is posted (`created_at` is now), so once a month has been over
    for `ledger.services.CLOSE_MARGIN` (longer than any transaction lasts) its postings never
    change. `ledger_months_close` closes the months in order, from the month of the first entry, so
    the closed months are contiguous: what they do not cover is the months after the last one.
    Written once, never updated or deleted; a cache of the postings that the audit recomputes."""

    month = models.DateField(unique=True, help_text="The month's first day.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(month__day=1), name="month_close_first_day")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} closed"


class MonthTotal(models.Model):
    """The sum of one closed month's postings on the accounts of one kind, in one currency."""

    close = models.ForeignKey(MonthClose, on_delete=models.PROTECT, related_name="totals")
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    currency = models.CharField(max_length=3)
    amount = MoneyField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["close", "kind", "currency"], name="month_total_one_per_kind_currency")
        ]

    def __str__(self) -> str:
        return f"{self.close.month:%Y-%m} {self.kind} {self.amount} {self.currency}"
