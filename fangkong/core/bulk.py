"""Plain multi-row INSERTs for the set-based writers (the ledger import, a lab's results raising
key persons): the ORM's bulk_create prepares every value through several layers of Python, which
took two thirds of an import's time."""

from django.db import connections, router

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
            import sqlite3

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
