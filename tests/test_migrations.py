"""Migrations on a database that already holds a union's data, as in production."""
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from models import db

from .conftest import database_url

FIRST = "4add1154bf4a"

ROWS = [
    "INSERT INTO counties (id, number, name) VALUES (1, 46, 'Vestland')",
    "INSERT INTO branches (id, number, name, county_id) VALUES (1, 4601, 'Bergen', 1)",
    "INSERT INTO employers (id, orgnr, name, name_key) VALUES (1, '974760673', 'Helse Bergen', 'helse bergen')",
    "INSERT INTO workplaces (id, employer_id, number, name, branch_id) VALUES (1, 1, 1, 'Sengepost', 1)",
    "INSERT INTO persons (id, national_id, first_name, last_name, name_key, return_mail, created_at, updated_at,"
    " version) VALUES (1, '21047725078', 'Åse', 'Ødegård', 'ødegård åse', false, '2026-01-01', '2026-01-01', 1)",
    "INSERT INTO memberships (id, person_id, member_number, membership_type, apprentice, branch_id, start_date,"
    " enrollment_code) VALUES (1, 1, 5001, 'main', false, 1, '2015-01-01', 0)",
    "INSERT INTO dues_code_periods (id, membership_id, code, from_date) VALUES (1, 1, 'Y', '2015-01-01')",
    "INSERT INTO employments (id, membership_id, workplace_id, position_bp, from_date, payment_method)"
    " VALUES (1, 1, 1, 10000, '2015-01-01', 'deduction')",
    "INSERT INTO insurance_periods (id, membership_id, kind, reserved, from_date)"
    " VALUES (1, 1, 'home', false, '2015-01-01')",
    "INSERT INTO audit_log (id, at, actor, action, entity, summary, person_id)"
    " VALUES (1, '2026-01-01', 'system', 'read', 'person', 'lest', 1)",
]


def test_every_migration_upgrades_a_database_with_data_and_downgrades(tmp_path_factory):
    app = create_app({"TESTING": True, "SECRET_KEY": "test",
                      "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory, "migrations")})
    with app.app_context():
        upgrade(revision=FIRST)
        with db.engine.begin() as connection:
            for statement in ROWS:
                connection.execute(sa.text(statement))
        upgrade()
        with db.engine.connect() as connection:
            row = connection.execute(sa.text(
                "SELECT p.last_name, m.member_number, m.version, e.position_bp FROM memberships m "
                "JOIN persons p ON p.id = m.person_id JOIN employments e ON e.membership_id = m.id"
            )).one()
            assert tuple(row) == ("Ødegård", 5001, 1, 10000)
            assert connection.execute(sa.text("SELECT count(*) FROM dues_rates")).scalar() == 2
        downgrade(revision=FIRST)
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM memberships")).scalar() == 1
        downgrade(revision="base")
        upgrade()
        db.engine.dispose()
