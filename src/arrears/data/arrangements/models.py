"""Arrangements on the record: income and expenditure statements, payment plans and settlements
with their instalments, authority limits, and requests waiting for a second person's approval.

The calculations live in ``core.arrangements`` (ADR 21, 22); these rows keep what was agreed,
why (the stored rationale), by whom, and who approved it. Amounts are integer minor units;
shares are parts per million.
"""

from django.conf import settings
from django.db import models

from arrears.data.accounts.models import Account
from arrears.data.clients.models import Client
from arrears.data.payments.models import ScheduledPayment
from arrears.data.users.models import Role

PPM = 1_000_000


class ClientPlanRules(models.Model):
    """A client's rules for payment plans; a client without a row gets the defaults here."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, primary_key=True,
                                  related_name="plan_rules")  # fmt: skip
    min_payment_minor = models.BigIntegerField(default=2_500)
    max_term_months = models.PositiveSmallIntegerField(default=24)
    share_of_disposable_ppm = models.PositiveIntegerField(
        default=PPM, help_text="The share of disposable income a plan may take, ppm."
    )

    class Meta:
        verbose_name_plural = "client plan rules"
        constraints = [
            models.CheckConstraint(condition=models.Q(min_payment_minor__gt=0),
                                   name="plan_rules_minimum_positive"),
            models.CheckConstraint(condition=models.Q(max_term_months__gte=1),
                                   name="plan_rules_term_at_least_one"),
            models.CheckConstraint(
                condition=models.Q(share_of_disposable_ppm__gt=0, share_of_disposable_ppm__lte=PPM),
                name="plan_rules_share_in_range",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"plan rules of client {self.client_id}"


class AuthorityLimit(models.Model):
    """What one person of ``role`` may agree alone, for one client or (client empty) for every
    client without a row of its own. A role without a row has no authority of its own; an
    administrator's authority has no limit."""

    role = models.CharField(max_length=20, choices=Role.choices)
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")  # fmt: skip
    max_discount_ppm = models.PositiveIntegerField(
        default=0, help_text="Largest settlement discount, ppm of the balance."
    )
    max_forgiven_minor = models.BigIntegerField(
        null=True, blank=True, help_text="Largest amount forgiven; empty: no amount limit."
    )
    max_adjustment_minor = models.BigIntegerField(
        null=True, blank=True, default=0,
        help_text="Largest adjustment or write-off posted without a second person; empty: no "
        "amount limit.",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "client"], name="authority_role_client"),
            models.UniqueConstraint(fields=["role"], condition=models.Q(client__isnull=True),
                                    name="authority_role_default"),
            models.CheckConstraint(condition=models.Q(max_discount_ppm__lte=PPM),
                                   name="authority_discount_at_most_all"),
            models.CheckConstraint(
                condition=models.Q(max_forgiven_minor__gte=0, max_adjustment_minor__gte=0),
                name="authority_amounts_not_negative",  # an empty amount (NULL) passes: no limit
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.role} authority ({'client ' + str(self.client_id) if self.client_id else 'default'})"


class IncomeExpenditure(models.Model):
    """An income and expenditure statement taken from the consumer (``core`` form in ``data``)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+",
                                db_index=False)  # fmt: skip
    data = models.JSONField()
    disposable_monthly_minor = models.BigIntegerField()
    taken_at = models.DateTimeField()
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")  # fmt: skip

    class Meta:
        verbose_name = "income and expenditure statement"
        indexes = [models.Index(fields=["account", "taken_at"], name="ie_account_idx")]

    def __str__(self) -> str:
        return f"I&E {self.pk} of account {self.account_id}"


class ArrangementKind(models.TextChoices):
    PLAN = "plan", "Payment plan"
    SETTLEMENT = "settlement", "Settlement"


class ArrangementStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"
    DECLINED = "declined", "Declined"


STANDING = (ArrangementStatus.PENDING, ArrangementStatus.ACTIVE)


class Arrangement(models.Model):
    """A payment plan or a settlement: what was agreed, why, and how it ended."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="arrangements",
                                db_index=False)  # fmt: skip
    kind = models.CharField(max_length=10, choices=ArrangementKind.choices)
    status = models.CharField(max_length=10, choices=ArrangementStatus.choices)
    frequency = models.CharField(max_length=12)
    currency = models.CharField(max_length=3, default="USD")
    balance_minor = models.BigIntegerField(help_text="The balance when it was agreed.")
    total_minor = models.BigIntegerField(help_text="The sum of the instalments.")
    forgiven_minor = models.BigIntegerField(default=0)
    needs_1099c = models.BooleanField(default=False)
    starts_on = models.DateField(help_text="Cash from this day counts towards it.")
    income_expenditure = models.ForeignKey(IncomeExpenditure, null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")  # fmt: skip
    rationale = models.JSONField(default=dict)
    authority = models.JSONField(default=dict)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")  # fmt: skip
    created_at = models.DateTimeField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    letter = models.CharField(max_length=200, blank=True, help_text="Confirmation letter stored.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=models.Q(status__in=["pending", "active"]),
                name="arrangement_one_standing",
            ),
            models.CheckConstraint(condition=models.Q(total_minor__gt=0),
                                   name="arrangement_total_positive"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["account", "created_at"], name="arrangement_account_idx"),
            models.Index(fields=["status"], condition=models.Q(status="active"),
                         name="arrangement_active_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} on account {self.account_id} ({self.status})"


class InstalmentState(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"


class ArrangementInstalment(models.Model):
    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE,
                                    related_name="instalments")  # fmt: skip
    seq = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount_minor = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=InstalmentState.choices, default="open")
    resolved_on = models.DateField(null=True, blank=True)
    scheduled = models.OneToOneField(ScheduledPayment, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="instalment")  # fmt: skip

    class Meta:
        ordering = ["arrangement_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "seq"], name="instalment_once"),
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0),
                                   name="instalment_amount_positive"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"instalment {self.seq} of arrangement {self.arrangement_id}"


class ApprovalKind(models.TextChoices):
    SETTLEMENT = "settlement", "Settlement beyond authority"
    ADJUSTMENT = "adjustment", "Adjustment beyond authority"
    WRITE_OFF = "write_off", "Write-off beyond authority"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ApprovalRequest(models.Model):
    """Something one person asked for beyond their authority, waiting for a second person."""

    kind = models.CharField(max_length=12, choices=ApprovalKind.choices)
    status = models.CharField(max_length=10, choices=ApprovalStatus.choices, default="pending")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+",
                                db_index=False)  # fmt: skip
    arrangement = models.OneToOneField(Arrangement, null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="approval")  # fmt: skip
    amount_minor = models.BigIntegerField(help_text="The size that crossed the limit.")
    details = models.JSONField(default=dict, help_text="What to post once approved.")
    reasons = models.JSONField(default=list, help_text="The limits crossed, as sentences.")
    note = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")  # fmt: skip
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    entry_id = models.BigIntegerField(null=True, blank=True, help_text="Ledger entry posted.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | ~models.Q(decided_by=models.F("requested_by")),
                name="approval_by_a_second_person",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["requested_at"], condition=models.Q(status="pending"),
                         name="approval_pending_idx"),
            models.Index(fields=["account"], name="approval_account_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.kind} approval {self.pk} ({self.status})"
