"""Message templates as the editor and the API show them: one row per code, and a code's
versions with who wrote and who reviewed each. Reads only; saving and reviewing are
``services.messaging.templates``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Q

from arrears.data.messaging.models import MessageTemplate, TemplateStatus


@dataclass(frozen=True)
class TemplateSummary:
    code: str
    channel: str
    name: str  # the latest version's
    versions: int
    latest: int
    in_use: int | None  # the latest approved version: the one strategies send
    drafts: int  # versions waiting for compliance


def template_summaries() -> list[TemplateSummary]:
    """Every template code with its counts, in two grouped queries (not one per code)."""
    groups = (
        MessageTemplate.objects.values("code")
        .annotate(
            versions=Count("id"),
            latest=Max("version"),
            in_use=Max("version", filter=Q(status=TemplateStatus.APPROVED)),
            drafts=Count("id", filter=Q(status=TemplateStatus.DRAFT)),
        )
        .order_by("code")
    )
    rows = list(groups)
    latest = {
        (t.code, t.version): t
        for t in MessageTemplate.objects.filter(
            version__in={r["latest"] for r in rows}, code__in=[r["code"] for r in rows]
        ).only("code", "version", "channel", "name")
    }
    out = []
    for r in rows:
        head = latest[(r["code"], r["latest"])]
        out.append(TemplateSummary(r["code"], head.channel, head.name, r["versions"],
                                   r["latest"], r["in_use"], r["drafts"]))  # fmt: skip
    return out


def template_versions(code: str) -> list[MessageTemplate]:
    """A code's versions, newest first, with their author and reviewer."""
    return list(
        MessageTemplate.objects.filter(code=code.strip().lower())
        .select_related("created_by", "reviewed_by")
        .order_by("-version")
    )
