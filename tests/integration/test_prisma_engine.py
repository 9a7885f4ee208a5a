"""The Prisma engine stand-in (devtools/prisma_engine, test and demo infrastructure): each kind
of call LiteLLM makes through prisma-client-py, against LiteLLM's real schema on PostgreSQL.

These run LiteLLM's generated client itself (``from prisma import Prisma``), so what is checked
is what LiteLLM sees: its models, its errors, its raw-query results.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from devtools import litellm_db
from tests.fixtures.databases import scratch
from tests.fixtures.support import Databases


@pytest.fixture(scope="module")
def databases(pg_server: str, templates: dict[str, str]) -> Iterator[Databases]:
    litellm_db.ensure_client()
    with scratch(pg_server, templates, "0.12.4") as found:
        yield found


def run(databases: Databases, body: Callable[[Any], Awaitable[Any]]) -> Any:
    """``body(client)`` with LiteLLM's Prisma client connected through the stand-in."""
    from prisma import Prisma

    async def main() -> Any:
        saved = dict(os.environ)
        os.environ.update(litellm_db.proxy_db_env(databases.admin_litellm_url))
        client = Prisma()
        try:
            await client.connect()
            return await body(client)
        finally:
            if client.is_connected():
                await client.disconnect()
            os.environ.clear()
            os.environ.update(saved)

    return asyncio.run(main())


def stored(databases: Databases, sql: str, *params: Any) -> list[dict[str, Any]]:
    with databases.litellm().cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def test_create_find_update_upsert_delete_and_json_stored_as_objects(
    databases: Databases,
) -> None:
    async def body(db: Any) -> None:
        made = await db.litellm_usertable.create(
            data={
                "user_id": "u-1",
                "user_email": "u1@corp.example",
                "teams": ["t-1"],
                "metadata": json.dumps({"note": "from prisma"}),
            }
        )
        assert made.teams == ["t-1"] and made.metadata == {"note": "from prisma"}
        found = await db.litellm_usertable.find_unique(where={"user_id": "u-1"})
        assert found is not None and found.user_email == "u1@corp.example"
        many = await db.litellm_usertable.find_many(where={"user_email": {"contains": "corp"}})
        assert [u.user_id for u in many] == ["u-1"]
        await db.litellm_usertable.update(
            where={"user_id": "u-1"}, data={"spend": {"increment": 2.5}, "user_alias": "One"}
        )
        await db.litellm_usertable.upsert(
            where={"user_id": "u-2"},
            data={"create": {"user_id": "u-2"}, "update": {"user_alias": "never"}},
        )
        await db.litellm_usertable.upsert(
            where={"user_id": "u-2"},
            data={"create": {"user_id": "u-2"}, "update": {"user_alias": "Two"}},
        )
        deleted = await db.litellm_usertable.delete(where={"user_id": "u-2"})
        assert deleted is not None and deleted.user_alias == "Two"

    run(databases, body)
    rows = stored(
        databases,
        "SELECT user_id, spend, user_alias, jsonb_typeof(metadata) AS kind "
        'FROM "LiteLLM_UserTable"',
    )
    assert rows == [{"user_id": "u-1", "spend": 2.5, "user_alias": "One", "kind": "object"}]


def test_count_group_by_and_many(databases: Databases) -> None:
    async def body(db: Any) -> tuple[Any, ...]:
        await db.litellm_teamtable.create_many(
            data=[
                {"team_id": f"c-{i}", "team_alias": "even" if i % 2 == 0 else "odd"}
                for i in range(5)
            ]
        )
        count = await db.litellm_teamtable.count(where={"team_id": {"startswith": "c-"}})
        groups = await db.litellm_teamtable.group_by(
            by=["team_alias"], where={"team_id": {"startswith": "c-"}}, count=True
        )
        updated = await db.litellm_teamtable.update_many(
            where={"team_alias": "odd"}, data={"blocked": True}
        )
        removed = await db.litellm_teamtable.delete_many(where={"team_alias": "even"})
        return count, groups, updated, removed

    count, groups, updated, removed = run(databases, body)
    assert count == 5
    by_alias = {g["team_alias"]: g["_count"]["_all"] for g in groups}
    assert by_alias == {"even": 3, "odd": 2}
    assert (updated, removed) == (2, 3)


def test_raw_queries_with_the_column_types_litellm_reads(databases: Databases) -> None:
    async def body(db: Any) -> tuple[Any, ...]:
        changed = await db.execute_raw(
            'INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias, members_with_roles) '
            "VALUES ($1, $2, $3::jsonb)",
            "raw-1",
            "Raw",
            json.dumps([{"user_id": "u", "role": "user"}]),
        )
        rows = await db.query_raw(
            "SELECT team_id, members_with_roles, models, created_at, spend "
            'FROM "LiteLLM_TeamTable" WHERE team_id = $1',
            "raw-1",
        )
        # what LiteLLM reads at start: views, with name, regclass and interval columns
        views = await db.query_raw(
            "SELECT viewname, 'pg_class'::regclass AS relation, interval '1 day' AS span "
            "FROM pg_views WHERE schemaname = 'pg_catalog' LIMIT 1"
        )
        return changed, rows, views

    changed, rows, views = run(databases, body)
    assert changed == 1
    assert rows[0]["team_id"] == "raw-1"
    assert rows[0]["members_with_roles"] == [{"user_id": "u", "role": "user"}]
    assert rows[0]["models"] is None  # the column's default is the client's, not the table's
    assert views[0]["relation"] == "pg_class" and views[0]["span"] == "1 day"


def test_batch_and_interactive_transactions_commit_and_roll_back(databases: Databases) -> None:
    async def body(db: Any) -> None:
        async with db.batch_() as batch:
            batch.litellm_organizationtable.create(
                data={
                    "organization_id": "o-1",
                    "organization_alias": "Batch",
                    "created_by": "t",
                    "updated_by": "t",
                    "litellm_budget_table": {"create": {"created_by": "t", "updated_by": "t"}},
                }
            )
            batch.litellm_teamtable.create(data={"team_id": "b-1", "organization_id": "o-1"})
        async with db.tx() as tx:
            await tx.litellm_teamtable.create(data={"team_id": "tx-kept"})
        with pytest.raises(RuntimeError, match="undo"):
            async with db.tx() as tx:
                await tx.litellm_teamtable.create(data={"team_id": "tx-undone"})
                raise RuntimeError("undo")

    run(databases, body)
    teams = stored(
        databases,
        'SELECT team_id FROM "LiteLLM_TeamTable" WHERE team_id IN (%s, %s, %s, %s) ORDER BY 1',
        "b-1",
        "tx-kept",
        "tx-undone",
        "none",
    )
    assert [t["team_id"] for t in teams] == ["b-1", "tx-kept"]


def test_unique_violation_and_not_found_raise_prismas_errors(databases: Databases) -> None:
    from prisma import errors

    async def body(db: Any) -> None:
        await db.litellm_teamtable.create(data={"team_id": "dup"})
        with pytest.raises(errors.UniqueViolationError):
            await db.litellm_teamtable.create(data={"team_id": "dup"})
        with pytest.raises(errors.RecordNotFoundError):
            await db.litellm_teamtable.find_unique_or_raise(where={"team_id": "absent"})
        # prisma-client-py answers None for an update or delete of a missing row (P2025)
        missing = {"team_id": "absent"}
        assert await db.litellm_teamtable.update(where=missing, data={"blocked": True}) is None
        assert await db.litellm_teamtable.delete(where=missing) is None
        assert await db.litellm_teamtable.find_unique(where=missing) is None

    run(databases, body)


def test_the_engine_says_what_it_cannot_translate(databases: Databases) -> None:
    """A request outside what prisma-client-py writes is refused with the reason, not run."""
    from prisma import errors

    async def body(db: Any) -> None:
        query = "query { result: frobnicateLiteLLM_TeamTable { team_id } }"
        with pytest.raises(errors.PrismaError, match="cannot translate"):
            await db._engine.query(json.dumps({"query": query, "variables": {}}), tx_id=None)

    run(databases, body)
