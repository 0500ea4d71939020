"""Template filters that put a sync's data in the school's words."""

from __future__ import annotations

from typing import Any

from django import template

from wizard.planner.years import NC_YEAR_CODES, nc_year_name
from wizard.views.summary import CATEGORY_LABELS, change_words

register = template.Library()


@register.filter
def year_name(value: str) -> str:
    """An NC code as the school says it ("6" -> "Year 6"); an MIS year name as it is."""
    return nc_year_name(value) if value in NC_YEAR_CODES else value


@register.filter
def in_words(planned: dict[str, Any]) -> list[str]:
    """What a change row's plan line changes, in words (see summary.change_words)."""
    return change_words(planned)


@register.filter
def kind_label(kind: str) -> str:
    """A change row's kind as the summary names it ("leaver" -> "Leavers (archived)")."""
    return CATEGORY_LABELS.get(kind, kind)  # type: ignore[call-overload]
