"""Client grants in the back office: supervisors and administrators grant and revoke them
there, each change audited; a user's page lists what they hold."""

from __future__ import annotations

import pytest

from arrears.data.audit.models import AuditEvent
from arrears.data.clients.models import ClientGrant
from arrears.data.users.models import Role, User
from tests.factories import make_client

pytestmark = pytest.mark.django_db


class TestGrantsInTheBackOffice:
    @pytest.fixture
    def sam(self, client):  # type: ignore[no-untyped-def]
        sam = User.objects.create_user("sam", password="x-long-passphrase",
                                       role=Role.SUPERVISOR, is_staff=True)  # fmt: skip
        client.force_login(sam)
        return sam

    def test_a_supervisor_grants_and_revokes_a_client_and_both_are_audited(
        self, client, sam
    ) -> None:
        casey = User.objects.create_user("casey", password="x", role=Role.COLLECTOR)
        acme = make_client("ACME")
        added = client.post("/admin/clients/clientgrant/add/",
                            {"user": casey.pk, "client": acme.pk})  # fmt: skip
        assert added.status_code == 302
        grant = ClientGrant.objects.get()
        assert (grant.user, grant.client, grant.granted_by) == (casey, acme, sam)
        gone = client.post(f"/admin/clients/clientgrant/{grant.pk}/delete/", {"post": "yes"})
        assert gone.status_code == 302 and not ClientGrant.objects.exists()
        events = list(AuditEvent.objects.filter(event__startswith="access.").order_by("id")
                      .values_list("event", "actor_id", "actor_label", "details"))  # fmt: skip
        assert events == [
            ("access.clients_granted", sam.pk, "admin:sam",
             {"user": "casey", "clients": ["ACME"], "holds": ["ACME"]}),
            ("access.clients_revoked", sam.pk, "admin:sam",
             {"user": "casey", "clients": ["ACME"], "holds": []}),
        ]  # fmt: skip

    def test_a_user_page_lists_the_clients_they_hold(self, client) -> None:
        client.force_login(User.objects.create_superuser("root", password="x-long-passphrase"))
        casey = User.objects.create_user("casey", password="x", role=Role.COLLECTOR)
        make_client("ACME", granted_to=casey)
        html = client.get(f"/admin/users/user/{casey.pk}/change/").content.decode()
        assert "Client grants (collectors see only these clients)" in html
        assert "ACME: ACME Bank" in html

    def test_staff_who_are_not_supervisors_may_not_manage_grants(self, client) -> None:
        carmen = User.objects.create_user("carmen", password="x", role=Role.COMPLIANCE,
                                          is_staff=True)  # fmt: skip
        client.force_login(carmen)
        casey = User.objects.create_user("casey", password="x", role=Role.COLLECTOR)
        acme = make_client("ACME")
        response = client.post("/admin/clients/clientgrant/add/",
                               {"user": casey.pk, "client": acme.pk})  # fmt: skip
        assert response.status_code == 403
        assert not ClientGrant.objects.exists()
