"""Message templates and what was sent from them.

A template is versioned: each save of a changed text is a new version, a draft until someone in
the compliance role approves it; the version in use is the latest approved one. Its
placeholders are checked when it is saved (``arrears.core.messaging.templates``), so an unknown
name is an error for its author, not a blank in a consumer's letter.

An outbound message is one letter, email or text as it left us: its reference (which the
channel keeps, so that a bounce or a reply finds it), the template version it came from, the
contact point it went to, and the channel's answer. Letters are gathered into print batches:
one merged PDF and a manifest for the mail vendor.
"""

from django.conf import settings
from django.db import models

from arrears.data.accounts.models import Account


class TemplateChannel(models.TextChoices):
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", "Draft: waiting for compliance"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Sent back by compliance"


class MessageTemplate(models.Model):
    code = models.SlugField(max_length=40)
    version = models.PositiveIntegerField()
    channel = models.CharField(max_length=8, choices=TemplateChannel.choices)
    name = models.CharField(max_length=100)
    subject = models.CharField(
        max_length=200, blank=True, help_text="An email's subject; a letter's heading."
    )
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    review_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="template_version_unique"),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(reviewed_at__isnull=False),
                name="template_approval_is_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} ({self.status})"


class MessageStatus(models.TextChoices):
    SENDING = "sending", "Handed to the channel"
    SENT = "sent", "Sent"
    FAILED = "failed", "Refused by the channel"
    BOUNCED = "bounced", "Bounced"
    RETURNED = "returned", "Returned undeliverable"


class PrintBatch(models.Model):
    """The letters of one send run, as one PDF and its manifest for the mail vendor."""

    reference = models.CharField(max_length=40, unique=True)
    as_of = models.DateField()
    letters = models.PositiveIntegerField()
    pages = models.PositiveIntegerField()
    sheets = models.PositiveIntegerField()
    pdf_key = models.CharField(max_length=200)
    manifest_key = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.reference}: {self.letters} letters, {self.pages} pages"


class OutboundMessage(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="outbound_messages", db_index=False
    )
    channel = models.CharField(max_length=8, choices=TemplateChannel.choices)
    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="+")
    contact_point = models.ForeignKey(
        "parties.ContactPoint", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    to = models.CharField(
        max_length=200, blank=True, help_text="Masked: the address as a reader may see it."
    )
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    provider = models.CharField(max_length=20, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    content_key = models.CharField(max_length=200, help_text="The rendered message as sent.")
    batch = models.ForeignKey(
        PrintBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    attempt = models.OneToOneField(
        "contacts.ContactAttempt", null=True, blank=True, on_delete=models.PROTECT,
        related_name="outbound_message",
    )  # fmt: skip
    sent_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["account", "sent_at"], name="outbound_account_idx"),
            models.Index(
                fields=["channel", "sent_at"], condition=models.Q(batch__isnull=True),
                name="outbound_unbatched_idx",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.reference} {self.channel} ({self.status})"
