"""The performance plumbing, in one place, behind named functions, so that the services that
use it (the ledger import, a scan, a lab's results raising key persons) read as their rules.

Each piece replaced a slower ORM path that was measured (the figures are in the docstrings and
in benchmarks/): plain SQL for lookups by their own keys, multi-row INSERTs and COPY for writes,
an ``IN`` that takes values as they are, the cycle collector at chunk boundaries, SQLite's page
cache for one long transaction, and a compiled query kept with slots for its ids. None of them
returns personal data by itself or decides scope: the callers' querysets still go through
``visible_to``.
"""

import gc
import sqlite3
from contextlib import contextmanager

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, router
from django.db.models import F
from django.db.models.lookups import In

# --- plain statements ---------------------------------------------------------------------------


def table(model) -> str:
    """The model's table name, quoted for the default connection."""
    return connection.ops.quote_name(model._meta.db_table)


def rows(sql: str, params) -> list[tuple]:
    """All rows of one plain statement."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute_many(sql: str, params_list) -> None:
    """One statement for many parameter tuples (SQLite: a C loop over one prepared statement)."""
    with connection.cursor() as cursor:
        cursor.executemany(sql, params_list)


def marks(values) -> str:
    """``%s, %s, ...``: one placeholder a value."""
    return ", ".join(["%s"] * len(values))


def in_list(column: str, values) -> tuple[str, list]:
    """``column IN (...)`` and its parameters for a plain statement; on PostgreSQL
    ``= ANY(array)``, one parameter however many values (psycopg scans the SQL text for
    placeholders at every execution)."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({marks(values)})", values


ROWS_PER_INSERT = 100  # up to this many a multi-row INSERT; more, on PostgreSQL, a COPY


def insert_rows(model, columns, values) -> None:
    """Append rows of prepared values (one tuple a row, in ``columns`` order) in as few
    statements as fit: a plain multi-row INSERT for a few (one round trip: a COPY takes two), a
    COPY on PostgreSQL for more (for thousands, building and binding an INSERT costs more than
    the rest of the work). A unique conflict raises Django's IntegrityError either way."""
    name, names = table(model), ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(values) > ROWS_PER_INSERT:
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        one = f"({marks(columns)})"
        for start in range(0, len(values), ROWS_PER_INSERT):  # SQLite's limit on parameters
            chunk = values[start:start + ROWS_PER_INSERT]
            cursor.execute(f"INSERT INTO {name} ({names}) VALUES {', '.join([one] * len(chunk))}",
                           [value for row in chunk for value in row])


# --- an IN lookup that takes its values as they are ---------------------------------------------


class ValuesIn(In):
    """``column IN (values)`` for values that already have the column's Python type (str for
    text, int for keys), sent as they are. Django's In prepares every value through several calls
    (get_prep_value, resolve_expression_parameter, get_db_prep_value): for a chunk's 4,000 ID
    numbers, 4,000 names and 1,300 households, building the SQL took 6 % of a 20,000-row import,
    measured. The SQL and parameters are the same as the ORM's ``__in`` gives
    (tests/registry/test_import_fastpath.py); None is left out and an empty list matches
    nothing, as there."""

    def get_prep_lookup(self):
        return [value for value in self.rhs if value is not None]

    def process_rhs(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        return "(" + ", ".join(["%s"] * len(self.rhs)) + ")", list(self.rhs)


def values_in(column: str, values) -> ValuesIn:
    """A filter expression: ``Model.objects.filter(values_in("id_number", numbers))``."""
    return ValuesIn(F(column), values)


# --- long set-based writes ----------------------------------------------------------------------


class CollectAtChunks:
    """Python's cycle collector at chunk boundaries instead of every few hundred allocations.

    An import allocates millions of short-lived objects (cells, rows, values, audit changes) while
    a Django process holds some 300,000 long-lived ones; the automatic collector kept running,
    each full pass walking all of them, and took about a quarter of a 20,000-row import (0.7 s of
    3 s, measured). The import's own objects are freed by reference counting as each chunk ends,
    so while it runs the automatic collector is off, and after each chunk the young generations
    are collected (a few milliseconds), and everything every FULL_EVERY chunks: memory stays flat
    however long the file. The collector is process-wide, so other threads' garbage is collected
    at the same points. It is switched back on at the end, also on an error."""

    FULL_EVERY = 50

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        self.chunks = 0
        gc.disable()
        return self

    def chunk_done(self):
        if self.was_enabled:
            self.chunks += 1
            gc.collect(2 if self.chunks % self.FULL_EVERY == 0 else 1)

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()


SQLITE_CACHE_KIB = 64 * 1024


@contextmanager
def sqlite_page_cache(model):
    """On SQLite, a larger page cache while one long transaction on ``model``'s database runs.
    With the default 2 MB, the indexes of a large import spill from the cache again and again,
    and each spill appends the same pages to the write-ahead log once more: a million-row import
    grew the log to gigabytes and slowed to a crawl. Other databases are left alone."""
    db = connections[router.db_for_write(model)]
    if db.vendor != "sqlite":
        yield
        return
    with db.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with db.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


# --- a compiled query with slots for its ids ----------------------------------------------------

ID_SLOT = -(10**12)  # stands for the k-th id while compiling: no id is negative


class SlotQuery:
    """A queryset compiled once, with ``count`` slots for the ids that change between runs.

    Building and compiling a scoped ORM query is most of a single scan's CPU, and the query is
    the same every time but for the person id. ``build(slots)`` returns the values_list queryset
    with ``slots`` (negative placeholders) where the ids go; ``run(ids)`` puts the ids in and
    converts the rows as the ORM would. Whoever keeps one must key it on everything ``build``
    reads (see testing.scanning, which records what it reads)."""

    def __init__(self, build, count: int):
        slots = [ID_SLOT - k for k in range(count)]
        queryset = build(slots)
        self.compiler = queryset.query.get_compiler(connection=connection)
        try:
            sql, params = self.compiler.as_sql()
        except EmptyResultSet:  # a filter that matches nobody (a user who reaches no one)
            sql, params = None, ()
        wanted = set(slots)
        where = {value: i for i, value in enumerate(params) if isinstance(value, int) and value in wanted}
        self.sql, self.params = sql, list(params)
        self.slots = [where[slot] for slot in slots] if sql else []

    def run(self, ids) -> list[tuple]:
        if self.sql is None:
            return []
        params = list(self.params)
        for slot, value in zip(self.slots, ids, strict=True):
            params[slot] = value
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        return list(self.compiler.results_iter(results=[fetched], tuple_expected=True))


# --- many rows of one model ---------------------------------------------------------------------

# Fields whose Python values the database drivers take as they are: no conversion needed.
_PLAIN_FIELDS = {"CharField", "TextField", "SlugField", "IntegerField", "SmallIntegerField", "BigIntegerField",
                 "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField", "BooleanField",
                 "ForeignKey", "OneToOneField", "EmailField", "URLField"}


class BulkInsert:
    """INSERT many rows of one model with plain values, in as few statements as the database takes.

    Why not bulk_create: measured on a 20,000-row ledger, the ORM's insert compiler spent about
    two thirds of the import's time preparing values one at a time through several layers of
    Python, and on SQLite it cuts every insert into batches of ~50 rows (it assumes the old
    999-parameter limit). The rows written here are plain: no save() logic beyond what the
    importer does itself (the search keys of Person.search_keys), no signals. Values that need
    the database's form (dates, datetimes, JSON) go through the field's own get_db_prep_save, so
    every database gets exactly what the ORM would have sent; the rest are passed as they are.

    ``rows()`` inserts tuples of prepared values (append-only tables: audit, timeline, residences,
    tags); ``insert_returning()`` inserts rows of raw values and returns their primary keys."""

    def __init__(self, model, names=None):
        self.model = model
        self.connection = connections[router.db_for_write(model)]
        if names is None:
            names = [f.name for f in model._meta.concrete_fields if not f.primary_key]
        self.fields = {name: model._meta.get_field(name) for name in names}
        quote = self.connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(field.column) for field in self.fields.values())
        self.marks = "(" + ", ".join(["%s"] * len(names)) + ")"
        self.sql = f"INSERT INTO {self.table} ({self.columns}) VALUES {self.marks}"
        # The fields whose Python values the drivers take as they are.
        self.plain = {name for name, field in self.fields.items() if field.get_internal_type() in _PLAIN_FIELDS}
        self._prepared: dict = {}

    def prepare(self, name, value):
        return self.fields[name].get_db_prep_save(value, self.connection)

    def prepare_cached(self, name, value):
        """prepare() for a (hashable) value that repeats (the import's time, birth dates): each
        distinct value is prepared once. Dates are at most ~50,000 distinct values, so the memo
        stays small however long the file."""
        key = (name, value)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepared[key] = self.prepare(name, value)
        return prepared

    def json(self, name, value):
        """A JSON field's value for the database: what its get_db_prep_save gives for a dict of
        plain strings, without the layers in between."""
        return self.connection.ops.adapt_json_value(value, self.fields[name].encoder)

    def rows(self, rows):
        """Insert tuples of prepared values (append-only rows: no primary keys back)."""
        if not rows:
            return
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                # COPY: a multi-row INSERT of thousands of rows is parsed for its placeholders on
                # the client every time (psycopg caches only short statements): 4 s of a
                # 95,000-tube results import went into that.
                with self.connection.wrap_database_errors, cursor.cursor.copy(
                        f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            # SQLite's executemany is a C loop over one prepared statement: nothing is faster there.
            cursor.executemany(self.sql, rows)

    def _max_params(self) -> int:
        raw = getattr(self.connection, "connection", None)
        if self.connection.vendor == "sqlite" and hasattr(raw, "getlimit"):
            return raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return self.connection.features.max_query_params or 65535

    def returns_rows(self) -> bool:
        return self.connection.features.can_return_rows_from_bulk_insert

    def insert_returning(self, rows: list[list]) -> list:
        """Insert rows of raw values (one per field, in order) and return their primary keys, in
        the same order. Multi-row INSERT ... RETURNING where the database has it (SQLite 3.35+,
        PostgreSQL); elsewhere one save at a time."""
        if not rows:
            return []
        connection = self.connection
        if not self.returns_rows():
            pks = []
            for row in rows:
                obj = self.model(**{field.attname: value for field, value in zip(self.fields.values(), row,
                                                                                 strict=True)})
                obj.save_base(raw=True, force_insert=True)
                pks.append(obj.pk)
            return pks
        # Values that need the database's form (here: dates and the import's time) repeat, so
        # each distinct one is prepared once; the rest pass as they are.
        width = len(self.fields)
        converted = [(index, name) for index, name in enumerate(self.fields) if name not in self.plain]
        prepare = self.prepare_cached
        values = []
        for row in rows:
            if len(row) != width:
                raise ValueError(f"a row of {len(row)} values for {width} columns")
            start = len(values)
            values.extend(row)
            for index, name in converted:
                value = values[start + index]
                if value is not None:
                    values[start + index] = prepare(name, value)
        per_statement = max(1, min(len(rows), self._max_params() // width, 2000))
        pk = connection.ops.quote_name(self.model._meta.pk.column)
        pks = []
        with connection.cursor() as cursor:
            for start in range(0, len(rows), per_statement):
                count = min(per_statement, len(rows) - start)
                sql = (f"INSERT INTO {self.table} ({self.columns}) VALUES "
                       + ", ".join([self.marks] * count) + f" RETURNING {pk}")
                cursor.execute(sql, values[start * width:(start + count) * width])
                returned = [pk_value for (pk_value,) in cursor.fetchall()]
                if len(returned) != count:
                    raise RuntimeError("INSERT ... RETURNING gave back a different number of rows")
                pks.extend(returned)
        return pks
