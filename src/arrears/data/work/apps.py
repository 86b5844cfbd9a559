from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "arrears.data.work"
    label = "work"
