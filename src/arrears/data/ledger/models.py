"""Ledger entries: append-only postings to an account's balance buckets.

Amounts are integer minor units; a positive amount increases what the consumer owes. ``cash`` is
money received (positive) or paid back (negative). Rows are never updated or deleted; the
database refuses it (see the migration's triggers). A correction is a reversing entry.
"""

from django.conf import settings
from django.db import models

from arrears.data.accounts.models import Account


class EntryKind(models.TextChoices):
    PLACEMENT = "placement", "Placement"
    INTEREST = "interest", "Interest"
    FEE = "fee", "Fee"
    CHARGE = "charge", "Cost charged"
    PAYMENT = "payment", "Payment"
    PAYMENT_REVERSAL = "payment_reversal", "Payment reversal"
    REFUND = "refund", "Refund"
    ADJUSTMENT = "adjustment", "Adjustment"
    SETTLEMENT_WRITEDOWN = "settlement_writedown", "Settlement write-down"
    WRITE_OFF = "write_off", "Write-off"
    RECALL = "recall", "Recall"
    REVERSAL = "reversal", "Reversal"


class Entry(models.Model):
    # The (account, id) index below serves account lookups; no separate FK index.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    kind = models.CharField(max_length=24, choices=EntryKind.choices)
    effective_on = models.DateField()
    posted_at = models.DateTimeField()
    currency = models.CharField(max_length=3, default="USD")
    principal_minor = models.BigIntegerField(default=0)
    interest_minor = models.BigIntegerField(default=0)
    fees_minor = models.BigIntegerField(default=0)
    costs_minor = models.BigIntegerField(default=0)
    cash_minor = models.BigIntegerField(default=0)
    reverses = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        db_index=False,
    )
    payment = models.ForeignKey(
        "payments.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
        help_text="The payment this entry applies, returns or refunds.",
    )
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)
    source = models.CharField(max_length=60, blank=True)
    memo = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="entry_unique_idempotency_key",
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=models.Q(kind__in=["payment_reversal", "reversal"]),
                name="entry_reversed_once",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "id"], name="entry_account_idx"),
            models.Index(
                fields=["payment"],
                condition=models.Q(payment__isnull=False),
                name="entry_payment_idx",
            ),
            models.Index(
                fields=["reverses"],
                condition=models.Q(reverses__isnull=False),
                name="entry_reverses_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} on account {self.account_id}"

    @property
    def total_minor(self) -> int:
        return self.principal_minor + self.interest_minor + self.fees_minor + self.costs_minor
