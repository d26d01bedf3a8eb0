"""The database handle and the base of every model."""
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.ext.compiler
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """Timestamps are stored as naive UTC on every dialect."""
    return datetime.now(UTC).replace(tzinfo=None)


class _StraightJoin(sa.sql.expression.Join):
    inherit_cache = True


@sa.ext.compiler.compiles(_StraightJoin, "sqlite")
def _compile_straight_join(element, compiler, **kw):
    # SQLite reads CROSS JOIN as "keep the left table as the outer loop"; with an ON clause it is an
    # inner join. The join compiled here is `left JOIN right ON ...`, so only its first JOIN changes.
    return compiler.visit_join(element, **kw).replace(" JOIN ", " CROSS JOIN ", 1)


def straight_join(left, right, onclause) -> sa.sql.expression.Join:
    """An inner join whose left side drives the query on SQLite (a plain join elsewhere).

    For a page sorted by the left table's index: SQLite's planner otherwise starts from a selective
    index on the right and sorts every match before taking 50.
    """
    return _StraightJoin(sa.inspect(left).selectable, sa.inspect(right).selectable, onclause)
