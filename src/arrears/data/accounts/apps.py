from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "arrears.data.accounts"
    label = "accounts"
