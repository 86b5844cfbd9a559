from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "arrears.data.payments"
    label = "payments"
