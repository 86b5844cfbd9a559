from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "arrears.data.messaging"
    label = "messaging"
