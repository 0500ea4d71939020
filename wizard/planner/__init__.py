"""The pure sync planner: `build_plan(snapshot, accounts, settings, decisions)`.

Types are in `wizard.planner.types`, the words of errors and holds in
`wizard.planner.reasons`, NC years and mapping suggestions in `wizard.planner.years`.
"""

from __future__ import annotations

from wizard.planner.build import build_plan

__all__ = ["build_plan"]
