"""Money received: each payment as it came in (cash, check, card, ACH, a line of a bank file),
what it was applied to, and what is still waiting in unapplied cash.

A payment is recorded once per reference. What it paid is in the ledger: every entry it caused
names it (``ledger.Entry.payment``). What could not be applied (no account matched, the account
is disputed, more was paid than owed) stays on the payment as ``unapplied_minor`` until someone
applies it or gives it back.
"""

from django.conf import settings
from django.db import models

from arrears.data.accounts.models import Account


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    MONEY_ORDER = "money_order", "Money order"
    CARD = "card", "Card"
    ACH = "ach", "ACH"
    WIRE = "wire", "Wire"


class UnappliedReason(models.TextChoices):
    NO_MATCH = "no_match", "No account matches the reference"
    AMBIGUOUS = "ambiguous", "The reference matches more than one account"
    DISPUTED = "disputed", "The debt is disputed and the consumer did not direct the payment"
    NOTHING_OWED = "nothing_owed", "Nothing is owed on the account"
    OVERPAID = "overpaid", "More was paid than owed"
    CLOSED = "closed", "The account is closed or recalled"


class PaymentFile(models.Model):
    """One bank or lockbox file read by ``arrears post-payments``; a re-run reuses the row."""

    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64, unique=True)
    rows = models.PositiveIntegerField(default=0)
    posted = models.PositiveIntegerField(default=0)
    unapplied = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    runs = models.PositiveIntegerField(default=1)
    actor_label = models.CharField(max_length=120)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.file_name


class Payment(models.Model):
    reference = models.CharField(
        max_length=80, unique=True, help_text="The bank's, lockbox's or gateway's reference."
    )
    method = models.CharField(max_length=12, choices=PaymentMethod.choices)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    received_on = models.DateField()
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="payments",
        db_index=False,
    )  # fmt: skip
    applied_minor = models.BigIntegerField(default=0)
    unapplied_minor = models.BigIntegerField(default=0)
    unapplied_reason = models.CharField(max_length=16, choices=UnappliedReason.choices, blank=True)
    account_hint = models.CharField(
        max_length=80, blank=True, help_text="The account reference as the payer wrote it."
    )
    client_hint = models.CharField(max_length=20, blank=True)
    payer_name = models.CharField(max_length=120, blank=True)
    memo = models.CharField(max_length=200, blank=True)
    consumer_directed = models.BooleanField(
        default=False, help_text="The consumer asked for it to be applied to a disputed debt."
    )
    # A database default too: payments are written set-based (COPY), naming their columns.
    refunded_minor = models.BigIntegerField(
        default=0, db_default=0, help_text="Given back to the payer so far (refunds)."
    )
    returned_on = models.DateField(null=True, blank=True)
    return_code = models.CharField(
        max_length=40, blank=True, help_text="Why the bank sent it back (an ACH code or NSF)."
    )
    file = models.ForeignKey(
        PaymentFile, null=True, blank=True, on_delete=models.PROTECT, related_name="payments",
        db_index=False,
    )  # fmt: skip
    line = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )  # fmt: skip
    actor_label = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(applied_minor__gte=0, unapplied_minor__gte=0)
                & models.Q(applied_minor__lte=models.F("amount_minor"))
                & models.Q(unapplied_minor__lte=models.F("amount_minor")),
                name="payment_parts_within_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_minor__gte=0)
                & models.Q(refunded_minor__lte=models.F("amount_minor")),
                name="payment_refunds_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "received_on"], name="payment_account_idx"),
            models.Index(
                fields=["received_on", "id"],
                condition=models.Q(unapplied_minor__gt=0),
                name="payment_unapplied_idx",
            ),
            models.Index(
                fields=["file", "line"],
                condition=models.Q(file__isnull=False),
                name="payment_file_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"payment {self.reference} ({self.amount_minor})"


class SecCode(models.TextChoices):
    PPD = "PPD", "PPD: signed or similarly authenticated"
    WEB = "WEB", "WEB: authorized online"
    TEL = "TEL", "TEL: authorized by telephone, recorded or confirmed in writing"


class AchAuthorization(models.Model):
    """A consumer's authorization to debit a bank account, with the evidence of it.

    Kept for two years after it ends or is revoked (``keep_until``), whatever else is purged.
    """

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="ach_authorizations"
    )
    bank_account = models.ForeignKey(
        "parties.BankAccount", on_delete=models.PROTECT, related_name="authorizations"
    )
    sec = models.CharField(max_length=3, choices=SecCode.choices)
    recurring = models.BooleanField(default=False)
    evidence = models.TextField(help_text="How it was given: recording, form, web session.")
    obtained_at = models.DateTimeField()
    ends_on = models.DateField(null=True, blank=True, help_text="Exclusive; empty = until revoked.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)
    keep_until = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    def __str__(self) -> str:
        return f"{self.sec} authorization on account {self.account_id}"


class ScheduledStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    ORIGINATED = "originated", "Sent to the bank"
    SETTLED = "settled", "Collected: posted as a payment"
    HELD = "held", "Held: not collectable on its day"
    CANCELLED = "cancelled", "Cancelled"
    RETURNED = "returned", "Returned by the bank"


class AchOrigination(models.Model):
    """One ACH file written by ``arrears ach-originate``."""

    effective_on = models.DateField()
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    entries = models.PositiveIntegerField()
    debit_total_minor = models.BigIntegerField()
    entry_hash = models.BigIntegerField()
    created_at = models.DateTimeField()
    actor_label = models.CharField(max_length=120)

    def __str__(self) -> str:
        return f"ACH file {self.file_name} ({self.entries} entries)"


class ScheduledPayment(models.Model):
    """A payment the consumer has agreed to for a future day (post-dated), to be collected by
    ACH debit under an authorization."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="scheduled_payments",
                                db_index=False)  # fmt: skip
    authorization = models.ForeignKey(
        AchAuthorization, on_delete=models.PROTECT, related_name="scheduled_payments"
    )
    amount_minor = models.BigIntegerField()
    due_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=ScheduledStatus.choices, default=ScheduledStatus.SCHEDULED
    )
    status_reason = models.CharField(max_length=200, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="retries"
    )
    origination = models.ForeignKey(
        AchOrigination, null=True, blank=True, on_delete=models.PROTECT, related_name="entries_sent"
    )
    trace = models.CharField(max_length=15, blank=True)
    return_code = models.CharField(max_length=3, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="scheduled_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["trace"], condition=~models.Q(trace=""), name="scheduled_trace_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on", "id"],
                condition=models.Q(status="scheduled"),
                name="scheduled_due_idx",
            ),
            models.Index(fields=["account", "due_on"], name="scheduled_account_idx"),
            models.Index(
                fields=["origination", "id"],
                condition=models.Q(status="originated"),
                name="scheduled_originated_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} due {self.due_on} on account {self.account_id}"


class AchAnswerKind(models.TextChoices):
    RETURN = "return", "Return"
    CHANGE = "change", "Notification of change"


class AchAnswer(models.Model):
    """A return or notification of change the bank sent for one of our debits, read by
    ``arrears ach-returns``. One per original entry and kind, so a file read twice does
    nothing the second time."""

    kind = models.CharField(max_length=6, choices=AchAnswerKind.choices)
    original_trace = models.CharField(max_length=15)
    code = models.CharField(max_length=3)
    scheduled = models.ForeignKey(
        ScheduledPayment, on_delete=models.PROTECT, related_name="answers"
    )
    details = models.JSONField(default=dict)
    file_name = models.CharField(max_length=255)
    line = models.PositiveIntegerField()
    received_at = models.DateTimeField()
    actor_label = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "original_trace"], name="ach_answer_once_per_entry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} for {self.original_trace}"


# -- card payments and refunds --------------------------------------------------------------


class CardFeeTerms(models.Model):
    """What a client's agreements with its consumers say about a convenience fee for paying by
    card: none unless a row here says the agreement creating the debts expressly authorizes one,
    and up to how much a payment. The state packs may still forbid it (``core.compliance.fees``).
    """

    client = models.OneToOneField(
        "clients.Client", on_delete=models.CASCADE, related_name="card_fee_terms"
    )
    convenience_fee_minor = models.PositiveIntegerField(
        default=0, help_text="The most the agreement authorizes a card payment, in cents; 0: none."
    )
    agreement_clause = models.CharField(
        max_length=200, blank=True, help_text="Where the agreement authorizes it (its clause)."
    )
    updated_at = models.DateTimeField()
    actor_label = models.CharField(max_length=120)

    class Meta:
        verbose_name_plural = "card fee terms"

    def __str__(self) -> str:
        return f"card fee terms of client {self.client_id}"


class ChargeState(models.TextChoices):
    PENDING = "pending", "Sent to the gateway; no answer recorded yet"
    SUCCEEDED = "succeeded", "Charged and posted"
    DECLINED = "declined", "Declined by the card's issuer or the gateway"
    INVALID = "invalid", "Refused by the gateway as asked (an unknown token)"
    ERROR = "error", "No answer to trust: try again with the same key"
    NOT_FOUND = (
        "not_found",
        "The gateway has no record of it: nothing was charged; the key may go again",
    )


# An attempt in these states has no answer yet: the card sweep looks it up (ADR 22).
CHARGE_OPEN = (ChargeState.PENDING, ChargeState.ERROR)


class CardCharge(models.Model):
    """One attempt to take a card payment through the gateway, once per idempotency key: the
    same key never charges or posts twice. Holds the gateway's token for the card, never its
    number."""

    idempotency_key = models.CharField(max_length=80, unique=True)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="card_charges", db_index=False
    )
    token = models.CharField(max_length=120, help_text="The gateway's token (pm_...), not a PAN.")
    amount_minor = models.BigIntegerField(help_text="For the debt, without the fee.")
    fee_minor = models.BigIntegerField(default=0, help_text="The convenience fee charged with it.")
    currency = models.CharField(max_length=3, default="USD")
    consumer_directed = models.BooleanField(default=False)
    payer_name = models.CharField(max_length=120, blank=True)
    state = models.CharField(
        max_length=10, choices=ChargeState.choices, default=ChargeState.PENDING
    )
    gateway = models.CharField(max_length=20)
    gateway_reference = models.CharField(max_length=80, blank=True)
    code = models.CharField(max_length=60, blank=True, help_text="The gateway's error code.")
    decline_code = models.CharField(max_length=60, blank=True)
    message = models.CharField(max_length=300, blank=True)
    fee_pack_version = models.CharField(
        max_length=200, blank=True, help_text="The packs that allowed the fee, when there is one."
    )
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="card_charge"
    )
    created_at = models.DateTimeField()
    asked_at = models.DateTimeField(help_text="When the gateway was last asked with this key.")
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )  # fmt: skip
    actor_label = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0, fee_minor__gte=0),
                name="card_charge_amounts",
            ),
            models.UniqueConstraint(
                fields=["gateway", "gateway_reference"],
                condition=~models.Q(gateway_reference=""),
                name="card_charge_reference_once",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "created_at"], name="card_charge_account_idx"),
            models.Index(fields=["asked_at"], condition=models.Q(state__in=CHARGE_OPEN),
                         name="card_charge_open_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"card charge {self.idempotency_key} ({self.state})"


class RefundState(models.TextChoices):
    PENDING = "pending", "Sent to the gateway; no answer recorded yet"
    SUCCEEDED = "succeeded", "Given back and booked"
    FAILED = "failed", "Refused by the gateway: nothing was given back"
    ERROR = "error", "No answer to trust: try again with the same key"
    NOT_FOUND = (
        "not_found",
        "The gateway has no record of it: nothing was given back; the key may go again",
    )


REFUND_OPEN = (RefundState.PENDING, RefundState.ERROR)


class PaymentRefund(models.Model):
    """Money given back from a payment, once per idempotency key. What it took off the
    account's buckets is in the ledger (refund entries naming the payment); what it took from
    money never applied is ``from_unapplied_minor``."""

    idempotency_key = models.CharField(max_length=80, unique=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField()
    from_unapplied_minor = models.BigIntegerField(default=0)
    fee_minor = models.BigIntegerField(
        default=0, help_text="The card convenience fee given back with it (a full refund)."
    )
    currency = models.CharField(max_length=3, default="USD")
    reason = models.CharField(max_length=200)
    state = models.CharField(
        max_length=10, choices=RefundState.choices, default=RefundState.PENDING
    )
    gateway = models.CharField(max_length=20, blank=True, help_text="Empty: given back by hand.")
    gateway_reference = models.CharField(max_length=80, blank=True)
    code = models.CharField(max_length=60, blank=True)
    message = models.CharField(max_length=300, blank=True)
    refunded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    asked_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the gateway was last asked with this key; empty: given back by hand.",
    )  # fmt: skip
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )  # fmt: skip
    actor_label = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    amount_minor__gt=0, from_unapplied_minor__gte=0, fee_minor__gte=0
                )
                & models.Q(from_unapplied_minor__lte=models.F("amount_minor")),
                name="payment_refund_amounts",
            ),
        ]
        indexes = [
            models.Index(fields=["asked_at"], condition=models.Q(state__in=REFUND_OPEN),
                         name="payment_refund_open_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"refund {self.idempotency_key} of payment {self.payment_id} ({self.state})"
