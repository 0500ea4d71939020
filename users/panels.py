"""Extra sections of an account's page, contributed by other apps.

Dependencies point `wizard -> users` only, so the account page cannot ask the sync for
its history. Instead an app registers a panel (a function of the account returning HTML)
in its AppConfig.ready(); wizard adds "Changes made by syncs" this way.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString

from users.models import User

AccountPanel = Callable[[User], SafeString]

_panels: list[AccountPanel] = []


def register_account_panel(panel: AccountPanel) -> None:
    if panel not in _panels:
        _panels.append(panel)


def account_panels(account: User) -> list[SafeString]:
    """Each registered panel rendered for `account`, in registration order."""
    return [panel(account) for panel in _panels]
