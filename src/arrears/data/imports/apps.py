from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "arrears.data.imports"
    label = "imports"
