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


class DocumentKind(models.TextChoices):
    DISPUTE_EVIDENCE = "dispute_evidence", "Dispute evidence"
    VERIFICATION = "verification", "Verification packet"
    AFFIDAVIT = "affidavit", "Affidavit"
    CEASE_LETTER = "cease_letter", "Cease letter"
    COMPLAINT = "complaint", "Complaint correspondence"
    OTHER = "other", "Other"


class Document(models.Model):
    """A file kept on an account through the document store (the bytes are not in the database)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    dispute = models.ForeignKey(
        Dispute, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    complaint = models.ForeignKey(
        "Complaint", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    store_key = models.CharField(max_length=300)
    received_on = models.DateField()
    purged = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "sha256"], name="document_once_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"


class ComplaintSource(models.TextChoices):
    CFPB = "cfpb", "CFPB portal"
    STATE_AG = "state_ag", "State attorney general"
    BBB = "bbb", "Better Business Bureau"
    CLIENT = "client", "Through the client"
    DIRECT = "direct", "Directly from the consumer"


class ComplaintCategory(models.TextChoices):
    COMMUNICATION = "communication", "Communication tactics"
    FALSE_STATEMENTS = "false_statements", "False statements or representation"
    THREATS = "threats", "Took or threatened negative or legal action"
    NOT_OWED = "not_owed", "Attempts to collect debt not owed"
    NOTIFICATION = "notification", "Written notification about debt"
    PRIVACY = "privacy", "Improper contact or sharing of information"
    OTHER = "other", "Other"


class Complaint(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="complaints")
    received_on = models.DateField()
    source = models.CharField(max_length=10, choices=ComplaintSource.choices)
    category = models.CharField(max_length=20, choices=ComplaintCategory.choices)
    reference = models.CharField(max_length=60, blank=True, help_text="The source's case number.")
    description = models.TextField(blank=True)
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    responded_on = models.DateField(null=True, blank=True)
    response_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_on"], name="complaint_queue_idx")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} complaint on account {self.account_id}"
