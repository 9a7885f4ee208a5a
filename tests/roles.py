"""The least-privilege roles the tests run the bridge under (`litellm-bridge grants`)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from litellm_bridge_plugin.grants import grants_sql

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
    parts = urlsplit(admin_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{role}:{BRIDGE_PASSWORD}@{host}"))
