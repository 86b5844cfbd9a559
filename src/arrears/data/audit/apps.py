from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "arrears.data.audit"
    label = "audit"
