"""Uploading a placement file through the API; the worker imports it; the report names rejects."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from arrears.data.accounts.models import Account
from arrears.data.users.models import Role, User
from tests.factories import make_client
from tests.placement_files import write_generated

pytestmark = pytest.mark.django_db


@pytest.fixture
def accountant():
    User.objects.create_user("avery", password="a-long-real-passphrase", role=Role.ACCOUNTANT)
    token = base64.b64encode(b"avery:a-long-real-passphrase").decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


class TestPlacementUpload:
    def test_upload_imports_and_reports_rejects(
        self, client, accountant, tmp_path, django_capture_on_commit_callbacks, settings
    ):
        settings.MEDIA_ROOT = tmp_path / "media"
        make_client("ACME")
        path, manifest = write_generated(tmp_path, accounts=300, seed=3, bad_fraction=0.05)
        upload = SimpleUploadedFile("march.csv", path.read_bytes(), content_type="text/csv")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/clients/ACME/placements",
                {"file": upload, "as_of": "2026-11-01"},
                **accountant,
            )
        assert response.status_code == 202, response.content
        body = response.json()
        report = client.get(body["report_url"], **accountant).json()
        bad = manifest["bad_lines"]
        assert report["status"] == "done"
        assert report["rows"] == 300
        assert report["rejected"] == len(bad)
        assert report["loaded"] == 300 - len(bad) == Account.objects.count()
        assert [(r["line"], r["code"]) for r in report["rejects"]] == [
            (b["line"], b["defect"]) for b in bad
        ]

    def test_wrong_file_type_is_400_naming_file(self, client, accountant, tmp_path, settings):
        settings.MEDIA_ROOT = tmp_path / "media"
        make_client("ACME")
        upload = SimpleUploadedFile("march.pdf", b"%PDF-1.4", content_type="application/pdf")
        response = client.post("/api/clients/ACME/placements", {"file": upload}, **accountant)
        assert response.status_code == 400 and response.json()["field"] == "file"

    def test_unknown_client_is_404(self, client, accountant, tmp_path, settings):
        settings.MEDIA_ROOT = tmp_path / "media"
        upload = SimpleUploadedFile("m.csv", b"a,b\n1,2\n", content_type="text/csv")
        response = client.post("/api/clients/NOPE/placements", {"file": upload}, **accountant)
        assert response.status_code == 404 and response.json()["field"] == "client"

    def test_missing_file_is_422(self, client, accountant):
        make_client("ACME")
        response = client.post("/api/clients/ACME/placements", {}, **accountant)
        assert response.status_code == 422 and response.json()["field"] == "file"
