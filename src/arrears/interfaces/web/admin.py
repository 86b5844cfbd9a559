"""The back office: clients, accounts, parties and users. Ledger and audit are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from arrears.core.money import format_minor
from arrears.core.pii import mask_ssn
from arrears.data.accounts.models import Account, AccountParty, Hold, Placement
from arrears.data.audit.models import AuditEvent
from arrears.data.clients.models import Client, ClientGrant
from arrears.data.imports.models import ImportReject, ImportRun
from arrears.data.ledger.models import Entry
from arrears.data.parties.models import ContactPoint, Party, PartyLinkReview
from arrears.data.users.models import User
from arrears.services.accounts.access import GRANTING_ROLES, clients_grant, clients_revoke
from arrears.services.common import Actor, audit_record

admin.site.site_header = "Arrears back office"
admin.site.site_title = "Arrears"


def _actor(request: HttpRequest) -> Actor:
    return Actor(label=f"admin:{request.user.get_username()}", user_id=request.user.pk)


class AuditedAdminMixin:
    """Every change made through the back office lands in the audit trail, field by field."""

    audit_event = "admin.changed"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            _audit_form(request, obj, form, created=not change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            for inline_form in formset.forms:
                if inline_form.has_changed() and inline_form.instance.pk:
                    _audit_form(request, inline_form.instance, inline_form, created=False)


# Models whose values identify a person: the audit trail, which is append-only and outlives
# retention purges, records that such a field changed, never its value.
PERSONAL_MODELS = ("parties.party", "parties.contactpoint", "parties.bankaccount")
PERSONAL_FIELDS = ("original_account_number",)


def _shown(obj: Any, name: str, value: Any) -> str:
    if "password" in name or obj._meta.label_lower in PERSONAL_MODELS or name in PERSONAL_FIELDS:
        return "(changed)"
    return str(value)


def _audit_form(request: HttpRequest, obj: Any, form: Any, *, created: bool) -> None:
    changed = list(form.changed_data)
    if not changed and not created:
        return
    account_id = obj.pk if isinstance(obj, Account) else getattr(obj, "account_id", None)
    party_id = obj.pk if isinstance(obj, Party) else getattr(obj, "party_id", None)
    audit_record(
        actor=_actor(request),
        event=f"admin.{obj._meta.model_name}.{'added' if created else 'changed'}",
        account_id=account_id,
        party_id=party_id,
        details={
            "object": f"{obj._meta.label}:{obj.pk}",
            "fields": {name: _shown(obj, name, form.cleaned_data.get(name)) for name in changed},
        },
    )


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class GrantInline(ReadOnlyMixin, admin.TabularInline[ClientGrant, Any]):
    """The clients a user holds, on their page; grants are added and revoked under "Client
    grants", where each change goes through the audited service."""

    model = ClientGrant
    fk_name = "user"
    extra = 0
    fields = ("client", "granted_by", "granted_at")
    readonly_fields = fields
    verbose_name_plural = "Client grants (collectors see only these clients)"


@admin.register(User)
class ArrearsUserAdmin(AuditedAdminMixin, UserAdmin[User]):
    list_display = ("username", "first_name", "last_name", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = (*UserAdmin.fieldsets, ("Arrears", {"fields": ("role",)}))  # type: ignore[misc]
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Arrears", {"fields": ("role",)}))

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return [GrantInline] if obj is not None else []  # a new user holds no grant yet


def _may_grant(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff
                and (user.is_superuser or getattr(user, "role", None) in GRANTING_ROLES))  # fmt: skip


@admin.register(ClientGrant)
class ClientGrantAdmin(admin.ModelAdmin[ClientGrant]):
    """Which clients each collector may see and work. Supervisors and administrators grant and
    revoke here; every change goes through services.accounts.access and is audited."""

    list_display = ("user", "client", "granted_by", "granted_at")
    list_filter = ("client",)
    search_fields = ("user__username", "client__code")
    list_select_related = ("user", "client", "granted_by")
    fields = ("user", "client")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_grant(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_grant(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _may_grant(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a grant is added or revoked, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_grant(request)

    def _by(self, request: HttpRequest) -> User:
        assert isinstance(request.user, User)
        return request.user

    def save_model(self, request: HttpRequest, obj: ClientGrant, form: Any, change: bool) -> None:
        clients_grant(username=obj.user.username, client_codes=[obj.client.code],
                      by=self._by(request), actor=_actor(request), now=timezone.now())  # fmt: skip
        obj.pk = ClientGrant.objects.get(user=obj.user, client=obj.client).pk

    def delete_model(self, request: HttpRequest, obj: ClientGrant) -> None:
        clients_revoke(username=obj.user.username, client_codes=[obj.client.code],
                       by=self._by(request), actor=_actor(request), now=timezone.now())  # fmt: skip

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ClientGrant]) -> None:
        with transaction.atomic():
            for grant in queryset.select_related("user", "client"):
                self.delete_model(request, grant)


@admin.register(Client)
class ClientAdmin(AuditedAdminMixin, admin.ModelAdmin[Client]):
    list_display = ("code", "name", "kind", "interest_policy", "accrue_after_charge_off", "active")
    list_filter = ("kind", "interest_policy", "active")
    search_fields = ("code", "name")


@admin.register(Placement)
class PlacementAdmin(ReadOnlyMixin, admin.ModelAdmin[Placement]):
    list_display = ("id", "client", "reference", "placed_on", "created_at")
    list_filter = ("client",)


class HoldInline(admin.TabularInline[Hold, Any]):
    model = Hold
    extra = 0
    fields = ("kind", "starts_on", "ends_on", "source", "reason")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AccountPartyInline(admin.TabularInline[AccountParty, Any]):
    model = AccountParty
    extra = 0
    raw_id_fields = ("party",)


class EntryInline(ReadOnlyMixin, admin.TabularInline[Entry, Any]):
    model = Entry
    extra = 0
    fields = (
        "effective_on", "kind", "principal_minor", "interest_minor", "fees_minor",
        "costs_minor", "cash_minor", "reverses", "memo",
    )  # fmt: skip
    readonly_fields = fields
    can_delete = False


BALANCE_FIELDS = (
    "principal_minor", "interest_minor", "fees_minor", "costs_minor", "balance_minor",
    "balance_through_entry_id", "accrual_segment_start", "accrual_closed_numerator",
    "accrued_through", "interest_accrued_minor", "placed_amount_minor", "itemization_amount_minor",
)  # fmt: skip


@admin.register(Account)
class AccountAdmin(AuditedAdminMixin, admin.ModelAdmin[Account]):
    list_display = ("id", "client", "client_ref", "original_creditor", "status", "balance")
    list_filter = ("client", "status")
    search_fields = ("client_ref", "=id")
    raw_id_fields = ("placement",)
    inlines = [AccountPartyInline, HoldInline, EntryInline]
    list_select_related = ("client",)

    @admin.display(description="Balance", ordering="balance_minor")
    def balance(self, obj: Account) -> str:
        return format_minor(obj.balance_minor, obj.currency)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields: tuple[str, ...] = (*BALANCE_FIELDS, "client", "client_ref", "currency")
        if obj is not None and obj.date_of_first_delinquency is not None:
            fields += ("date_of_first_delinquency",)  # never changes once set
        return fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts arrive by placement

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ContactPointInline(admin.TabularInline[ContactPoint, Any]):
    model = ContactPoint
    extra = 0
    fields = (
        "kind", "phone_e164", "phone_type", "email", "address1", "city", "state", "zip",
        "status", "consent_source", "valid_from", "valid_to",
    )  # fmt: skip


@admin.register(Party)
class PartyAdmin(AuditedAdminMixin, admin.ModelAdmin[Party]):
    list_display = ("id", "display_name", "kind", "ssn")
    search_fields = ("last_name", "first_name", "business_name", "=id")
    fields = ("kind", "first_name", "middle_name", "last_name", "suffix", "business_name", "ssn")
    readonly_fields = ("ssn",)
    inlines = [ContactPointInline]

    @admin.display(description="SSN")
    def ssn(self, obj: Party) -> str:
        return mask_ssn(obj.ssn_last4)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PartyLinkReview)
class PartyLinkReviewAdmin(AuditedAdminMixin, admin.ModelAdmin[PartyLinkReview]):
    list_display = ("id", "party", "candidate", "reason", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("party", "candidate")


@admin.register(Entry)
class EntryAdmin(ReadOnlyMixin, admin.ModelAdmin[Entry]):
    list_display = (
        "id", "account_id", "kind", "effective_on", "principal_minor", "interest_minor",
        "fees_minor", "costs_minor", "cash_minor",
    )  # fmt: skip
    list_filter = ("kind",)
    search_fields = ("=account__id",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, admin.ModelAdmin[AuditEvent]):
    list_display = ("at", "actor_label", "event", "account_id", "party_id")
    list_filter = ("event",)
    search_fields = ("=account_id", "actor_label", "event")


class ImportRejectInline(ReadOnlyMixin, admin.TabularInline[ImportReject, Any]):
    model = ImportReject
    fields = ("line", "field", "code", "reason")
    readonly_fields = fields


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyMixin, admin.ModelAdmin[ImportRun]):
    list_display = (
        "id", "client", "kind", "file_name", "status", "rows", "loaded", "rejected", "runs",
    )  # fmt: skip
    list_filter = ("client", "kind", "status")
    inlines = [ImportRejectInline]
