"""Placements, accounts (one debt each), who owes them, and holds on collection."""

from django.conf import settings
from django.db import models

from arrears.data.clients.models import Client
from arrears.data.parties.models import Party


class Placement(models.Model):
    """A batch of accounts a client placed with us, usually one file."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="placements")
    reference = models.CharField(
        max_length=200, help_text="The file name or the client's batch id."
    )
    file_sha256 = models.CharField(max_length=64, blank=True)
    placed_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "file_sha256"],
                condition=~models.Q(file_sha256=""),
                name="placement_unique_file_per_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.client.code} {self.reference} ({self.placed_on})"


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARRANGEMENT = "arrangement", "In arrangement"
    PAID = "paid", "Paid in full"
    SETTLED = "settled", "Settled"
    CLOSED = "closed", "Closed"
    RECALLED = "recalled", "Recalled by client"


class ItemizationBasis(models.TextChoices):
    LAST_STATEMENT = "last_statement", "Last statement date"
    CHARGE_OFF = "charge_off", "Charge-off date"
    LAST_PAYMENT = "last_payment", "Last payment date"
    TRANSACTION = "transaction", "Transaction date"
    JUDGMENT = "judgment", "Judgment date"


class DayCountChoice(models.TextChoices):
    ACT_365 = "actual/365", "Actual/365"
    ACT_360 = "actual/360", "Actual/360"
    THIRTY_360 = "30/360", "30/360"


class Account(models.Model):
    # The unique (client, client_ref) index serves client lookups; no separate FK index.
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="accounts", db_index=False
    )
    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="accounts")
    client_ref = models.CharField(max_length=50, help_text="The client's account reference.")
    original_creditor = models.CharField(max_length=100)
    original_account_number = models.CharField(max_length=50, blank=True)
    creditor_classification = models.CharField(max_length=2, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    status = models.CharField(
        max_length=12, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    status_reason = models.CharField(max_length=200, blank=True)
    status_changed_on = models.DateField(null=True, blank=True)

    placed_on = models.DateField()
    placed_amount_minor = models.BigIntegerField(help_text="Amount placed (highest credit).")
    charge_off_date = models.DateField(null=True, blank=True)
    charge_off_amount_minor = models.BigIntegerField(null=True, blank=True)
    date_of_first_delinquency = models.DateField(
        null=True, blank=True, help_text="Never changes once set (FCRA 623(a)(5))."
    )
    itemization_date = models.DateField()
    itemization_basis = models.CharField(
        max_length=20, choices=ItemizationBasis.choices, default=ItemizationBasis.CHARGE_OFF
    )
    itemization_amount_minor = models.BigIntegerField()
    last_payment_date = models.DateField(null=True, blank=True)

    interest_rate_ppm = models.PositiveIntegerField(
        null=True, blank=True, help_text="Contract annual rate, ppm (18.99 % = 189900)."
    )
    interest_day_count = models.CharField(
        max_length=12, choices=DayCountChoice.choices, default=DayCountChoice.ACT_365
    )
    accrual_segment_start = models.DateField(null=True, blank=True, editable=False)
    accrual_closed_numerator = models.BigIntegerField(default=0, editable=False)
    accrued_through = models.DateField(null=True, blank=True, editable=False)
    interest_accrued_minor = models.BigIntegerField(default=0, editable=False)

    # Balance cache, derived from ledger entries up to balance_through_entry_id.
    principal_minor = models.BigIntegerField(default=0, editable=False)
    interest_minor = models.BigIntegerField(default=0, editable=False)
    fees_minor = models.BigIntegerField(default=0, editable=False)
    costs_minor = models.BigIntegerField(default=0, editable=False)
    balance_minor = models.BigIntegerField(default=0, editable=False)
    balance_through_entry_id = models.BigIntegerField(null=True, blank=True, editable=False)

    purged_on = models.DateField(
        null=True, blank=True, editable=False,
        help_text="Personal data on it destroyed under the retention policy on this day.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "client_ref"], name="account_unique_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.client.code}/{self.client_ref}"


class PartyRole(models.TextChoices):
    PRIMARY = "primary", "Primary debtor"
    CO_SIGNER = "co_signer", "Co-signer"
    GUARANTOR = "guarantor", "Guarantor"
    AUTHORIZED_USER = "authorized_user", "Authorized user"
    ESTATE_REPRESENTATIVE = "estate_representative", "Estate representative"


class AccountParty(models.Model):
    # The unique (account, party, role) index serves account lookups.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="account_parties", db_index=False
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="account_parties")
    role = models.CharField(max_length=24, choices=PartyRole.choices, default=PartyRole.PRIMARY)

    class Meta:
        verbose_name = "account party"
        verbose_name_plural = "account parties"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "party", "role"], name="account_party_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: party {self.party_id} on account {self.account_id}"


class HoldKind(models.TextChoices):
    DISPUTE = "dispute", "Dispute"
    CEASE = "cease", "Cease communication"
    BANKRUPTCY = "bankruptcy", "Bankruptcy"
    DECEASED = "deceased", "Deceased"
    ATTORNEY = "attorney", "Attorney representation"
    IDENTITY_THEFT = "identity_theft", "Identity theft"
    MILITARY = "military", "Military / SCRA"
    LEGAL = "legal", "Legal"


class Hold(models.Model):
    """A reason collection is restricted, over a half-open period [starts_on, ends_on)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    kind = models.CharField(max_length=20, choices=HoldKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Exclusive; empty = open.")
    source = models.CharField(max_length=200, help_text="Who or what raised it, and how.")
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gt=models.F("starts_on")),
                name="hold_valid_period",
            )
        ]
        indexes = [models.Index(fields=["account", "kind"], name="hold_account_kind_idx")]

    def __str__(self) -> str:
        end = self.ends_on.isoformat() if self.ends_on else "open"
        return f"{self.get_kind_display()} [{self.starts_on.isoformat()}, {end})"
