import django.db.models.deletion
from django.db import migrations, models

# "Next account" walks the head of the pending entries' index. Each pick leaves dead versions
# there (the entry set aside, then worked); PostgreSQL's default autovacuum waits for a fifth of
# the table to change, and may skip index cleanup when the dead rows sit on few pages, so a busy
# day's picks would read ever more dead index entries. These tables are vacuumed after a few
# thousand changes instead, indexes included.
TUNED = {
    "work_queueentry": "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, "
    "vacuum_index_cleanup = on",
    "work_lease": "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000",
}


def tune_vacuum(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, options in TUNED.items():
        schema_editor.execute(f"ALTER TABLE {table} SET ({options})")


def untune_vacuum(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, options in TUNED.items():
        names = ", ".join(part.split("=")[0].strip() for part in options.split(","))
        schema_editor.execute(f"ALTER TABLE {table} RESET ({names})")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_account_purged_on"),
        ("work", "0006_merge_waiting_entries_and_teams"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="queueentry",
            constraint=models.UniqueConstraint(
                fields=("account", "queue"), name="queue_entry_account_queue"
            ),
        ),
        migrations.RemoveConstraint(model_name="queueentry", name="queue_entry_account"),
        migrations.AlterField(
            model_name="queueentry",
            name="account",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                to="accounts.account",
            ),
        ),
        migrations.RunPython(tune_vacuum, untune_vacuum),
    ]
