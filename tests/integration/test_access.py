"""Client grants: who sees which accounts, granting and revoking (audited), and the reads that
must never show a collector an account of a client not granted to them ("next account", a
queue's lists, search, the consumer's other accounts, the compliance queue)."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from arrears.data.accounts.models import Account, AccountParty
from arrears.data.audit.models import AuditEvent
from arrears.data.clients.models import ClientGrant
from arrears.data.users.models import Role, User
from arrears.data.work.models import Lease, WorkQueue
from arrears.services.accounts.access import (
    GrantRefused,
    account_visible,
    clients_grant,
    clients_revoke,
    granted_client_ids,
    require_account_visible,
    visible_accounts,
)
from arrears.services.accounts.queries import account_search
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.compliance.disputes import dispute_record
from arrears.services.compliance.queries import compliance_queue
from arrears.services.ledger.operations import hold_add
from arrears.services.work.picking import next_account
from arrears.services.work.queries import (
    linked_accounts,
    queue_state,
    queue_top,
    skipped_accounts,
)
from arrears.services.work.queues import queue_build, queue_define
from tests.factories import grant_clients, make_client, make_new_yorker

NY = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=NY)
ACTOR = Actor.system("test")


def _user(name: str, role: str = Role.COLLECTOR) -> User:
    return User.objects.create_user(username=name, password="x", role=role)


@pytest.fixture
def two_books():  # type: ignore[no-untyped-def]
    """ACME (granted to Casey) and BETA (granted to nobody), three New York accounts each, all
    in one pooled queue Casey may work, BETA's balances the highest."""
    casey = _user("casey")
    acme, beta = make_client("ACME", granted_to=casey), make_client("BETA")
    mine = [make_new_yorker(acme, p) for p in (30_000, 20_000, 10_000)]
    theirs = [make_new_yorker(beta, p) for p in (90_000, 80_000, 70_000)]
    queue_define(code="all", name="Everything", filters={}, order="balance_high", mode="pooled",
                 members=["casey"], actor=ACTOR, now=MONDAY)  # fmt: skip
    queue_build("all", now=MONDAY, actor=ACTOR)
    return casey, mine, theirs


@pytest.mark.django_db
class TestWhoSeesWhat:
    @pytest.mark.parametrize(
        "role", [Role.SUPERVISOR, Role.COMPLIANCE, Role.ACCOUNTANT, Role.ADMIN]
    )
    def test_roles_that_oversee_the_book_see_every_client(self, role) -> None:
        account = make_new_yorker(make_client("ACME"))
        user = _user("overseer", role)
        assert granted_client_ids(user) is None
        assert account_visible(user, account.pk)

    def test_a_superuser_collector_sees_every_client(self) -> None:
        account = make_new_yorker(make_client("ACME"))
        root = User.objects.create_superuser("root", password="x", role=Role.COLLECTOR)
        assert granted_client_ids(root) is None and account_visible(root, account.pk)

    def test_a_collector_without_grants_sees_no_account(self) -> None:
        account = make_new_yorker(make_client("ACME"))
        casey = _user("casey")
        assert granted_client_ids(casey) == frozenset()
        assert list(visible_accounts(casey, Account.objects.all())) == []
        with pytest.raises(NotFound) as refused:
            require_account_visible(casey, account.pk)
        assert (refused.value.field, refused.value.message) == (
            "account_id", f"no account {account.pk}")  # fmt: skip

    def test_an_ungranted_account_is_refused_exactly_like_a_missing_one(self, two_books) -> None:
        casey, mine, theirs = two_books
        require_account_visible(casey, mine[0].pk)  # granted: no refusal
        refusals = []
        for account_id in (theirs[0].pk, 987_654):
            with pytest.raises(NotFound) as refused:
                require_account_visible(casey, account_id)
            refusals.append((refused.value.field, refused.value.message.split()[:2]))
        assert refusals == [("account_id", ["no", "account"])] * 2

    def test_a_collector_sees_the_accounts_of_granted_clients_only(self, two_books) -> None:
        casey, mine, _ = two_books
        assert granted_client_ids(casey) == frozenset({mine[0].client_id})
        shown = set(visible_accounts(casey, Account.objects.all()).values_list("pk", flat=True))
        assert shown == {a.pk for a in mine}

    def test_a_signed_out_visitor_and_an_inactive_collector_see_nothing(self, two_books) -> None:
        casey, mine, _ = two_books
        assert granted_client_ids(AnonymousUser()) == frozenset()
        assert not account_visible(AnonymousUser(), mine[0].pk)
        User.objects.filter(pk=casey.pk).update(is_active=False)
        casey.refresh_from_db()
        assert not account_visible(casey, mine[0].pk)


@pytest.mark.django_db
class TestGranting:
    def test_a_supervisor_grants_clients_and_it_is_audited(self) -> None:
        make_client("ACME"), make_client("BETA")
        casey, sam = _user("casey"), _user("sam", Role.SUPERVISOR)
        change = clients_grant(username="casey", client_codes=["beta", "ACME"], by=sam,
                               actor=Actor("sam", sam.pk), now=MONDAY)  # fmt: skip
        assert (change.changed, change.unchanged, change.clients) == (
            ["ACME", "BETA"], [], ["ACME", "BETA"])  # fmt: skip
        grant = ClientGrant.objects.get(user=casey, client__code="ACME")
        assert (grant.granted_by, grant.granted_at) == (sam, MONDAY)
        event = AuditEvent.objects.get(event="access.clients_granted")
        assert (event.actor_id, event.actor_label, event.at) == (sam.pk, "sam", MONDAY)
        assert event.details == {"user": "casey", "clients": ["ACME", "BETA"],
                                 "holds": ["ACME", "BETA"]}  # fmt: skip

    def test_granting_again_changes_nothing_and_records_nothing(self) -> None:
        make_client("ACME", granted_to=_user("casey"))
        change = clients_grant(username="casey", client_codes=["ACME"], by=None, actor=ACTOR,
                               now=MONDAY)  # fmt: skip
        assert (change.changed, change.unchanged) == ([], ["ACME"])
        assert ClientGrant.objects.count() == 1
        assert not AuditEvent.objects.filter(event__startswith="access.").exists()

    @pytest.mark.parametrize("role", [Role.COLLECTOR, Role.COMPLIANCE, Role.ACCOUNTANT])
    def test_only_supervisors_and_admins_grant_or_revoke(self, role) -> None:
        make_client("ACME", granted_to=_user("casey"))
        make_client("BETA")
        other = _user("other", role)
        with pytest.raises(GrantRefused):
            clients_grant(username="casey", client_codes=["BETA"], by=other, actor=ACTOR,
                          now=MONDAY)  # fmt: skip
        with pytest.raises(GrantRefused):
            clients_revoke(username="casey", client_codes=["ACME"], by=other, actor=ACTOR,
                           now=MONDAY)  # fmt: skip
        held = ClientGrant.objects.values_list("user__username", "client__code")
        assert list(held) == [("casey", "ACME")]
        assert not AuditEvent.objects.filter(event__startswith="access.").exists()

    @pytest.mark.parametrize(
        ("username", "codes", "field"),
        [("nobody", ["ACME"], "username"), ("casey", ["ACME", "NOPE"], "clients"),
         ("casey", [" "], "clients")],
    )  # fmt: skip
    def test_an_unknown_user_or_client_is_refused_naming_it(self, username, codes, field) -> None:
        make_client("ACME")
        _user("casey")
        with pytest.raises(ServiceError) as refused:
            clients_grant(username=username, client_codes=codes, by=None, actor=ACTOR, now=MONDAY)
        assert refused.value.field == field
        assert not ClientGrant.objects.exists()

    def test_revoking_hides_the_accounts_and_ends_the_leases_on_them(self, two_books) -> None:
        casey, mine, _ = two_books
        grant_clients(casey, make_client("GAMA"))
        Lease.objects.create(account=mine[0], user=casey, taken_at=MONDAY,
                             until=MONDAY + timedelta(minutes=15))  # fmt: skip
        change = clients_revoke(username="casey", client_codes=["ACME"], by=None, actor=ACTOR,
                                now=MONDAY + timedelta(minutes=2))  # fmt: skip
        assert (change.changed, change.clients) == (["ACME"], ["GAMA"])
        assert not account_visible(casey, mine[0].pk)
        assert Lease.objects.get(account_id=mine[0].pk).until == MONDAY + timedelta(minutes=2)
        event = AuditEvent.objects.get(event="access.clients_revoked")
        assert (event.actor_label, event.details) == (
            "test", {"user": "casey", "clients": ["ACME"], "holds": ["GAMA"]})  # fmt: skip


@pytest.mark.django_db
class TestNextAccountHonoursGrants:
    def test_a_collector_is_handed_only_granted_accounts_then_nothing(self, two_books) -> None:
        casey, mine, theirs = two_books
        handed = []
        now = MONDAY
        while (pick := next_account(queue_code="all", user=casey, now=now)) is not None:
            handed.append(pick.account_id)
            now += timedelta(minutes=1)
        assert handed == [a.pk for a in mine]  # BETA's larger balances are never offered
        assert not Lease.objects.filter(account_id__in=[a.pk for a in theirs]).exists()
        picked = AuditEvent.objects.filter(event="work.picked").values_list("account_id", flat=True)
        assert sorted(picked) == sorted(handed)

    def test_a_collector_without_grants_is_handed_nothing(self, two_books) -> None:
        _user("dana")
        WorkQueue.objects.get(code="all").members.add(User.objects.get(username="dana"))
        dana = User.objects.get(username="dana")
        assert next_account(queue_code="all", user=dana, now=MONDAY) is None
        assert not Lease.objects.exists()

    def test_a_supervisor_is_handed_the_highest_balance_of_any_client(self, two_books) -> None:
        _, _, theirs = two_books
        sam = _user("sam", Role.SUPERVISOR)
        pick = next_account(queue_code="all", user=sam, now=MONDAY)
        assert pick is not None and pick.account_id == theirs[0].pk


@pytest.mark.django_db
class TestReadsHonourGrants:
    def test_queue_counts_and_lists_show_a_collector_only_granted_accounts(self, two_books) -> None:
        casey, mine, theirs = two_books
        hold_add(account_id=theirs[1].pk, kind="bankruptcy", starts_on=date(2026, 11, 1),
                 source="PACER notice", actor=ACTOR, now=MONDAY)  # fmt: skip
        hold_add(account_id=mine[2].pk, kind="bankruptcy", starts_on=date(2026, 11, 1),
                 source="PACER notice", actor=ACTOR, now=MONDAY)  # fmt: skip
        queue = WorkQueue.objects.get(code="all")
        state = queue_state(queue, now=MONDAY, user=casey)
        assert (state.size, state.available, state.blocked) == (3, 2, 1)
        assert [e.account_id for e in queue_top(queue, user=casey)] == [a.pk for a in mine]
        assert [s.account.pk for s in skipped_accounts(queue, now=MONDAY, user=casey)] == [
            mine[2].pk
        ]
        whole = queue_state(queue, now=MONDAY, user=_user("sam", Role.SUPERVISOR))
        assert (whole.size, whole.available, whole.blocked) == (6, 4, 2)

    def test_search_finds_only_granted_accounts(self, two_books) -> None:
        casey, mine, theirs = two_books
        assert list(account_search("", user=casey)) == sorted(
            mine, key=lambda a: -a.balance_minor)  # fmt: skip
        assert list(account_search(theirs[0].client_ref, user=casey)) == []
        assert list(account_search(str(theirs[0].pk), user=casey)) == []
        assert account_search("", user=None).count() == 6

    def test_the_consumers_other_accounts_show_only_granted_ones(self, two_books) -> None:
        casey, mine, theirs = two_books
        party_id = AccountParty.objects.get(account=mine[0]).party_id
        for other in (mine[1], theirs[0]):
            AccountParty.objects.create(account=other, party_id=party_id, role="co_signer")
        assert [a.pk for a in linked_accounts(mine[0].pk, user=casey)] == [mine[1].pk]
        assert {a.pk for a in linked_accounts(mine[0].pk)} == {mine[1].pk, theirs[0].pk}

    def test_the_compliance_queue_shows_a_collector_only_granted_disputes(self, two_books) -> None:
        casey, mine, theirs = two_books
        for account in (mine[0], theirs[0]):
            dispute_record(account_id=account.pk, kind="dispute", received_on=date(2026, 11, 2),
                           medium="letter", reason="not_mine", actor=ACTOR, now=MONDAY)  # fmt: skip
        today = date(2026, 11, 2)
        assert [i.dispute.account_id for i in compliance_queue(today=today, user=casey).items] == [
            mine[0].pk
        ]
        assert len(compliance_queue(today=today).items) == 2


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_collectors_picking_at_once_are_never_handed_an_ungranted_account():
    """Eight collectors, four granted ACME and four granted BETA, pick from one pooled queue of
    both clients at the same moment (SKIP LOCKED): each is handed only their client's accounts,
    and every account goes to one collector only."""
    acme, beta = make_client("ACME"), make_client("BETA")
    books = {"ACME": [make_new_yorker(acme, 10_000 + n) for n in range(24)],
             "BETA": [make_new_yorker(beta, 20_000 + n) for n in range(24)]}  # fmt: skip
    users = {}
    for n in range(8):
        code = "ACME" if n % 2 else "BETA"
        user = _user(f"c{n}")
        grant_clients(user, acme if code == "ACME" else beta)
        users[user.username] = (user, code)
    queue_define(code="pool", name="Pool", filters={}, order="balance_high", mode="pooled",
                 members=list(users), actor=ACTOR, now=MONDAY)  # fmt: skip
    queue_build("pool", now=MONDAY, actor=ACTOR)
    barrier = threading.Barrier(len(users))
    picks: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def work(user: User) -> None:
        mine: list[int] = []
        try:
            barrier.wait()
            while (pick := next_account(queue_code="pool", user=user, now=MONDAY)) is not None:
                mine.append(pick.account_id)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            picks[user.username] = mine
            connection.close()

    threads = [threading.Thread(target=work, args=(u,)) for u, _ in users.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    for name, handed in picks.items():
        allowed = {a.pk for a in books[users[name][1]]}
        assert set(handed) <= allowed, name
    everything = [aid for handed in picks.values() for aid in handed]
    assert len(everything) == len(set(everything)) == 48  # every account once, none twice
