"""purplemash/gunicorn.py's hooks."""

from __future__ import annotations

import ssl
import types

from purplemash import gunicorn as config


def test_a_worker_makes_one_tls_context_for_all_its_connections(monkeypatch):
    """gunicorn's default makes one per connection, reading the certificate and key
    again for every new device."""
    monkeypatch.setattr(config, "_tls_contexts", [])
    made: list[ssl.SSLContext] = []

    def factory() -> ssl.SSLContext:
        made.append(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
        return made[-1]

    contexts = [config.ssl_context(None, factory) for _ in range(3)]

    assert len(made) == 1
    assert all(context is made[0] for context in contexts)


def test_the_settings_are_gunicorns_and_no_control_socket_is_shared():
    """Each lower-case name of the file is one of gunicorn's settings (a misspelt one
    would be ignored), and no server opens the control socket every gunicorn of a user
    would otherwise share."""
    from gunicorn.config import Config

    gunicorn_config = Config()
    names = [
        name
        for name, value in vars(config).items()
        if name.islower()
        and not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"  # from __future__
    ]
    for name in names:
        value = getattr(config, name)
        if callable(value) and name not in gunicorn_config.settings:
            continue  # a helper of the file, not a setting
        assert name in gunicorn_config.settings, name
        gunicorn_config.set(name, value)
    assert gunicorn_config.control_socket_disable is True
