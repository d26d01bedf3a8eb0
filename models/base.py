"""The database handle and the base of every model."""
import operator
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.ext.compiler
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from web import clock

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
    """Timestamps are stored as naive UTC on every dialect (the app's one clock: web.clock)."""
    return clock.now_utc()


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


def sum_int(column) -> sa.ColumnElement[int]:
    """SUM as an integer: PostgreSQL sums a bigint as numeric, which Python gets as a Decimal."""
    return sa.cast(sa.func.sum(column), sa.BigInteger)


def insert_many(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """One executemany of the table's INSERT, compiled for this database: for bulk work (forming a
    month's lists, the demo data).

    Straight to the driver: SQLAlchemy's per-row parameter handling would cost more than the
    database's own work. Each column type's bind processor still turns values into what SQLAlchemy
    itself would store (dates as text on SQLite, for example). Every row has the first row's keys.
    On PostgreSQL the rows go in by COPY, several times faster than an INSERT per row."""
    if not rows:
        return
    dialect = conn.dialect
    copy = dialect.name == "postgresql"
    # A column the rows leave out gets its scalar Python default here, or the database's default.
    defaults = {c.name: c.default.arg for c in table.columns
                if c.name not in rows[0] and c.default is not None and c.default.is_scalar}
    if defaults:
        rows = [{**row, **defaults} for row in rows]
    compiled = sa.insert(table).compile(dialect=dialect, column_keys=list(rows[0]))
    names = list(compiled.positiontup if compiled.positional else compiled.binds)
    values = operator.itemgetter(*names)
    # only a few columns need converting (dates and booleans on SQLite): convert just those
    convert = [(index, process) for index, name in enumerate(names)
               if (process := table.c[name].type.bind_processor(dialect)) is not None]
    params = []
    for row in rows:
        params_row = list(values(row)) if len(names) > 1 else [values(row)]
        for index, process in convert:
            params_row[index] = process(params_row[index])
        params.append(tuple(params_row) if compiled.positional or copy else dict(zip(names, params_row)))
    if copy:
        quote = dialect.identifier_preparer.quote
        statement = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)}) FROM STDIN"
        with conn.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as stream:
            for params_row in params:
                stream.write_row(params_row)
        return
    conn.exec_driver_sql(str(compiled), params)
