"""Contact attempts on a debt, and each account's next contactable moment per channel.

An attempt keeps the Decision it was made under (allowed or not, every reason, the rule pack
version) so that any contact can be explained later and replayed against another pack. The
contactability rows are what queues read: the earliest moment each channel is allowed, kept up
to date whenever something the rules look at changes.
"""

from django.conf import settings
from django.db import models

from arrears.data.accounts.models import Account
from arrears.data.parties.models import ContactPoint


class Channel(models.TextChoices):
    CALL = "call", "Call"
    VOICEMAIL = "voicemail", "Voicemail"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    VISIT = "visit", "Visit"


class Direction(models.TextChoices):
    OUTBOUND = "outbound", "Outbound"
    INBOUND = "inbound", "Inbound"


class Outcome(models.TextChoices):
    CONVERSATION = "conversation", "Conversation"
    NO_ANSWER = "no_answer", "No answer"
    VOICEMAIL_LEFT = "voicemail_left", "Voicemail left"
    NOT_CONNECTED = "not_connected", "Not connected"
    WRONG_PARTY = "wrong_party", "Wrong party"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERABLE = "undeliverable", "Undeliverable"
    RECEIVED = "received", "Received"


class Recipient(models.TextChoices):
    CONSUMER = "consumer", "Consumer"
    REPRESENTATIVE = "representative", "Authorized representative"
    ATTORNEY = "attorney", "Consumer's attorney"
    THIRD_PARTY = "third_party", "Third party (location only)"


class Purpose(models.TextChoices):
    COLLECTION = "collection", "Collection"
    VALIDATION_NOTICE = "validation_notice", "Validation notice"
    VERIFICATION = "verification", "Verification"
    CEASE_EXCEPTION = "cease_exception", "Permitted message after a cease"
    OPT_OUT_CONFIRMATION = "opt_out_confirmation", "Opt-out confirmation"
    TRANSACTIONAL = "transactional", "Payment or arrangement letter"


class ContactAttempt(models.Model):
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="contact_attempts", db_index=False
    )
    at = models.DateTimeField()
    channel = models.CharField(max_length=12, choices=Channel.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    recipient = models.CharField(
        max_length=16, choices=Recipient.choices, default=Recipient.CONSUMER
    )
    purpose = models.CharField(max_length=24, choices=Purpose.choices, default=Purpose.COLLECTION)
    contact_point = models.ForeignKey(
        ContactPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone_type = models.CharField(
        max_length=10, blank=True, help_text="The number's type when the attempt was made."
    )
    automated = models.BooleanField(default=False, help_text="Dialer or prerecorded voice.")
    with_consent = models.BooleanField(
        default=False, help_text="Placed with the consumer's direct prior consent."
    )
    # The Decision it was made under. Inbound contacts are not judged: allowed is null.
    allowed = models.BooleanField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    pack_version = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=20, default="workspace")
    disposition = models.CharField(
        max_length=16, blank=True, help_text="What the collector said the call came to."
    )
    note = models.TextField(blank=True)
    key = models.CharField(
        max_length=80, null=True, blank=True, unique=True,
        help_text="The caller's reference for this attempt; recording it again changes nothing.",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "at"], name="attempt_account_at_idx"),
            models.Index(fields=["at"], name="attempt_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.direction} {self.channel} {self.outcome}"


class Contactability(models.Model):
    """When a channel may next be used for an account, as of the last change the rules see.

    ``next_at`` null with ``no_end`` true: blocked with no known end (cease, open bankruptcy).
    """

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="contactability", db_index=False
    )
    channel = models.CharField(max_length=12, choices=Channel.choices)
    next_at = models.DateTimeField(null=True, blank=True)
    no_end = models.BooleanField(default=False)
    blocking_rules = models.CharField(max_length=500, blank=True)
    pack_version = models.CharField(max_length=200, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "channel"], name="contactability_unique"),
            models.CheckConstraint(
                condition=models.Q(no_end=True, next_at__isnull=True)
                | models.Q(no_end=False, next_at__isnull=False),
                name="contactability_end_known_or_not",
            ),
        ]
        indexes = [models.Index(fields=["channel", "next_at"], name="contactability_next_idx")]

    def __str__(self) -> str:
        when = "never" if self.no_end else f"{self.next_at:%Y-%m-%d %H:%M}"
        return f"account {self.account_id} {self.channel}: {when}"


class NoticeStatus(models.TextChoices):
    SENT = "sent", "Sent"
    RETURNED = "returned", "Returned undeliverable"


class ValidationNotice(models.Model):
    """A Regulation F validation notice as sent: its period, its itemization, its documents.

    A notice returned undeliverable is re-sent by the next notices run; the new notice starts a
    new validation period and points to the one it replaces.
    """

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="validation_notices", db_index=False
    )
    reference = models.CharField(max_length=40, unique=True)
    sent_on = models.DateField()
    period_ends_on = models.DateField(help_text="The last day of the validation period.")
    status = models.CharField(max_length=10, choices=NoticeStatus.choices, default="sent")
    returned_on = models.DateField(null=True, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    currency = models.CharField(max_length=3, default="USD")
    itemization_date = models.DateField()
    itemization_basis = models.CharField(max_length=30)
    amount_then_minor = models.BigIntegerField()
    interest_minor = models.BigIntegerField()
    fees_minor = models.BigIntegerField()
    payments_credits_minor = models.BigIntegerField()
    current_minor = models.BigIntegerField()
    html_key = models.CharField(max_length=200)
    pdf_key = models.CharField(max_length=200)
    pack_version = models.CharField(max_length=200)
    attempt = models.OneToOneField(
        ContactAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="notice"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["account", "sent_on"], name="notice_account_sent_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_ends_on__gt=models.F("sent_on")),
                name="notice_period_after_sending",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    current_minor=models.F("amount_then_minor") + models.F("interest_minor")
                    + models.F("fees_minor") - models.F("payments_credits_minor")
                ),
                name="notice_itemization_adds_up",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.reference} sent {self.sent_on}, period to {self.period_ends_on}"


class RestrictionKind(models.TextChoices):
    OPT_OUT = "opt_out", "Do not use this medium"
    INCONVENIENT_TIME = "inconvenient_time", "Inconvenient time"
    NO_WORKPLACE = "no_workplace", "No contact at work"


class ContactRestriction(models.Model):
    """Something the consumer asked (or the employer forbids) about how to reach them, honored
    from the day it was received: an opt-out of a medium (on one contact point or all), a time
    that is inconvenient, or no contact at work. Ended when the consumer says otherwise."""

    party = models.ForeignKey(
        "parties.Party", on_delete=models.PROTECT, related_name="contact_restrictions"
    )
    kind = models.CharField(max_length=20, choices=RestrictionKind.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices, blank=True)
    contact_point = models.ForeignKey(
        ContactPoint, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    weekdays = models.CharField(
        max_length=13, blank=True, help_text="Days it applies, 0 = Monday: '0,1,2,3,4'."
    )
    starts_at = models.TimeField(null=True, blank=True)
    ends_at = models.TimeField(null=True, blank=True, help_text="Exclusive; before the start = "
                               "overnight.")  # fmt: skip
    received_on = models.DateField()
    medium = models.CharField(max_length=20, help_text="How the consumer told us.")
    note = models.TextField(blank=True)
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="opt_out") | ~models.Q(channel=""),
                name="restriction_opt_out_names_channel",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="inconvenient_time")
                | (models.Q(starts_at__isnull=False) & models.Q(ends_at__isnull=False)
                   & ~models.Q(weekdays="")),
                name="restriction_time_is_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gt=models.F("received_on")),
                name="restriction_ends_after_start",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for party {self.party_id} from {self.received_on}"


class MoneyLetterKind(models.TextChoices):
    PAYMENT_CONFIRMATION = "payment_confirmation", "Payment confirmation"
    PRE_DEBIT_NOTICE = "pre_debit_notice", "Notice before a post-dated debit"
    RETURNED_PAYMENT = "returned_payment", "Returned payment notice"
    PLAN_CONFIRMATION = "plan_confirmation", "Payment plan confirmation"
    SETTLEMENT_CONFIRMATION = "settlement_confirmation", "Settlement confirmation"
    BROKEN_NOTICE = "broken_notice", "Notice of a broken promise, plan or settlement"


class MoneyLetterStatus(models.TextChoices):
    SENT = "sent", "Sent"
    BLOCKED = "blocked", "Blocked by the rules"


class MoneyLetter(models.Model):
    """A letter about money, once per thing it is about: a payment (its confirmation, its
    return), a scheduled debit (the notice before it), or a plan or settlement (the caller's
    ``subject`` key, such as ``arrangement:17``).

    A letter the rules refuse is kept as blocked, with their reasons and no document; sending
    it later, once the rules allow, turns the same row into the letter sent, with its documents
    and its letter attempt. Nothing is ever sent twice for one subject.
    """

    kind = models.CharField(max_length=24, choices=MoneyLetterKind.choices)
    subject = models.CharField(
        max_length=80, help_text="What the letter is about: payment:12, scheduled:7, plan key."
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="money_letters", db_index=False
    )
    payment = models.ForeignKey(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )  # fmt: skip
    scheduled = models.ForeignKey(
        "payments.ScheduledPayment", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )  # fmt: skip
    status = models.CharField(max_length=8, choices=MoneyLetterStatus.choices)
    reference = models.CharField(max_length=60, blank=True)
    sent_on = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    amount_minor = models.BigIntegerField(
        null=True, blank=True, help_text="The letter's main amount: paid, debited, agreed."
    )
    html_key = models.CharField(max_length=200, blank=True)
    pdf_key = models.CharField(max_length=200, blank=True)
    pack_version = models.CharField(max_length=200, blank=True)
    reasons = models.JSONField(
        default=list, blank=True, help_text="When blocked: every rule's verdict, as decided."
    )
    attempt = models.OneToOneField(
        ContactAttempt, null=True, blank=True, on_delete=models.PROTECT,
        related_name="money_letter",
    )  # fmt: skip
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject"], name="money_letter_once"),
            models.UniqueConstraint(
                fields=["reference"], condition=~models.Q(reference=""),
                name="money_letter_reference_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent")
                | (models.Q(attempt__isnull=False, sent_on__isnull=False)
                   & ~models.Q(reference="") & ~models.Q(pdf_key="")),
                name="money_letter_sent_is_complete",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="pre_debit_notice") | models.Q(scheduled__isnull=False),
                name="money_letter_pre_debit_names_debit",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["payment_confirmation", "returned_payment"])
                | models.Q(payment__isnull=False),
                name="money_letter_payment_letter_names_payment",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["account", "kind"], name="money_letter_account_idx"),
            models.Index(
                fields=["scheduled"], condition=models.Q(scheduled__isnull=False),
                name="money_letter_scheduled_idx",
            ),
            models.Index(
                fields=["payment"], condition=models.Q(payment__isnull=False),
                name="money_letter_payment_idx",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference or self.subject} ({self.status})"
