"""Clients: the creditors who place accounts, and the terms we collect under."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models


class ClientKind(models.TextChoices):
    AGENCY = "agency", "Agency (third-party collection)"
    FIRST_PARTY = "first_party", "First party (own receivables)"
    DEBT_BUYER = "debt_buyer", "Debt buyer"


class InterestPolicy(models.TextChoices):
    NONE = "none", "No interest"
    CONTRACT = "contract", "Contract rate per account"


class Client(models.Model):
    code = models.CharField(
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z0-9][A-Z0-9_-]*$", "Upper-case letters, digits, - and _.")
        ],
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ClientKind.choices, default=ClientKind.AGENCY)
    currency = models.CharField(max_length=3, default="USD")
    commission_rate_ppm = models.PositiveIntegerField(
        default=0, help_text="Commission on collections, parts per million (25 % = 250000)."
    )
    waterfall = models.CharField(
        max_length=60,
        default="fees,costs,interest,principal",
        help_text="Order in which payments pay the balance buckets.",
    )
    interest_policy = models.CharField(
        max_length=20, choices=InterestPolicy.choices, default=InterestPolicy.NONE
    )
    accrue_after_charge_off = models.BooleanField(
        default=False, help_text="The contract or law allows interest after charge-off."
    )
    rate_cap_ppm = models.PositiveIntegerField(
        null=True, blank=True, help_text="Highest annual rate we may charge, ppm (6 % = 60000)."
    )
    returned_payment_fee_minor = models.PositiveIntegerField(
        default=0,
        help_text="Fee charged when a payment is returned for insufficient or uncollected funds, "
        "in cents; 0 when the contract allows none.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class ClientGrant(models.Model):
    """A collector may see and work the accounts of this client. Roles that oversee the whole
    book (supervisors, compliance, accountants, admins) need no grant."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_grants"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="grants")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="Empty when a command granted it.",
    )  # fmt: skip
    granted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="client_grant_once"),
        ]
        ordering = ["user_id", "client__code"]

    def __str__(self) -> str:
        return f"{self.client.code} granted to {self.user}"
