from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "arrears.data.clients"
    label = "clients"
