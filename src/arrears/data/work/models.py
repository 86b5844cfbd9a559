"""The collector's work: queues and their ranked accounts, leases, assignments and their history,
promises to pay, callbacks and notes; and the floor around it: teams and monthly targets.

A queue is a stored definition (filters, order, owned or pooled); building it ranks the accounts
that match into ``QueueEntry`` rows, so that "next account" is a walk down an index, not a search
of the book. A lease hands an account to one collector for a while; an entry is worked once an
action is logged on its account.
"""

from django.conf import settings
from django.db import models

from arrears.data.accounts.models import Account
from arrears.data.clients.models import Client


class QueueMode(models.TextChoices):
    POOLED = "pooled", "Pooled: any member takes the next account"
    OWNED = "owned", "Owned: each collector works the accounts assigned to them"


class QueueOrder(models.TextChoices):
    BALANCE_HIGH = "balance_high", "Highest balance first"
    BALANCE_LOW = "balance_low", "Lowest balance first"
    PLACED_OLDEST = "placed_oldest", "Oldest placement first"
    PLACED_NEWEST = "placed_newest", "Newest placement first"
    LEAST_RECENT_CONTACT = "least_recent_contact", "Least recently tried first"
    CALLBACK_DUE = "callback_due", "Callback due first"
    PROMISE_DUE = "promise_due", "Promise due first"


class DialMode(models.TextChoices):
    MANUAL = "manual", "Manual: the collector dials, then logs the call"
    PREVIEW = "preview", "Preview dial: the collector reviews the account and clicks to call"


class WorkQueue(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    filters = models.JSONField(default=dict, help_text="Read by arrears.core.work.parse_filters.")
    order = models.CharField(
        max_length=24, choices=QueueOrder.choices, default=QueueOrder.BALANCE_HIGH
    )
    mode = models.CharField(max_length=8, choices=QueueMode.choices, default=QueueMode.POOLED)
    dial_mode = models.CharField(
        max_length=8, choices=DialMode.choices, default=DialMode.MANUAL,
        help_text="Preview: the workspace offers the best allowed number to call with one click "
        "(the call is judged by the rules first, then placed by the dialer).",
    )  # fmt: skip
    active = models.BooleanField(default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="work_queues",
        help_text="Collectors granted this queue.",
    )  # fmt: skip
    built_at = models.DateTimeField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class QueueEntry(models.Model):
    # The unique (queue, rank) index serves queue lookups; the unique (account, queue) one marks
    # an account's entries worked (no index on the account alone: each index is one more write
    # on every pick).
    # "Next account" walks the partial index of the entries neither worked in this pass nor
    # waiting, so it reads neither the entries worked today nor those blocked now again on every
    # pick; a waiting entry comes back through the other partial index once its moment comes.
    queue = models.ForeignKey(
        WorkQueue, on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    rank = models.PositiveIntegerField()
    worked_at = models.DateTimeField(null=True, blank=True)
    opens_at = models.DateTimeField(
        null=True, blank=True,
        help_text="The earliest a workspace channel opens, as last worked out; empty: no end known.",
    )  # fmt: skip
    waiting = models.BooleanField(
        default=False, help_text="Blocked on every workspace channel when last worked out: set "
        "aside until opens_at.",
    )  # fmt: skip

    class Meta:
        verbose_name_plural = "queue entries"
        constraints = [
            models.UniqueConstraint(fields=["queue", "rank"], name="queue_entry_rank"),
            models.UniqueConstraint(fields=["account", "queue"], name="queue_entry_account_queue"),
        ]
        indexes = [
            models.Index(fields=["queue", "rank"],
                         condition=models.Q(worked_at__isnull=True, waiting=False),
                         name="queue_entry_pending_idx"),
            models.Index(fields=["queue", "opens_at"],
                         condition=models.Q(worked_at__isnull=True, waiting=True),
                         name="queue_entry_waiting_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.queue_id}#{self.rank}: account {self.account_id}"


class Lease(models.Model):
    """An account handed to one collector until ``until``; expired leases are free to take."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, primary_key=True,
                                   related_name="lease")  # fmt: skip
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    queue = models.ForeignKey(
        WorkQueue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    taken_at = models.DateTimeField()
    until = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "until"], name="lease_user_idx")]

    def __str__(self) -> str:
        return f"account {self.account_id} to user {self.user_id} until {self.until:%H:%M}"


class Assignment(models.Model):
    """Who owns an account in owned queues."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, primary_key=True,
                                   related_name="assignment")  # fmt: skip
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    assigned_by = models.CharField(max_length=120)

    class Meta:
        indexes = [models.Index(fields=["user"], name="assignment_user_idx")]

    def __str__(self) -> str:
        return f"account {self.account_id} owned by user {self.user_id}"


class AssignmentPeriod(models.Model):
    """Who owned an account when: the half-open period [starts_at, ends_at), ends_at null while
    it lasts. Collections are credited to the owner at the moment a payment is posted (ADR 13)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+",
                                db_index=False)  # fmt: skip
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=models.Q(ends_at__isnull=True),
                name="assignment_period_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="assignment_period_ends_after_start",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["account", "starts_at"], name="assignment_period_idx"),
        ]

    def __str__(self) -> str:
        return f"account {self.account_id} owned by user {self.user_id} from {self.starts_at}"


class ClientPromiseTerms(models.Model):
    """A client's terms for promises to pay; a client without a row gives no grace."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, primary_key=True,
                                  related_name="promise_terms")  # fmt: skip
    promise_grace_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days after the due day a payment still keeps the promise."
    )

    class Meta:
        verbose_name_plural = "client promise terms"

    def __str__(self) -> str:
        return f"client {self.client_id}: {self.promise_grace_days} grace days"


class PromiseStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"


class Promise(models.Model):
    """A consumer's promise to pay an amount by a day; or one dated payment of a promise to pay
    on several days (ADR 25): its later dates point at its first, which points at nothing, so a
    promise's key is ``first_id or pk``. Each date is judged kept or broken on its own, by the
    running total promised up to it."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="promises",
                                db_index=False)  # fmt: skip
    first = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="later_dates",
        db_index=False, help_text="On a later date of a promise on several dates: its first "
        "date. Empty on the first (or only) date.",
    )  # fmt: skip
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=PromiseStatus.choices, default="open")
    attempt = models.ForeignKey(
        "contacts.ContactAttempt", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    resolved_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="promise_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(first=models.F("pk")), name="promise_first_is_another"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status"], name="promise_account_idx"),
            # A promise's later dates, found from its first (most promises have one date).
            models.Index(fields=["first"], condition=models.Q(first__isnull=False),
                         name="promise_first_idx"),
            models.Index(fields=["status", "due_on"], name="promise_due_idx"),
            # The floor's figures: promises taken, kept and broken in a month.
            models.Index(fields=["created_at"], name="promise_created_idx"),
            models.Index(fields=["resolved_on"], condition=models.Q(resolved_on__isnull=False),
                         name="promise_resolved_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"promise {self.amount_minor} by {self.due_on} ({self.status})"

    @property
    def key(self) -> int:
        """The promise this date belongs to: its first date's id."""
        return self.first_id or self.pk


class CallbackStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Callback(models.Model):
    """A moment the consumer asked to be called back, or the collector chose."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="callbacks",
                                db_index=False)  # fmt: skip
    due_at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="Who will call; empty = whoever works the account.",
    )  # fmt: skip
    status = models.CharField(max_length=10, choices=CallbackStatus.choices, default="open")
    consumer_asked = models.BooleanField(
        default=False,
        help_text="The consumer asked for it: their direct consent to be called (Reg F "
        "1006.14(b)(3)), so calls in the next seven days do not count toward the call limits.",
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "status"], name="callback_account_idx"),
            models.Index(fields=["status", "due_at"], name="callback_due_idx"),
        ]

    def __str__(self) -> str:
        return f"callback at {self.due_at:%Y-%m-%d %H:%M} ({self.status})"


class Note(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="notes",
                                db_index=False)  # fmt: skip
    text = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_label = models.CharField(max_length=120)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "created_at"], name="note_account_idx")]

    def __str__(self) -> str:
        return f"note on account {self.account_id} by {self.author_label}"


class Team(models.Model):
    """Collectors who work together under a supervisor; a collector is in one team at most."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMember", related_name="+"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="team_membership")  # fmt: skip
    joined_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"user {self.user_id} in team {self.team_id}"


class Target(models.Model):
    """What a collector, or a team, is to collect in a month (``month`` is its first day)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")  # fmt: skip
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="targets")  # fmt: skip
    month = models.DateField(help_text="The first day of the month.")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    set_by = models.CharField(max_length=120)
    set_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, team__isnull=True)
                | models.Q(user__isnull=True, team__isnull=False),
                name="target_for_a_collector_or_a_team",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="target_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["user", "month"], condition=models.Q(user__isnull=False),
                name="target_unique_collector_month",
            ),
            models.UniqueConstraint(
                fields=["team", "month"], condition=models.Q(team__isnull=False),
                name="target_unique_team_month",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["month"], name="target_month_idx")]

    def __str__(self) -> str:
        who = f"user {self.user_id}" if self.user_id else f"team {self.team_id}"
        return f"{who} {self.month:%Y-%m}: {self.amount_minor}"
