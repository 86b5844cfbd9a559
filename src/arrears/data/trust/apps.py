from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "arrears.data.trust"
    label = "trust"
    verbose_name = "Trust accounting"
