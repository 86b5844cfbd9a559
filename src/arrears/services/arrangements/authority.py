"""Who may agree what alone: authority limits per role and client (ADR 22).

A client's own row for a role wins over the role's default row; a role with neither has no
authority of its own (everything it asks for waits for approval). An administrator's authority
has no limit. A person without a signed-in user (a job) has no authority.
"""

from __future__ import annotations

from dataclasses import dataclass

from arrears.core.arrangements import AuthorityLimits
from arrears.data.arrangements.models import PPM, AuthorityLimit
from arrears.data.users.models import Role, User
from arrears.services.common import Actor, ServiceError

# Who may decide requests waiting for approval, by kind of request.
SETTLEMENT_APPROVERS = (Role.SUPERVISOR, Role.ADMIN)
ADJUSTMENT_APPROVERS = (Role.SUPERVISOR, Role.ACCOUNTANT, Role.ADMIN)


@dataclass(frozen=True)
class Authority:
    role: str
    settlement: AuthorityLimits
    max_adjustment_minor: int | None  # None: no limit

    def as_dict(self) -> dict[str, object]:
        return {
            "role": self.role,
            "max_discount_ppm": self.settlement.max_discount_ppm,
            "max_forgiven_minor": self.settlement.max_forgiven_minor,
            "max_adjustment_minor": self.max_adjustment_minor,
        }


def user_of(actor: Actor) -> User:
    if actor.user_id is None:
        raise ServiceError("only a signed-in person can agree arrangements", field="actor")
    user = User.objects.filter(pk=actor.user_id, is_active=True).first()
    if user is None:
        raise ServiceError("the acting user is not active", field="actor")
    return user


def authority_of(user: User, client_id: int) -> Authority:
    if user.role == Role.ADMIN:
        return Authority(user.role, AuthorityLimits(max_discount_ppm=PPM), None)
    rows = {
        row.client_id: row
        for row in AuthorityLimit.objects.filter(role=user.role, client_id__in=[client_id])
        | AuthorityLimit.objects.filter(role=user.role, client__isnull=True)
    }
    row = rows.get(client_id) or rows.get(None)
    if row is None:
        return Authority(user.role, AuthorityLimits(max_discount_ppm=0, max_forgiven_minor=0), 0)
    return Authority(
        user.role,
        AuthorityLimits(
            max_discount_ppm=row.max_discount_ppm, max_forgiven_minor=row.max_forgiven_minor
        ),
        row.max_adjustment_minor,
    )
