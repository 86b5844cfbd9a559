"""Trust accounting: a client's commission terms, and the remittance statements that pass each
cash entry of the ledger to the client exactly once.

A remittance line names its ledger entry one-to-one (unique): an entry is remitted by one
statement or none, never two. A statement takes every cash entry not yet remitted that is dated
before its period's end, so a back-dated payment posted after its month was remitted is taken by
the next statement instead of being lost (ADR 20). Amounts are integer minor units; rates ppm.

A line's ``fee_minor`` is the card convenience fee part of its cash: all of it is commission,
never the client's (ADR 27). A statement is issued, then marked paid once the money due has
left trust for the client (the day, the check or wire reference, and who recorded it).
"""

from django.conf import settings
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
    fees_minor = models.BigIntegerField(
        default=0, help_text="Of the commission: card convenience fees (less those given back)."
    )
    client_share_minor = models.BigIntegerField(default=0)
    due_to_client_minor = models.BigIntegerField(default=0)
    commission_invoice_minor = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=8, choices=RemittanceStatus.choices, default=RemittanceStatus.ISSUED
    )
    created_at = models.DateTimeField()
    actor_label = models.CharField(max_length=120)
    paid_on = models.DateField(null=True, blank=True, help_text="The day the client was paid.")
    paid_reference = models.CharField(
        max_length=80, blank=True, help_text="The check or wire number of the payment."
    )
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
        help_text="Who recorded the payment (empty: a command run by the operator).",
    )  # fmt: skip
    paid_at = models.DateTimeField(null=True, blank=True)

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
            models.CheckConstraint(
                condition=models.Q(
                    status=RemittanceStatus.ISSUED,
                    paid_on__isnull=True,
                    paid_at__isnull=True,
                    paid_reference="",
                )
                | (
                    models.Q(
                        status=RemittanceStatus.PAID, paid_on__isnull=False, paid_at__isnull=False
                    )
                    & ~models.Q(paid_reference="")
                ),
                name="remittance_paid_is_recorded",
            ),
        ]
        indexes = [models.Index(fields=["period_start", "client"], name="remittance_period_idx")]

    def __str__(self) -> str:
        return self.number


class RemittanceLine(models.Model):
    """One cash entry as a statement took it: its cash, the rate used and the split.
    ``fee_minor`` is the part of the cash that is a card convenience fee (negative when given
    back): it is inside the commission, never the client's share."""

    remittance = models.ForeignKey(Remittance, on_delete=models.CASCADE, related_name="lines")
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="remittance_line")
    cash_minor = models.BigIntegerField()
    rate_ppm = models.PositiveIntegerField()
    commission_minor = models.BigIntegerField()
    client_share_minor = models.BigIntegerField()
    fee_minor = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    cash_minor=models.F("client_share_minor") + models.F("commission_minor")
                ),
                name="line_split_adds_up",
            ),
            # The fee is inside the commission, and the commission inside the cash: fee <=
            # commission <= cash on a payment, cash <= commission <= fee when given back.
            models.CheckConstraint(
                condition=models.Q(fee_minor=0)
                | models.Q(
                    fee_minor__gt=0,
                    commission_minor__gte=models.F("fee_minor"),
                    cash_minor__gte=models.F("commission_minor"),
                )
                | models.Q(
                    fee_minor__lt=0,
                    commission_minor__lte=models.F("fee_minor"),
                    cash_minor__lte=models.F("commission_minor"),
                ),
                name="line_fee_is_the_agencys",
            ),
        ]

    def __str__(self) -> str:
        return f"entry {self.entry_id} on {self.remittance_id}"
