"""Parties (people and businesses who owe) and their contact points.

SSNs, dates of birth and bank account numbers are stored encrypted; lookups go through keyed
blind indexes (see arrears.core.pii).
"""

from typing import Any

from django.db import models

from arrears.core.search import name_keys
from arrears.data.indexes import EqualityIndex


class PartyKind(models.TextChoices):
    PERSON = "person", "Person"
    BUSINESS = "business", "Business"


class Party(models.Model):
    kind = models.CharField(max_length=10, choices=PartyKind.choices, default=PartyKind.PERSON)
    first_name = models.CharField(max_length=60, blank=True)
    middle_name = models.CharField(max_length=60, blank=True)
    last_name = models.CharField(max_length=60, blank=True)
    suffix = models.CharField(max_length=10, blank=True)
    business_name = models.CharField(max_length=120, blank=True)
    ssn_encrypted = models.TextField(blank=True, default="", editable=False)
    ssn_last4 = models.CharField(max_length=4, blank=True, default="", editable=False)
    ssn_index = models.CharField(max_length=32, null=True, blank=True, editable=False)
    ssn_last4_index = models.CharField(max_length=32, null=True, blank=True, editable=False)
    dob_encrypted = models.TextField(blank=True, default="", editable=False)
    name_dob_index = models.CharField(
        max_length=32,
        null=True,
        blank=True,
        editable=False,
        help_text="Blind index of normalised last name, first name and date of birth.",
    )
    purged_on = models.DateField(
        null=True, blank=True, editable=False,
        help_text="Personal data destroyed under the retention policy on this day.",
    )  # fmt: skip
    name_key_last = models.CharField(
        max_length=8, blank=True, default="", editable=False,
        help_text="Sound key of the last name (of a business name's first word); see core.search.",
    )  # fmt: skip
    name_key_first = models.CharField(max_length=8, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "parties"
        indexes = [
            models.Index(fields=["name_key_last", "name_key_first"], name="party_name_key_idx"),
            models.Index(fields=["ssn_index"], name="party_ssn_idx"),
            models.Index(fields=["ssn_last4_index"], name="party_ssn4_idx"),
            models.Index(fields=["name_dob_index"], name="party_namedob_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key_last, self.name_key_first = name_keys(
            first_name=self.first_name, last_name=self.last_name, business_name=self.business_name
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "name_key_last", "name_key_first"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        if self.kind == PartyKind.BUSINESS:
            return self.business_name
        parts = [self.first_name, self.middle_name, self.last_name, self.suffix]
        return " ".join(p for p in parts if p)


class ContactKind(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    ADDRESS = "address", "Address"


class PhoneType(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    HOME = "home", "Home"
    WORK = "work", "Work"
    OTHER = "other", "Other"


class ContactStatus(models.TextChoices):
    VALID = "valid", "Valid"
    UNVERIFIED = "unverified", "Unverified"
    BAD = "bad", "Bad (wrong number, bounced, returned mail)"


class ContactPoint(models.Model):
    # The unique (party, kind, value_index) index serves party lookups; no separate FK index.
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="contact_points", db_index=False
    )
    kind = models.CharField(max_length=10, choices=ContactKind.choices)
    phone_e164 = models.CharField(max_length=16, blank=True)
    phone_type = models.CharField(max_length=10, choices=PhoneType.choices, blank=True)
    email = models.CharField(max_length=254, blank=True)
    address1 = models.CharField(max_length=100, blank=True)
    address2 = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip = models.CharField(max_length=9, blank=True)
    country = models.CharField(max_length=2, default="US")
    value_index = models.CharField(
        max_length=32,
        null=True,
        blank=True,
        editable=False,
        help_text="Blind index of the phone or email, or of the normalised address.",
    )
    consent_source = models.CharField(
        max_length=60,
        blank=True,
        help_text="Where consent to use this point came from (e.g. provided to the creditor).",
    )
    source = models.CharField(max_length=60, blank=True, help_text="Where we learned of it.")
    status = models.CharField(
        max_length=12, choices=ContactStatus.choices, default=ContactStatus.UNVERIFIED
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Exclusive; empty = still valid.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # Search by phone or email: equality on a random key, so a hash index (an import
            # writes two phones and an email for most rows); addresses are never searched by it.
            EqualityIndex(
                fields=["value_index"],
                name="contact_value_idx",
                condition=models.Q(kind__in=["phone", "email"]),
            ),
            # Search by ZIP; addresses only, so phones and emails cost the index nothing.
            models.Index(
                fields=["zip"], name="contact_zip_idx", condition=models.Q(kind="address")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gt=models.F("valid_from")),
                name="contact_valid_period",
            ),
            models.UniqueConstraint(
                fields=["party", "kind", "value_index"], name="contact_unique_per_party"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == ContactKind.PHONE:
            return f"{self.phone_e164} ({self.phone_type})"
        if self.kind == ContactKind.EMAIL:
            return self.email
        zip_code = f"{self.zip[:5]}-{self.zip[5:]}" if len(self.zip) == 9 else self.zip
        return f"{self.address1}, {self.city}, {self.state} {zip_code}"


class BankAccount(models.Model):
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="bank_accounts")
    routing_number = models.CharField(max_length=9)
    account_number_encrypted = models.TextField(editable=False)
    account_last4 = models.CharField(max_length=4, editable=False)
    account_type = models.CharField(
        max_length=10, choices=[("checking", "Checking"), ("savings", "Savings")]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.account_type} ****{self.account_last4}"


class LinkReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    MERGED = "merged", "Merged"
    DISTINCT = "distinct", "Confirmed distinct"


class PartyLinkReview(models.Model):
    """Two parties that may be one person (same name and birth date, different SSNs)."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=LinkReviewStatus.choices, default=LinkReviewStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["party", "candidate"], name="link_review_unique_pair")
        ]

    def __str__(self) -> str:
        return f"party {self.party_id} ~ {self.candidate_id}: {self.reason}"
