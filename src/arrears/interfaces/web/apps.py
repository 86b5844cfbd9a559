from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "arrears.interfaces.web"
    label = "web"

    def ready(self) -> None:
        # Connects the receivers that audit sign-ins, failed sign-ins and sign-outs.
        from arrears.interfaces.web import auth  # noqa: F401
