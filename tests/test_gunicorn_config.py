"""purplemash/gunicorn.py's hooks."""

from __future__ import annotations

import ssl

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
