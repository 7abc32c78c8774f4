"""Posts and their targets over one connection (the unit of work's transaction)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Table,
    Text,
    Update,
    and_,
    any_,
    bindparam,
    case,
    cast,
    column,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy import post_mappers as mappers
from adapters.persistence.sqlalchemy.driver import DriverStatement
from adapters.persistence.sqlalchemy.locks import lock_rows
from adapters.persistence.sqlalchemy.loop import driver_of
from adapters.persistence.sqlalchemy.pg_driver import PgStatement, is_asyncpg
from adapters.persistence.sqlalchemy.tables import post_targets, posts
from application.ports.posts import PartProgress, PostFilter, PostRepository
from domain.post import Post, PostStatus
from domain.post_target import PostTarget, TargetStatus

_T = post_targets.alias("t")

# Saving writes every column an entity can change, by primary key, as one executemany per
# table; built once (see integrations.py on why).
_FIXED = {"id", "post_id", "workspace_id", "created_at"}


def _save_statement(table: Table) -> Update:
    names = [c.name for c in table.columns if c.name not in _FIXED]
    return (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values({name: bindparam(name) for name in names})
    )


_SAVE_POSTS, _SAVE_TARGETS = _save_statement(posts), _save_statement(post_targets)


def _save_at_once_statement(table: Table) -> Update:
    """PostgreSQL: what `_save_statement` writes, for many rows in one statement: each
    column's values as one array parameter (`a_` and the column's name), the rows `unnest` of
    them. One execution, so the table's statement triggers run once, not once a row."""
    keys = ["id", *(c.name for c in table.columns if c.name not in _FIXED)]
    given = (
        func.unnest(*(cast(bindparam(f"a_{k}", type_=ARRAY(table.c[k].type)),
                           ARRAY(table.c[k].type)) for k in keys))
        .table_valued(*(column(k, table.c[k].type) for k in keys))
        .render_derived(name="given")
    )  # fmt: skip
    return update(table).where(table.c.id == given.c.id).values({k: given.c[k] for k in keys[1:]})


# On asyncpg directly (pg_driver.py): the targets an outcome records, read and locked, then
# written in one statement.
_SAVE_TARGETS_AT_ONCE = PgStatement(_save_at_once_statement(post_targets))
_SAVE_TARGETS_AT_ONCE_KEYS = ["id", *(c.name for c in post_targets.columns if c.name not in _FIXED)]
# Values as parameters, not `.values(row)`: a statement built per call cost more to build
# and to find in the compiled cache than the insert itself.
_ADD_POST, _ADD_TARGETS = insert(posts), insert(post_targets)
# SQLite, a unit on the loop: the same two statements on the driver (driver.py).
_ADD_POST_DRIVER, _ADD_TARGETS_DRIVER = DriverStatement(_ADD_POST), DriverStatement(_ADD_TARGETS)


@functools.cache
def _add_in_one(post_keys: tuple[str, ...], target_keys: tuple[str, ...]) -> Any:
    """PostgreSQL: a post and its one target in one statement (the post's INSERT as a
    data-modifying CTE; the target's foreign key is checked at the statement's end, when the
    post is there), one round trip instead of two. Built once per shape. Only for one
    target: SQLAlchemy caches no compiled multi-row VALUES, and compiling costs more
    than the round trip saved; several targets go in one executemany instead."""
    post = insert(posts).values({k: bindparam(f"p_{k}", type_=posts.c[k].type) for k in post_keys})
    target = {k: bindparam(f"t_{k}", type_=post_targets.c[k].type) for k in target_keys}
    return insert(post_targets).values(target).add_cte(post.cte("added_post"))


@functools.cache
def _on_asyncpg(statement: Any) -> PgStatement:
    """A statement built once (`_add_in_one`), to run on asyncpg directly (pg_driver.py)."""
    return PgStatement(statement)


_TARGETS = select(post_targets).where(post_targets.c.id.in_(bindparam("ids", expanding=True)))
# Read and locked in one statement, in primary-key order as `lock_rows` locks (SQLite
# renders no FOR UPDATE: its transaction holds the write lock already).
_TARGETS_LOCKED = _TARGETS.order_by(post_targets.c.id).with_for_update()
# The same two on asyncpg directly (pg_driver.py): the ids as one array, for any count.
_TARGET_IDS = post_targets.c.id == any_(bindparam("ids", type_=ARRAY(post_targets.c.id.type)))
_TARGETS_ON_ASYNCPG = PgStatement(select(post_targets).where(_TARGET_IDS))
_TARGETS_LOCKED_ON_ASYNCPG = PgStatement(
    select(post_targets).where(_TARGET_IDS).order_by(post_targets.c.id).with_for_update()
)
_POSTS = select(posts).where(posts.c.id.in_(bindparam("ids", expanding=True)))
_TARGETS_OF = (
    select(post_targets)
    .where(post_targets.c.post_id.in_(bindparam("ids", expanding=True)))
    .order_by(post_targets.c.post_id, post_targets.c.id)
)


_PUBLISHING = TargetStatus.PUBLISHING.value


def _stored_parts(dialect: str) -> ColumnElement[Any]:
    """How many parts a target's `parts` JSON stores (NULL for a row from before parts)."""
    if dialect == "postgresql":
        return func.jsonb_array_length(cast(post_targets.c.parts, JSONB)["parts"])
    return func.json_array_length(post_targets.c.parts, "$.parts")


def _parts_written(dialect: str) -> ColumnElement[Any]:
    """The `parts` JSON with part `_index` published as `_pid`, `_url`, `_cid`, the rest of
    the text as stored (the database edits it in place)."""
    if dialect == "postgresql":
        return cast(
            text(
                "jsonb_set(CAST(post_targets.parts AS jsonb),"
                " ARRAY['parts', CAST(CAST(:_index AS integer) AS text)],"
                " (CAST(post_targets.parts AS jsonb) -> 'parts' -> CAST(:_index AS integer))"
                " || jsonb_build_object('status', 'published',"
                " 'platform_post_id', CAST(:_pid AS text),"
                " 'platform_post_url', CAST(:_url AS text), 'cid', CAST(:_cid AS text)))"
            ),
            Text,
        )
    return func.json_set(
        post_targets.c.parts,
        bindparam("_status_at"), literal_column("'published'"),
        bindparam("_pid_at"), bindparam("_pid"),
        bindparam("_url_at"), bindparam("_url"),
        bindparam("_cid_at"), bindparam("_cid"),
    )  # fmt: skip


@functools.cache
def write_parts_statement(dialect: str) -> Update:
    """Built once per dialect. Its own conditions are those `write_parts` checks, so where
    the driver counts each row of an executemany (SQLite), all written means all applied."""
    t = post_targets
    first = bindparam("_index", type_=Integer) == 0
    return (
        update(t)
        .where(
            t.c.id == bindparam("_id"),
            t.c.status == _PUBLISHING,
            t.c.attempts == bindparam("_attempt"),
            _stored_parts(dialect) > bindparam("_index", type_=Integer),
        )
        .values(
            parts=_parts_written(dialect),
            platform_post_id=case((first, bindparam("_pid")), else_=t.c.platform_post_id),
            platform_post_url=case((first, bindparam("_url")), else_=t.c.platform_post_url),
            lease_expires_at=bindparam("_lease", type_=t.c.lease_expires_at.type),
            updated_at=bindparam("_at", type_=t.c.updated_at.type),
        )
    )


def _any_target(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """A target of the post meeting `conditions`, asked post by post as the listing walks
    the workspace's posts newest first. A target's workspace is its post's; saying so lets
    `ix_post_targets_by_status` answer each question from the index alone. `OFFSET 0`
    keeps PostgreSQL from turning the question into a join that starts from every target
    in the status (of the database, or of the workspace): that costs the number of such
    targets, where walking the posts stops at the page's end (docs/decisions.md)."""
    same_post = (_T.c.post_id == posts.c.id, _T.c.workspace_id == posts.c.workspace_id)
    return (
        select(literal_column("1"))
        .select_from(_T)
        .where(*same_post, *conditions)
        .offset(0)
        .exists()
    )


def status_condition(status: PostStatus) -> ColumnElement[bool]:
    """The derived status (domain.post.derive_status) as SQL. Targets become canceled only
    with their post, so `canceled_at` alone says canceled."""
    live = posts.c.canceled_at.is_(None)
    timed = and_(live, posts.c.scheduled_at.is_not(None))
    unsent = _T.c.status.in_(("pending", "publishing"))
    conditions: dict[PostStatus, ColumnElement[bool]] = {
        PostStatus.CANCELED: posts.c.canceled_at.is_not(None),
        PostStatus.DRAFT: and_(live, posts.c.scheduled_at.is_(None)),
        PostStatus.SCHEDULED: and_(timed, ~_any_target(_T.c.status != "pending")),
        PostStatus.PUBLISHING: and_(
            timed, _any_target(unsent), _any_target(_T.c.status != "pending")
        ),
        PostStatus.PUBLISHED: and_(timed, ~_any_target(_T.c.status != "published")),
        PostStatus.FAILED: and_(timed, ~_any_target(unsent), _any_target(_T.c.status == "failed")),
    }
    return conditions[status]


class SqlAlchemyPostRepository(PostRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, post: Post) -> None:
        row = mappers.post_to_row(post)
        targets = [mappers.target_to_row(post, t) for t in post.targets]
        driver = driver_of(self.conn)
        if driver is not None:
            _ADD_POST_DRIVER.execute(driver, row)
            _ADD_TARGETS_DRIVER.execute_many(driver, targets)
            return
        if len(targets) == 1 and self.conn.dialect.name == "postgresql":
            statement = _add_in_one(tuple(row), tuple(targets[0]))
            params = {f"p_{k}": v for k, v in row.items()}
            params.update({f"t_{k}": v for k, v in targets[0].items()})
            if is_asyncpg(self.conn):
                await _on_asyncpg(statement).execute(self.conn, params)
            else:
                await self.conn.execute(statement, params)
            return
        await self.conn.execute(_ADD_POST, row)
        if targets:
            await self.conn.execute(_ADD_TARGETS, targets)

    async def save(self, post: Post) -> None:
        await self.save_many([post])

    async def save_many(self, posts: Sequence[Post]) -> None:
        if not posts:
            return
        await self.conn.execute(_SAVE_POSTS, [_by_key(mappers.post_to_row(p)) for p in posts])
        await self.conn.execute(
            _SAVE_TARGETS,
            [_by_key(mappers.target_to_row(p, t)) for p in posts for t in p.targets],
        )

    async def get(
        self, workspace_id: UUID, post_id: UUID, *, for_update: bool = False
    ) -> Post | None:
        return await self._one(post_id, workspace_id, for_update)

    async def get_any(self, post_id: UUID, *, for_update: bool = False) -> Post | None:
        return await self._one(post_id, None, for_update)

    async def get_many(self, post_ids: Collection[UUID], *, for_update: bool = False) -> list[Post]:
        if not post_ids:
            return []
        ids = list(post_ids)
        if for_update:
            await lock_rows(self.conn, post_targets, post_targets.c.post_id.in_(ids))
            await lock_rows(self.conn, posts, posts.c.id.in_(ids))
        rows = (await self.conn.execute(_POSTS, {"ids": ids})).mappings().all()
        return await _with_targets(self.conn, rows)

    async def get_targets(
        self, target_ids: Collection[UUID], *, for_update: bool = False
    ) -> list[PostTarget]:
        if not target_ids:
            return []
        if is_asyncpg(self.conn):
            on_asyncpg = _TARGETS_LOCKED_ON_ASYNCPG if for_update else _TARGETS_ON_ASYNCPG
            found = await on_asyncpg.rows(self.conn, {"ids": list(target_ids)})
            return [mappers.target_from_row(row) for row in found]
        query = _TARGETS_LOCKED if for_update else _TARGETS
        rows: Sequence[Any] = (
            (await self.conn.execute(query, {"ids": list(target_ids)})).mappings().all()
        )
        return [mappers.target_from_row(row) for row in rows]

    async def write_parts(self, progress: Sequence[PartProgress]) -> set[UUID]:
        if not progress:
            return set()
        dialect = self.conn.dialect.name
        statement = write_parts_statement(dialect)
        if dialect == "sqlite":  # counts executemany rows; the write lock is held already
            params = [part_params(step) for step in progress]
            if (await self.conn.execute(statement, params)).rowcount == len(progress):
                return {step.target_id for step in progress}
            # Some did not apply: those that did are written again below, to the same values.
        t = post_targets
        ids = sorted({step.target_id for step in progress})
        found = select(t.c.id, t.c.status, t.c.attempts, _stored_parts(dialect))
        found = found.where(t.c.id.in_(ids)).order_by(t.c.id).with_for_update()
        rows = {row[0]: row for row in (await self.conn.execute(found)).all()}
        apply = [
            step
            for step in progress
            if (row := rows.get(step.target_id)) is not None
            and row[1] == _PUBLISHING
            and row[2] == step.attempt
            and row[3] is not None
            and step.index < row[3]
        ]
        if apply:
            await self.conn.execute(statement, [part_params(step) for step in apply])
        return {step.target_id for step in apply}

    async def save_targets(self, targets: Sequence[PostTarget]) -> None:
        if not targets:
            return
        if is_asyncpg(self.conn) and len({t.id for t in targets}) == len(targets):
            # Each target once (a row updated twice in one statement keeps one update).
            values = [mappers.target_values(t) for t in targets]
            columns = {f"a_{k}": [row[k] for row in values] for k in _SAVE_TARGETS_AT_ONCE_KEYS}
            await _SAVE_TARGETS_AT_ONCE.execute(self.conn, columns)
            return
        rows = [_by_key(mappers.target_values(t)) for t in targets]
        await self.conn.execute(_SAVE_TARGETS, rows)

    async def list(
        self, where: PostFilter, limit: int, starting_after: Post | None = None
    ) -> list[Post]:
        query = select(posts).where(posts.c.workspace_id == where.workspace_id)
        if where.status is not None:
            query = query.where(status_condition(where.status))
        if where.integration_id is not None:
            query = query.where(_any_target(_T.c.integration_id == where.integration_id))
        if starting_after is not None:
            at, last_id = starting_after.created_at, starting_after.id
            query = query.where(
                or_(posts.c.created_at < at, and_(posts.c.created_at == at, posts.c.id < last_id))
            )
        query = query.order_by(posts.c.created_at.desc(), posts.c.id.desc()).limit(limit)
        rows = (await self.conn.execute(query)).mappings().all()
        return await _with_targets(self.conn, rows)

    async def _one(self, post_id: UUID, workspace_id: UUID | None, for_update: bool) -> Post | None:
        if for_update:
            await lock_rows(self.conn, post_targets, post_targets.c.post_id == post_id)
            await lock_rows(self.conn, posts, posts.c.id == post_id)
        query = select(posts).where(posts.c.id == post_id)
        if workspace_id is not None:
            query = query.where(posts.c.workspace_id == workspace_id)
        rows = (await self.conn.execute(query)).mappings().all()
        found = await _with_targets(self.conn, rows)
        return found[0] if found else None


def part_params(step: PartProgress) -> dict[str, Any]:
    at = f"$.parts[{step.index}]."
    return {
        "_id": step.target_id, "_attempt": step.attempt, "_index": step.index,
        "_pid": step.platform_post_id, "_url": step.url, "_cid": step.cid,
        "_status_at": at + "status", "_pid_at": at + "platform_post_id",
        "_url_at": at + "platform_post_url", "_cid_at": at + "cid",
        "_lease": step.lease_expires_at, "_at": step.at,
    }  # fmt: skip


def _by_key(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the save statements' parameters: the key as `_id`, fixed columns dropped."""
    values = {name: value for name, value in row.items() if name not in _FIXED}
    values["_id"] = row["id"]
    return values


async def _with_targets(conn: AsyncConnection, rows: Sequence[Any]) -> list[Post]:
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    targets = await conn.execute(_TARGETS_OF, {"ids": ids})
    by_post: dict[UUID, list[Any]] = defaultdict(list)
    for target in targets.mappings():
        by_post[target["post_id"]].append(target)
    return [mappers.post_from_rows(row, by_post[row["id"]]) for row in rows]
