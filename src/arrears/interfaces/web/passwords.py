"""Passwords: reset by an emailed one-time link, and change while signed in. Django's views do
the work (its token generator, its forms, the password validators in settings); these add the
audit trail and Arrears' pages.

A request for an address nobody has shows the same page as one that matched, so the form cannot
be used to learn who has an account. A new password signs out every other session of the user
(Django checks a hash of the password on each request); a change keeps the current one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils import timezone

from arrears.data.users.models import User
from arrears.interfaces.web.auth import client_ip
from arrears.services.users.signins import (
    password_changed_record,
    password_reset_requested_record,
)


class ResetRequestView(auth_views.PasswordResetView):
    template_name = "registration/reset_request.html"
    email_template_name = "registration/reset_email.txt"
    subject_template_name = "registration/reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"]
        users = [u for u in form.get_users(email) if isinstance(u, User)]
        password_reset_requested_record(email=email, users=users, ip=client_ip(self.request),
                                        at=timezone.now())  # fmt: skip
        return super().form_valid(form)


class ResetSentView(auth_views.PasswordResetDoneView):
    template_name = "registration/reset_sent.html"


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            password_changed_record(user=form.user, ip=client_ip(self.request),
                                    at=timezone.now(), by_reset=True)  # fmt: skip
        return response


class ResetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "registration/reset_done.html"


class ChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            password_changed_record(user=form.user, ip=client_ip(self.request),
                                    at=timezone.now(), by_reset=False)  # fmt: skip
        return response


class ChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_changed.html"
