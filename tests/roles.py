"""The least-privilege roles the tests run the bridge under (`litellm-bridge grants`)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from litellm_bridge_plugin.ops.role_grants import grants_sql

# The bridge runs under these least-privilege roles in the tests (`litellm-bridge grants`);
# the tests' own checks and LiteLLM's writes use the server's admin role.
BRIDGE_ROLES = {"litellm": "bridge_test_litellm", "openwebui": "bridge_test_openwebui"}
BRIDGE_PASSWORD = "bridge-test-password"


def as_bridge(admin_url: str, database: str) -> str:
    """Give the bridge's role its rights on the database; return the role's URL."""
    role = BRIDGE_ROLES[database]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(grants_sql(database, role).encode())
        conn.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(BRIDGE_PASSWORD)
            )
        )
    return _login_url(admin_url, role)


def plain_role(admin_url: str, role: str) -> str:
    """A login role that owns nothing and has no right beyond PUBLIC's (the caller grants
    what it needs); return its URL. Drop it with :func:`drop_role`."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(BRIDGE_PASSWORD)
            )
        )
    return _login_url(admin_url, role)


def drop_role(admin_url: str, role: str) -> None:
    """Drop a :func:`plain_role` and its grants (held in ``admin_url``'s database only)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _login_url(admin_url: str, role: str) -> str:
    parts = urlsplit(admin_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{role}:{BRIDGE_PASSWORD}@{host}"))
