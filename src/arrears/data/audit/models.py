"""The audit trail: who did what to which account or party, append-only."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(
        max_length=120, help_text="User name, or the command that acted."
    )
    event = models.CharField(max_length=60)
    account_id = models.BigIntegerField(null=True, blank=True)
    party_id = models.BigIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["-id"]
        # Partial: most events name an account and no party, and every index is one more write
        # on the busiest insert of the day ("next account" writes one event a pick).
        indexes = [
            models.Index(fields=["account_id"], condition=models.Q(account_id__isnull=False),
                         name="audit_account_idx"),
            models.Index(fields=["party_id"], condition=models.Q(party_id__isnull=False),
                         name="audit_party_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.event}"
