from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "arrears.data.contacts"
    label = "contacts"
