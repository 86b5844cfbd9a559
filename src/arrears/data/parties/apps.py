from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "arrears.data.parties"
    label = "parties"
