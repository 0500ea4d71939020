"""Reading the XoD response envelope (reference: "Response envelope").

A body is a JSON object of named arrays (`Students`, `Group`, `StudentMembers`...) plus
the meta blocks `meta`, `__pagination__` and `__changedRows__`. Key names are compared
case-insensitively everywhere: the reference only promises the spelling loosely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from misclient.errors import malformed_response

Row = dict[str, Any]

META_KEYS = frozenset({"meta", "__pagination__", "__changedrows__"})
ERROR_KEYS = frozenset({"message", "exceptiontype", "exceptionmessage", "innerexception"})


@dataclass(frozen=True)
class Pagination:
    page_number: int
    page_count: int
    row_count: int = 0


def lower_keys(row: Row) -> Row:
    """The row with its keys lower-cased, for case-insensitive field lookups."""
    return {str(key).lower(): value for key, value in row.items()}


def get_ci(body: Row, key: str) -> Any:
    """`body[key]` ignoring the letter case of the key; None if absent."""
    if key in body:
        return body[key]
    wanted = key.lower()
    return next((value for name, value in body.items() if str(name).lower() == wanted), None)


def exception_message(body: Any) -> str:
    """The body's non-empty `ExceptionMessage`, or "". Any such message is an error,
    whatever the HTTP status was."""
    if not isinstance(body, dict):
        return ""
    text = get_ci(body, "ExceptionMessage")
    return str(text) if text else ""


def data_sets(body: Row) -> dict[str, list[Any]]:
    """Every named array of the body except the meta blocks, keyed by its lower-cased name.
    Plain values beside the arrays are ignored.

    Raises MalformedResponse if a named set is an object where an array belongs.
    """
    sets: dict[str, list[Any]] = {}
    for name, value in body.items():
        key = str(name).lower()
        if key in META_KEYS or key in ERROR_KEYS:
            continue
        if isinstance(value, dict):
            raise malformed_response(f"{name} is not a list")
        if isinstance(value, list):
            sets[key] = value
    return sets


def pagination(body: Row) -> Pagination | None:
    """The `__pagination__` block, or None when the whole set came in one answer.

    `NextPage` is ignored on purpose: it is set even on the last page.
    Raises MalformedResponse if the block is present but unusable.
    """
    block = get_ci(body, "__pagination__")
    if block is None:
        return None
    if isinstance(block, list):
        block = block[0] if block else None
    if not isinstance(block, dict):
        raise malformed_response("the pagination block is not an object")
    try:
        number = int(get_ci(block, "PageNumber"))
        count = int(get_ci(block, "PageCount"))
        rows = int(get_ci(block, "RowCount") or 0)
    except (TypeError, ValueError) as exc:
        raise malformed_response(f"bad pagination numbers: {block}") from exc
    return Pagination(page_number=number, page_count=count, row_count=rows)
