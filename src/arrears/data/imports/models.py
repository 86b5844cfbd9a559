"""Runs of file imports (placements, recalls) and the rows they rejected."""

from django.db import models

from arrears.data.accounts.models import Placement
from arrears.data.clients.models import Client


class ImportKind(models.TextChoices):
    PLACEMENT = "placement", "Placement"
    RECALL = "recall", "Recall"


class ImportStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportRun(models.Model):
    """One file imported for one client. Re-running the same file reuses this row."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="imports")
    kind = models.CharField(max_length=12, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    placement = models.ForeignKey(
        Placement, null=True, blank=True, on_delete=models.PROTECT, related_name="imports"
    )
    status = models.CharField(max_length=10, choices=ImportStatus.choices)
    rows = models.PositiveIntegerField(default=0)
    loaded = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    parties = models.PositiveIntegerField(default=0, help_text="Distinct parties in loaded rows.")
    parties_created = models.PositiveIntegerField(default=0)
    runs = models.PositiveIntegerField(default=1)
    actor_label = models.CharField(max_length=120)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "kind", "file_sha256"], name="import_unique_file"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"


class ImportReject(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejects")
    line = models.PositiveIntegerField()
    field = models.CharField(max_length=60)
    code = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["line"]
        constraints = [models.UniqueConstraint(fields=["run", "line"], name="reject_unique_line")]

    def __str__(self) -> str:
        return f"line {self.line}: {self.code} ({self.field})"
