"""The database the migrations build: same as the models, tuned, append-only audit log, seeded codes."""
import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models import db


def test_database_is_the_one_asked_for(connection):
    expected = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    assert connection.dialect.name == expected


def test_migrations_build_the_schema_the_models_describe(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []


def test_the_database_connection_is_tuned(connection):
    if connection.dialect.name == "sqlite":
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    else:
        assert connection.dialect.name == "postgresql"
        assert connection.exec_driver_sql("SHOW server_encoding").scalar() == "UTF8"


def test_foreign_keys_are_enforced(connection):
    with pytest.raises(sa.exc.IntegrityError), connection.begin_nested():
        connection.execute(sa.text("INSERT INTO person_notes (person_id, created_at, text) "
                                   "VALUES (999999999, CURRENT_TIMESTAMP, 'x')"))


def _audit_row(connection) -> int:
    connection.execute(sa.text(
        "INSERT INTO audit_log (at, actor, action, entity, summary) "
        "VALUES (CURRENT_TIMESTAMP, 'system', 'read', 'person', 'Medlemskort lest')"
    ))
    return connection.execute(sa.text("SELECT max(id) FROM audit_log")).scalar()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET summary = 'endret i ettertid' WHERE id = :id",
    "DELETE FROM audit_log WHERE id = :id",
])
def test_the_audit_log_is_append_only_in_the_database(connection, statement):
    row_id = _audit_row(connection)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with connection.begin_nested():
            connection.execute(sa.text(statement), {"id": row_id})
    summary = connection.execute(sa.text("SELECT summary FROM audit_log WHERE id = :id"), {"id": row_id}).scalar()
    assert summary == "Medlemskort lest"


def test_the_audit_log_is_append_only_through_the_orm(session):
    from models import AuditLog

    row = AuditLog(actor="system", action="read", entity="person", summary="Medlemskort lest")
    session.add(row)
    session.flush()
    row.summary = "endret i ettertid"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()


def test_the_code_tables_are_seeded(connection):
    def column(sql):
        return [row[0] for row in connection.execute(sa.text(sql))]

    assert column("SELECT code FROM dues_codes ORDER BY code") == sorted("YALOMUPW")
    assert column("SELECT code FROM enrollment_codes ORDER BY code") == [0, 1, 6, 7]
    assert column("SELECT code FROM withdrawal_codes ORDER BY code") == [1, 2, 4, 5, 6, 7, 8]
    assert column("SELECT number FROM sections ORDER BY number") == [1, 2, 3, 4]


def test_the_rate_history_loaded_by_the_migration_is_the_unions(app_ctx):
    """The data migration and rules.dues.RATE_HISTORY (DOMAIN.md section 7) say the same."""
    from models.dues import rate_history
    from rules.dues import RATE_HISTORY

    assert rate_history() == RATE_HISTORY
