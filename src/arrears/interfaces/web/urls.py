from django.contrib.auth import views as auth_views
from django.urls import path

from arrears.interfaces.web import passwords, payments, supervise, views, work

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/reset/", passwords.ResetRequestView.as_view(), name="password_reset"),
    path("password/reset/sent/", passwords.ResetSentView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        passwords.ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", passwords.ResetDoneView.as_view(), name="password_reset_complete"),
    path("password/change/", passwords.ChangeView.as_view(), name="password_change"),
    path("password/change/done/", passwords.ChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/", views.account_list, name="account-list"),
    path("accounts/<int:account_id>/", views.account_page, name="account-page"),
    path("work/", work.work_home, name="work-home"),
    path("work/queues/<slug:code>/", work.queue_page, name="queue-page"),
    path("work/queues/<slug:code>/next/", work.work_next, name="work-next"),
    path("accounts/<int:account_id>/release/", work.work_release, name="work-release"),
    path("accounts/<int:account_id>/reveal/", work.account_reveal, name="account-reveal"),
    path("accounts/<int:account_id>/do/<slug:action>/", work.account_action, name="account-action"),
    path("accounts/<int:account_id>/contacts/", views.contact_log, name="contact-log"),
    path("accounts/<int:account_id>/disputes/", views.dispute_log, name="dispute-log"),
    path("accounts/<int:account_id>/restrictions/", views.restriction_log, name="restriction-log"),
    path("accounts/<int:account_id>/documents/", views.document_upload, name="document-upload"),
    path("accounts/<int:account_id>/complaints/", views.complaint_log, name="complaint-log"),
    path("accounts/<int:account_id>/payments/", payments.payment_post_view, name="payment-post"),
    path(
        "accounts/<int:account_id>/payments/<int:payment_id>/return/",
        payments.payment_return_view,
        name="payment-return",
    ),
    path("payments/unapplied/", payments.unapplied_page, name="unapplied-cash"),
    path(
        "payments/unapplied/<int:payment_id>/suggestions/",
        payments.unapplied_suggestions_view,
        name="unapplied-suggestions",
    ),
    path(
        "payments/unapplied/<int:payment_id>/apply/",
        payments.unapplied_apply_view,
        name="unapplied-apply",
    ),
    path("documents/<int:document_id>/", views.document_download, name="document-download"),
    path(
        "complaints/<int:complaint_id>/respond/",
        views.complaint_respond_post,
        name="complaint-respond",
    ),
    path("compliance/", views.compliance_queue_page, name="compliance-queue"),
    path("supervise/", supervise.supervise_page, name="supervise"),
    path("supervise/targets/", supervise.supervise_target, name="supervise-target"),
    path("supervise/reassign/", supervise.supervise_reassign, name="supervise-reassign"),
    path("supervise/teams/", supervise.supervise_team, name="supervise-team"),
    path("supervise/grace/", supervise.supervise_grace, name="supervise-grace"),
    path("disputes/<int:dispute_id>/answer/", views.dispute_answer_post, name="dispute-answer"),
]
