from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "arrears.data.cases"
    label = "cases"
