from django.apps import AppConfig


class StrategiesConfig(AppConfig):
    name = "arrears.data.strategies"
    label = "strategies"
