"""`bench_sync --compare`: the same pupils created by other means, as yardsticks.

- django-import-export: a ModelResource on the same User model keyed on the MIS
  identity (the external id, within the school), hashing and encrypting the same
  credentials; a dry-run preview, then a real import, with and without `use_bulk`;
- a bare `bulk_create`, with and without credentials.

Each from an empty school. django-import-export is a development requirement only, so it
is imported here, when asked for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from users import crypto
from users.credentials import generate_password, hash_pupil_password
from users.models import School, User
from wizard.services.accounts import passwords_hashed

PASSWORD_FORMAT = "word_digits"
COLUMNS = ["mis_external_id", "mis_id", "upn", "forename", "surname", "username"]


def pupil_rows(dataset: dict[str, Any]) -> list[dict[str, str]]:
    """The generated school's pupils as flat rows, with a username each."""
    rows = []
    for n, student in enumerate(dataset["schools"][0]["Students"]):
        forename, surname = student.get("Forename") or "", student.get("Surname") or ""
        rows.append(
            {
                "mis_external_id": str(student.get("ExternalId") or student["Id"]),
                "mis_id": str(student["Id"]),
                "upn": str(student.get("UPN") or ""),
                "forename": forename[:150],
                "surname": surname[:150],
                "username": f"{forename[:8]}{surname[:1]}{n}",
            }
        )
    return rows


def _credentials(user: User) -> None:
    password = generate_password(PASSWORD_FORMAT)
    user.password = hash_pupil_password(password)
    user.password_format = PASSWORD_FORMAT
    user.printable_password = crypto.encrypt(password)


def _bulk_create(school: School, rows: list[dict[str, str]], credentials: bool) -> None:
    users = [User(school=school, role=User.Role.PUPIL, mis_source="xod", **row) for row in rows]
    if credentials:
        # Hashed as the engine hashes them (on every core): the floor for the same work.
        passwords = [generate_password(PASSWORD_FORMAT) for _ in users]
        for user, password, hashed in zip(
            users, passwords, passwords_hashed(passwords), strict=True
        ):
            user.password = hashed
            user.password_format = PASSWORD_FORMAT
            user.printable_password = crypto.encrypt(password)
    User.objects.bulk_create(users)


def _resource(school: School, bulk: bool) -> Any:
    from import_export import resources
    from import_export.instance_loaders import CachedInstanceLoader

    class PupilResource(resources.ModelResource):
        class Meta:
            model = User
            fields = COLUMNS
            import_id_fields = ["mis_external_id"]
            instance_loader_class = CachedInstanceLoader
            skip_unchanged = True
            use_bulk = bulk
            batch_size = 1000

        def get_queryset(self) -> Any:
            return User.objects.filter(school=school)

        def before_save_instance(self, instance: User, row: Any, **kwargs: Any) -> None:
            instance.school = school
            instance.role = User.Role.PUPIL
            instance.mis_source = "xod"
            if not instance.pk:
                _credentials(instance)

    return PupilResource()


def _import(school: School, rows: list[dict[str, str]], *, bulk: bool, dry_run: bool) -> None:
    import tablib

    data = tablib.Dataset(*[[row[c] for c in COLUMNS] for row in rows], headers=COLUMNS)
    result = _resource(school, bulk).import_data(data, dry_run=dry_run, raise_errors=True)
    if result.has_errors():
        raise ValueError("django-import-export reported errors")


def yardsticks(school_empty: Callable[[], School], rows: list[dict[str, str]]) -> dict[str, float]:
    """Seconds each way takes to create `rows` as pupils in an empty school."""
    ways: dict[str, Callable[[School], None]] = {
        "bulk_create": lambda school: _bulk_create(school, rows, False),
        "bulk_create + credentials": lambda school: _bulk_create(school, rows, True),
        "import-export preview (dry run)": lambda school: _import(
            school, rows, bulk=False, dry_run=True
        ),
        "import-export import": lambda school: _import(school, rows, bulk=False, dry_run=False),
        "import-export preview, use_bulk": lambda school: _import(
            school, rows, bulk=True, dry_run=True
        ),
        "import-export import, use_bulk": lambda school: _import(
            school, rows, bulk=True, dry_run=False
        ),
    }
    found = {}
    for name, way in ways.items():
        school = school_empty()
        start = time.perf_counter()
        way(school)
        found[name] = time.perf_counter() - start
        created = User.objects.filter(school=school, role=User.Role.PUPIL).count()
        expected = 0 if "preview" in name else len(rows)
        if created != expected:
            raise ValueError(f"{name}: {created} pupils created, not {expected}")
    return found
