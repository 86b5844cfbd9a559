from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "arrears.data.payments"
    label = "payments"

    def ready(self) -> None:
        from arrears.data import lookups  # noqa: F401  (registers field__any_of)
