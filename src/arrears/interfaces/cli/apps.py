from django.apps import AppConfig


class CliConfig(AppConfig):
    name = "arrears.interfaces.cli"
    label = "arrears_cli"
    verbose_name = "Arrears command line"
