from django.apps import AppConfig


class ArrangementsConfig(AppConfig):
    name = "arrears.data.arrangements"
    label = "arrangements"
    verbose_name = "Arrangements"
