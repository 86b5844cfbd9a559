"""Database guards the application cannot bypass.

- ledger entries and audit events are append-only: UPDATE is always refused, and DELETE is
  refused unless the purge gate is open. The gate (``arrears_purge_gate``, a table Django does not
  manage) is opened only by the record-retention purge, inside its own transaction, and by the
  test suite's flush between transactional tests;
- an account's date of first delinquency never changes once set (FCRA 623(a)(5): no re-aging).
"""

from django.db import migrations

APPEND_ONLY = [("ledger_entry", "ledger entries"), ("audit_auditevent", "audit events")]
DOFD_MESSAGE = "date_of_first_delinquency cannot change once set"


GATE = "CREATE TABLE arrears_purge_gate (reason varchar(200) NOT NULL)"


def _sqlite(table: str, what: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{what} are append-only: post a reversing entry'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        "WHEN NOT EXISTS (SELECT 1 FROM arrears_purge_gate) "
        f"BEGIN SELECT RAISE(ABORT, '{what} are append-only: post a reversing entry'); END",
    ]


def _postgres(table: str, what: str) -> list[str]:
    return [
        f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM arrears_purge_gate) THEN "
        "RETURN OLD; END IF; "
        f"RAISE EXCEPTION '{what} are append-only: post a reversing entry'; END $$",
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
    ]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements: list[str] = [GATE]
    for table, what in APPEND_ONLY:
        statements += _postgres(table, what) if vendor == "postgresql" else _sqlite(table, what)
    if vendor == "postgresql":
        statements += [
            "CREATE FUNCTION accounts_account_dofd_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF OLD.date_of_first_delinquency IS NOT NULL AND "
            "NEW.date_of_first_delinquency IS DISTINCT FROM OLD.date_of_first_delinquency THEN "
            f"RAISE EXCEPTION '{DOFD_MESSAGE}'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER accounts_account_dofd_fixed "
            "BEFORE UPDATE OF date_of_first_delinquency ON accounts_account "
            "FOR EACH ROW EXECUTE FUNCTION accounts_account_dofd_fixed()",
        ]
    else:
        statements.append(
            "CREATE TRIGGER accounts_account_dofd_fixed BEFORE UPDATE OF date_of_first_delinquency "
            "ON accounts_account WHEN OLD.date_of_first_delinquency IS NOT NULL AND "
            "NEW.date_of_first_delinquency IS NOT OLD.date_of_first_delinquency "
            f"BEGIN SELECT RAISE(ABORT, '{DOFD_MESSAGE}'); END"
        )
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table, _ in APPEND_ONLY:
            schema_editor.execute(f"DROP TRIGGER {table}_no_change ON {table}")
            schema_editor.execute(f"DROP FUNCTION {table}_append_only()")
        schema_editor.execute("DROP TRIGGER accounts_account_dofd_fixed ON accounts_account")
        schema_editor.execute("DROP FUNCTION accounts_account_dofd_fixed()")
    else:
        for table, _ in APPEND_ONLY:
            schema_editor.execute(f"DROP TRIGGER {table}_no_update")
            schema_editor.execute(f"DROP TRIGGER {table}_no_delete")
        schema_editor.execute("DROP TRIGGER accounts_account_dofd_fixed")
    schema_editor.execute("DROP TABLE arrears_purge_gate")


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_initial"),
        ("audit", "0002_initial"),
        ("accounts", "0002_initial"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
