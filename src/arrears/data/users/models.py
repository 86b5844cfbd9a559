"""Users of Arrears and their roles."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    COLLECTOR = "collector", "Collector"
    SUPERVISOR = "supervisor", "Supervisor"
    COMPLIANCE = "compliance", "Compliance officer"
    ACCOUNTANT = "accountant", "Accountant"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.COLLECTOR)

    class Meta:
        db_table = "arrears_user"

    def __str__(self) -> str:
        return self.get_full_name() or self.username
