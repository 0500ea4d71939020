"""Writing many rows, each with its own values, at a cost that grows with the rows only.

Django's `bulk_update` writes one `CASE WHEN id=1 THEN ... WHEN id=2 THEN ...` per field:
PostgreSQL plans (and JIT-compiles) a CASE of thousands of branches, which took 143 s
for 8,689 change rows. On PostgreSQL this sends each field's new values as one array
and joins them by primary key:

    UPDATE t SET f = v.f FROM unnest(%s::integer[], %s::jsonb[]) AS v(id, f) WHERE t.id = v.id

one statement whatever the number of rows, and as many parameters as fields. New rows
whose ids are not needed back go in with `COPY ... FROM STDIN`, PostgreSQL's bulk load,
instead of an `INSERT` with a parameter for every value. Elsewhere (SQLite, in
development) both fall back on Django's bulk methods in batches: correct, not flat.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Field, JSONField, Model

M = TypeVar("M", bound=Model)

FALLBACK_BATCH = 500


def bulk_update_rows(objs: Sequence[M], names: Sequence[str], *, using: str = "default") -> int:
    """Saves the fields `names` of every object in `objs` (all of one model, all saved
    before); returns how many rows were updated."""
    if not objs:
        return 0
    model = type(objs[0])
    connection = connections[using]
    if connection.vendor != "postgresql":
        return model._default_manager.db_manager(using).bulk_update(
            objs, list(names), batch_size=FALLBACK_BATCH
        )
    fields: list[Field[Any, Any]] = [model._meta.get_field(name) for name in names]  # type: ignore[misc]
    pk = model._meta.pk
    assert pk is not None
    assert pk.column is not None
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [pk, *fields]
    arrays = ", ".join(f"%s::{_array_type(field, connection)}" for field in columns)
    aliases = ", ".join(f"c{n}" for n in range(len(columns)))
    sets = ", ".join(
        f"{connection.ops.quote_name(str(field.column))} = v.c{n}"
        for n, field in enumerate(fields, start=1)
    )
    sql = (
        f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({aliases}) "
        f"WHERE {table}.{connection.ops.quote_name(pk.column)} = v.c0"
    )
    params = [[_db_value(field, obj, connection) for obj in objs] for field in columns]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _array_type(field: Field[Any, Any], connection: Any) -> str:
    if isinstance(field, JSONField):
        # Sent as text (a list of Jsonb adapters cannot hold SQL NULLs), cast on the way in.
        return "text[]::jsonb[]"
    return f"{field.cast_db_type(connection)}[]"


def _db_value(field: Field[Any, Any], obj: Model, connection: Any) -> Any:
    value = getattr(obj, field.attname)
    if isinstance(field, JSONField):
        return None if value is None else json.dumps(value, cls=field.encoder)
    return field.get_db_prep_save(value, connection)


def bulk_insert_rows(objs: Sequence[M], *, using: str = "default") -> int:
    """Inserts `objs` (all of one model, new, ids left to the database, which does not
    give them back); returns how many rows were inserted."""
    if not objs:
        return 0
    model = type(objs[0])
    connection = connections[using]
    if connection.vendor != "postgresql":
        model._default_manager.db_manager(using).bulk_create(objs, batch_size=FALLBACK_BATCH)
        return len(objs)
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            for field in fields:  # what an INSERT would save: auto_now_add times, say
                setattr(obj, field.attname, field.pre_save(obj, add=True))
            copy.write_row([_db_value(field, obj, connection) for field in fields])
    return len(objs)
