"""Leave room in account pages so balance updates stay HOT on PostgreSQL.

Accrual and payments rewrite balance columns, none of them indexed; with free space on the page,
PostgreSQL updates the row in place of the heap chain without touching any index.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE accounts_account SET (fillfactor = 85)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE accounts_account RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_drop_status_balance_index")]
    operations = [migrations.RunPython(forwards, backwards)]
