"""The collector's work: queues and their ranked accounts, leases, assignments, promises to
pay, callbacks and notes.

A queue is a stored definition (filters, order, owned or pooled); building it ranks the accounts
that match into ``QueueEntry`` rows, so that "next account" is a walk down an index, not a search
of the book. A lease hands an account to one collector for a while; an entry is worked once an
action is logged on its account.
"""

from django.conf import settings
from django.db import models

from arrears.data.accounts.models import Account


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


class WorkQueue(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    filters = models.JSONField(default=dict, help_text="Read by arrears.core.work.parse_filters.")
    order = models.CharField(
        max_length=24, choices=QueueOrder.choices, default=QueueOrder.BALANCE_HIGH
    )
    mode = models.CharField(max_length=8, choices=QueueMode.choices, default=QueueMode.POOLED)
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
    # The unique (queue, rank) index serves queue lookups; the account index marks entries worked.
    # "Next account" walks the partial index of the entries neither worked in this pass nor
    # waiting, so it reads neither the entries worked today nor those blocked now again on every
    # pick; a waiting entry comes back through the other partial index once its moment comes.
    queue = models.ForeignKey(
        WorkQueue, on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
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
            models.UniqueConstraint(fields=["queue", "account"], name="queue_entry_account"),
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


class PromiseStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"


class Promise(models.Model):
    """A consumer's promise to pay an amount by a day."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="promises",
                                db_index=False)  # fmt: skip
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
            )
        ]
        indexes = [
            models.Index(fields=["account", "status"], name="promise_account_idx"),
            models.Index(fields=["status", "due_on"], name="promise_due_idx"),
        ]

    def __str__(self) -> str:
        return f"promise {self.amount_minor} by {self.due_on} ({self.status})"


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
