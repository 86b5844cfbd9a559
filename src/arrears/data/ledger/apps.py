from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "arrears.data.ledger"
    label = "ledger"
