"""Compliance cases on an account: disputes and requests for the original creditor.

A dispute is kept as received (written or oral, when, whole or part of the debt, why) with what
the rules make of it: whether it came within the validation period, whether it repeats an
earlier dispute already answered, and when it was answered. Collection holds while it is open.
"""

from django.conf import settings
from django.db import models

from arrears.data.accounts.models import Account, Hold


class CaseKind(models.TextChoices):
    DISPUTE = "dispute", "Dispute"
    ORIGINAL_CREDITOR = "original_creditor", "Request for the original creditor"


class Medium(models.TextChoices):
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    PORTAL = "portal", "Consumer portal"
    FAX = "fax", "Fax"
    PHONE = "phone", "Phone"
    IN_PERSON = "in_person", "In person"


WRITTEN_MEDIA = frozenset({Medium.LETTER, Medium.EMAIL, Medium.PORTAL, Medium.FAX})


class DisputeReason(models.TextChoices):
    NOT_MINE = "not_mine", "This is not my debt"
    AMOUNT_WRONG = "amount_wrong", "The amount is wrong"
    PAID = "paid", "Already paid"
    IDENTITY_THEFT = "identity_theft", "Identity theft"
    OTHER = "other", "Other"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    DUPLICATIVE = "duplicative", "Answered as duplicative"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Dispute(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="disputes")
    kind = models.CharField(max_length=20, choices=CaseKind.choices, default=CaseKind.DISPUTE)
    received_on = models.DateField()
    medium = models.CharField(max_length=10, choices=Medium.choices)
    in_writing = models.BooleanField()
    within_validation_period = models.BooleanField()
    reason = models.CharField(max_length=16, choices=DisputeReason.choices, blank=True)
    description = models.TextField(blank=True)
    disputed_amount_minor = models.BigIntegerField(
        null=True, blank=True, help_text="The part disputed; empty = the whole debt."
    )
    new_information = models.BooleanField(
        default=False, help_text="The consumer gave information not in an earlier dispute."
    )
    duplicative_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    response_due_on = models.DateField()
    answered_on = models.DateField(null=True, blank=True)
    answer_note = models.TextField(blank=True)
    hold = models.OneToOneField(
        Hold, null=True, blank=True, on_delete=models.PROTECT, related_name="dispute"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "response_due_on"], name="dispute_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disputed_amount_minor__isnull=True)
                | models.Q(disputed_amount_minor__gt=0),
                name="dispute_part_is_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(answered_on__isnull=True)
                | models.Q(answered_on__gte=models.F("received_on")),
                name="dispute_answered_after_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on account {self.account_id}, {self.received_on}"
