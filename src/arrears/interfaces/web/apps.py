from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "arrears.interfaces.web"
    label = "web"
