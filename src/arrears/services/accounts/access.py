"""Who may see which accounts: client grants.

A collector sees and works only the accounts of the clients granted to them; a collector with no
grant sees none. Supervisors, compliance officers, accountants, administrators and superusers
oversee the whole book and see every client.

Every entry point that reaches an account (a screen, an API endpoint, "next account", a queue's
lists) asks here first. An account the user may not see is answered exactly like one that does
not exist (``NotFound``), so a refusal never tells that it exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Model, QuerySet

from arrears.data.accounts.models import Account, AccountParty
from arrears.data.cases.models import Complaint, Dispute, Document
from arrears.data.clients.models import Client, ClientGrant
from arrears.data.contacts.models import ContactRestriction, ValidationNotice
from arrears.data.users.models import Role, User
from arrears.data.work.models import Lease
from arrears.services.common import Actor, NotFound, ServiceError, audit_record

# Roles that oversee the whole book: they see every client without a grant.
WHOLE_BOOK_ROLES = frozenset({Role.SUPERVISOR, Role.COMPLIANCE, Role.ACCOUNTANT, Role.ADMIN})
# Roles that may grant and revoke clients.
GRANTING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})

type Viewer = User | AnonymousUser


class GrantRefused(ServiceError):
    code = "forbidden"


def sees_every_client(user: Viewer) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or getattr(user, "role", None) in WHOLE_BOOK_ROLES)


def granted_client_ids(user: Viewer) -> frozenset[int] | None:
    """The ids of the clients this user may see; None means every client. A user who is not
    signed in, or a collector without grants, gets the empty set."""
    if sees_every_client(user):
        return None
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    return frozenset(
        ClientGrant.objects.filter(user_id=user.pk).values_list("client_id", flat=True)
    )


def visible_accounts[M: Model](
    user: Viewer, queryset: QuerySet[M], *, via: str = ""
) -> QuerySet[M]:
    """The rows of ``queryset`` whose account this user may see. ``via`` is the path from the
    rows to their account ("" for accounts themselves, "account" for a queue entry). One
    statement: the grants are a subquery, not a list read first."""
    if sees_every_client(user):
        return queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    field = f"{via}__client_id__in" if via else "client_id__in"
    grants = ClientGrant.objects.filter(user_id=user.pk).values("client_id")
    return queryset.filter(**{field: grants})


def account_visible(user: Viewer, account_id: int) -> bool:
    return visible_accounts(user, Account.objects.filter(pk=account_id)).exists()


def require_account_visible(user: Viewer, account_id: int) -> None:
    """Refuse an account this user may not see exactly as one that does not exist."""
    if not account_visible(user, account_id):
        raise NotFound(f"no account {account_id}", field="account_id")


def require_client_visible(user: Viewer, client_code: str) -> None:
    """Refuse a client a collector is not granted as if it did not exist. Those who see every
    client pass, so an unknown code is answered by the use case itself."""
    if sees_every_client(user):
        return
    code = client_code.strip().upper()
    if (
        not user.is_authenticated
        or not ClientGrant.objects.filter(user_id=user.pk, client__code=code).exists()
    ):
        raise NotFound(f"no client {client_code}", field="client_code")


def _require_row(user: Viewer, queryset: QuerySet[Any], *, via: str, what: str, field: str,
                 key: object) -> None:  # fmt: skip
    if not visible_accounts(user, queryset, via=via).exists():
        raise NotFound(f"no {what} {key}", field=field)


def require_document_visible(user: Viewer, document_id: int) -> None:
    _require_row(user, Document.objects.filter(pk=document_id), via="account",
                 what="document", field="document_id", key=document_id)  # fmt: skip


def require_dispute_visible(user: Viewer, dispute_id: int) -> None:
    _require_row(user, Dispute.objects.filter(pk=dispute_id), via="account",
                 what="dispute", field="dispute_id", key=dispute_id)  # fmt: skip


def require_complaint_visible(user: Viewer, complaint_id: int) -> None:
    _require_row(user, Complaint.objects.filter(pk=complaint_id), via="account",
                 what="complaint", field="complaint_id", key=complaint_id)  # fmt: skip


def require_notice_visible(user: Viewer, reference: str) -> None:
    _require_row(user, ValidationNotice.objects.filter(reference=reference), via="account",
                 what="notice", field="reference", key=reference)  # fmt: skip


def require_restriction_visible(user: Viewer, restriction_id: int) -> None:
    """A contact restriction is the consumer's: visible to whoever sees one of their debts."""
    party = ContactRestriction.objects.filter(pk=restriction_id).values("party_id")
    links = AccountParty.objects.filter(party_id__in=party)
    _require_row(user, links, via="account", what="contact restriction",
                 field="restriction_id", key=restriction_id)  # fmt: skip


# --- granting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantChange:
    username: str
    changed: list[str]  # client codes granted (or revoked) by this call
    unchanged: list[str]  # already so
    clients: list[str]  # every client the user holds afterwards


def _may_grant(by: User | None) -> bool:
    return by is None or bool(by.is_superuser or by.role in GRANTING_ROLES)


def _grant_inputs(username: str, client_codes: Iterable[str]) -> tuple[User, list[Client]]:
    user = User.objects.filter(username=username.strip()).first()
    if user is None:
        raise NotFound(f"no user {username!r}", field="username")
    codes = sorted({c.strip().upper() for c in client_codes if c.strip()})
    if not codes:
        raise ServiceError("name at least one client", field="clients")
    clients = list(Client.objects.filter(code__in=codes).order_by("code"))
    missing = sorted(set(codes) - {c.code for c in clients})
    if missing:
        raise NotFound(f"no client {', '.join(missing)}", field="clients")
    return user, clients


def _held(user: User) -> list[str]:
    return list(
        ClientGrant.objects.filter(user=user)
        .order_by("client__code")
        .values_list("client__code", flat=True)
    )


def clients_grant(
    *, username: str, client_codes: Iterable[str], by: User | None, actor: Actor, now: datetime
) -> GrantChange:
    """Let a user see and work these clients' accounts. Supervisors and admins grant (``by`` is
    None for a command run by the operator); granting what is held already changes nothing."""
    if not _may_grant(by):
        raise GrantRefused("only supervisors and administrators grant clients", field="username")
    with transaction.atomic():
        user, clients = _grant_inputs(username, client_codes)
        held = set(ClientGrant.objects.filter(user=user).values_list("client_id", flat=True))
        new = [c for c in clients if c.pk not in held]
        ClientGrant.objects.bulk_create(
            [ClientGrant(user=user, client=c, granted_by=by, granted_at=now) for c in new]
        )
        change = GrantChange(
            username=user.username, changed=[c.code for c in new],
            unchanged=[c.code for c in clients if c.pk in held], clients=_held(user),
        )  # fmt: skip
        if new:
            audit_record(actor=actor, event="access.clients_granted", at=now,
                         details={"user": user.username, "clients": change.changed,
                                  "holds": change.clients})  # fmt: skip
    return change


def clients_revoke(
    *, username: str, client_codes: Iterable[str], by: User | None, actor: Actor, now: datetime
) -> GrantChange:
    """Take clients back from a user; from the next request on they see none of their accounts,
    and leases they hold on those accounts end now."""
    if not _may_grant(by):
        raise GrantRefused("only supervisors and administrators revoke clients", field="username")
    with transaction.atomic():
        user, clients = _grant_inputs(username, client_codes)
        gone = ClientGrant.objects.filter(user=user, client__in=clients)
        revoked = sorted(gone.values_list("client__code", flat=True))
        gone.delete()
        Lease.objects.filter(user=user, until__gt=now, account__client__in=clients).update(
            until=now
        )
        change = GrantChange(
            username=user.username, changed=revoked,
            unchanged=[c.code for c in clients if c.code not in revoked], clients=_held(user),
        )  # fmt: skip
        if revoked:
            audit_record(actor=actor, event="access.clients_revoked", at=now,
                         details={"user": user.username, "clients": revoked,
                                  "holds": change.clients})  # fmt: skip
    return change
