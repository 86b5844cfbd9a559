from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "arrears.data.users"
    label = "users"
