"""Collection strategies: who gets what treatment, when, through which channel.

A strategy admits the accounts its entry rule matches (the queue filter language of
``arrears.core.work``); strategies are tried in order of priority, and an account follows the
first that admits it. Each strategy has one or more variants (champion and challengers) sharing
its accounts in configured shares; a variant is a path of dated steps. An account's enrollment
records the strategy and variant it follows from the day it entered; its planned actions are the
steps that fell due, each decided once (sent, blocked with the rules' reasons, skipped, or
cancelled when the account left the strategy before it went).

The nightly run (``NightlyRun``) keeps which of its phases finished for a date, so a run killed
part-way resumes at the phase it was in.
"""

from django.conf import settings
from django.db import models

from arrears.data.accounts.models import Account


class Strategy(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    priority = models.PositiveIntegerField(
        default=100, help_text="Lower first: an account follows the first strategy that admits it."
    )
    entry = models.JSONField(
        default=dict, help_text="Which accounts it admits: read by arrears.core.work.parse_filters."
    )
    # The seed of the stable assignment of accounts to variants (arrears.core.strategies).
    seed = models.PositiveIntegerField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "strategies"
        constraints = [
            models.CheckConstraint(condition=models.Q(seed__lt=2**30), name="strategy_seed_range")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Variant(models.Model):
    """A treatment path and the share of newly entering accounts it takes, in basis points.

    Changing shares changes where new accounts go, never where enrolled accounts are: moving
    those is ``variant_move``, an audited action of its own."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="variants")
    code = models.SlugField(max_length=20)
    name = models.CharField(max_length=100)
    share_bp = models.PositiveIntegerField(help_text="Share of entering accounts, 10000 = all.")
    steps = models.JSONField(default=list, help_text="Read by arrears.core.strategies.parse_path.")
    champion = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["strategy", "code"], name="variant_code_unique"),
            models.CheckConstraint(
                condition=models.Q(share_bp__lte=10_000), name="variant_share_at_most_all"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy.code}/{self.code}"


class Enrollment(models.Model):
    """An account following a strategy's variant from ``entered_on``; ``left_on`` set when it
    stopped (it no longer matched, a stronger strategy took it, the strategy was stopped).

    Rows are never deleted: an account entering a strategy again keeps its earlier variant."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="enrollments", db_index=False
    )
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="enrollments")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="enrollments")
    entered_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    left_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=models.Q(left_on__isnull=True),
                name="enrollment_one_open_per_account",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["account", "strategy"], name="enrollment_account_idx"),
            models.Index(
                fields=["variant", "entered_on"], condition=models.Q(left_on__isnull=True),
                name="enrollment_open_variant_idx",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"account {self.account_id} in {self.variant_id} from {self.entered_on}"


class StepAction(models.TextChoices):
    VALIDATION_NOTICE = "validation_notice", "Validation notice"
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    QUEUE = "queue", "Route to a work queue"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SENDING = "sending", "Being sent"  # handed to the channel; the answer not yet recorded
    SENT = "sent", "Sent"
    DONE = "done", "Done"  # a queue step: the account is routed
    BLOCKED = "blocked", "Blocked by the rules"
    SKIPPED = "skipped", "Skipped"  # its condition did not hold, or nothing to send it to
    CANCELLED = "cancelled", "Cancelled"  # the account left the strategy before it went
    FAILED = "failed", "Refused by the channel"


class PlannedAction(models.Model):
    """One step of an enrollment's path that fell due, decided at most once."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="actions")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="planned_actions", db_index=False
    )
    step = models.CharField(max_length=20, help_text="The step's key within its path.")
    action = models.CharField(max_length=20, choices=StepAction.choices)
    template = models.CharField(max_length=40, blank=True)
    queue = models.CharField(max_length=40, blank=True)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices)
    decided_at = models.DateTimeField(null=True, blank=True)
    allowed = models.BooleanField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    pack_version = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    attempt = models.OneToOneField(
        "contacts.ContactAttempt", null=True, blank=True, on_delete=models.PROTECT,
        related_name="planned_action",
    )  # fmt: skip
    message = models.OneToOneField(
        "messaging.OutboundMessage", null=True, blank=True, on_delete=models.PROTECT,
        related_name="planned_action",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "step"], name="planned_once_per_step"),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="planned_status_due_idx"),
            models.Index(fields=["account", "action"], name="planned_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} for account {self.account_id} due {self.due_on} ({self.status})"


class NightlyRun(models.Model):
    """The nightly run of one date: the phases it finished, each with its report."""

    as_of = models.DateField(unique=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    phases = models.JSONField(default=dict, help_text="Phase name -> its report, once finished.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"nightly {self.as_of}: {', '.join(self.phases) or 'nothing'} done"
