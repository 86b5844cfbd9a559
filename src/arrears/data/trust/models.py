"""Trust accounting: a client's commission terms, and the remittance statements that pass each
cash entry of the ledger to the client exactly once.

A remittance line names its ledger entry one-to-one (unique): an entry is remitted by one
statement or none, never two. A statement takes every cash entry not yet remitted that is dated
before its period's end, so a back-dated payment posted after its month was remitted is taken by
the next statement instead of being lost (ADR 20). Amounts are integer minor units; rates ppm.
"""

from django.db import models

from arrears.core.trust import PPM
from arrears.data.clients.models import Client
from arrears.data.ledger.models import Entry


class RemitMode(models.TextChoices):
    NET = "net", "Net: keep the commission, remit the client's share"
    GROSS = "gross", "Gross: remit everything collected, invoice the commission"


class CommissionTerms(models.Model):
    """How a client pays us. Without a row: the client's ``commission_rate_ppm``, remitted net."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="commission_terms")
    remit_mode = models.CharField(max_length=5, choices=RemitMode.choices, default=RemitMode.NET)
    default_rate_ppm = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Commission where no tier applies, ppm; empty: the client's commission rate.",
    )  # fmt: skip
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "commission terms"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_rate_ppm__lte=PPM), name="terms_rate_at_most_all"
            ),
        ]

    def __str__(self) -> str:
        return f"commission terms of client {self.client_id}"


class CommissionTier(models.Model):
    """From ``from_months`` whole months after placement (and within that age row, from a balance
    at placement of ``from_balance_minor``), the commission is ``rate_ppm``."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="commission_tiers",
                               db_index=False)  # fmt: skip
    from_months = models.PositiveSmallIntegerField()
    from_balance_minor = models.BigIntegerField(default=0)
    rate_ppm = models.PositiveIntegerField()

    class Meta:
        ordering = ["client_id", "from_months", "from_balance_minor"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "from_months", "from_balance_minor"], name="tier_once"
            ),
            models.CheckConstraint(
                condition=models.Q(rate_ppm__lte=PPM, from_balance_minor__gte=0),
                name="tier_rate_and_band",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rate_ppm} ppm from {self.from_months} months"


class RemittanceStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    PAID = "paid", "Paid to the client"


class Remittance(models.Model):
    """One client's statement for one month (and currency): the cash entries it took and their
    totals. ``refunds_minor`` and ``reversals_minor`` are what went back, as positive amounts."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="remittances",
                               db_index=False)  # fmt: skip
    period_start = models.DateField()
    period_end = models.DateField(help_text="Exclusive: the first day of the next month.")
    currency = models.CharField(max_length=3)
    remit_mode = models.CharField(max_length=5, choices=RemitMode.choices)
    number = models.CharField(max_length=60, unique=True)
    lines_count = models.PositiveIntegerField(default=0)
    collected_minor = models.BigIntegerField(default=0)
    refunds_minor = models.BigIntegerField(default=0)
    reversals_minor = models.BigIntegerField(default=0)
    net_collected_minor = models.BigIntegerField(default=0)
    commission_minor = models.BigIntegerField(default=0)
    client_share_minor = models.BigIntegerField(default=0)
    due_to_client_minor = models.BigIntegerField(default=0)
    commission_invoice_minor = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=8, choices=RemittanceStatus.choices, default=RemittanceStatus.ISSUED
    )
    created_at = models.DateTimeField()
    actor_label = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "period_start", "currency"], name="remittance_once_a_period"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    net_collected_minor=models.F("collected_minor")
                    - models.F("refunds_minor")
                    - models.F("reversals_minor")
                )
                & models.Q(
                    net_collected_minor=models.F("client_share_minor")
                    + models.F("commission_minor")
                ),
                name="remittance_split_adds_up",
            ),
        ]
        indexes = [models.Index(fields=["period_start", "client"], name="remittance_period_idx")]

    def __str__(self) -> str:
        return self.number


class RemittanceLine(models.Model):
    """One cash entry as a statement took it: its cash, the rate used and the split."""

    remittance = models.ForeignKey(Remittance, on_delete=models.CASCADE, related_name="lines")
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="remittance_line")
    cash_minor = models.BigIntegerField()
    rate_ppm = models.PositiveIntegerField()
    commission_minor = models.BigIntegerField()
    client_share_minor = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    cash_minor=models.F("client_share_minor") + models.F("commission_minor")
                ),
                name="line_split_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"entry {self.entry_id} on {self.remittance_id}"
