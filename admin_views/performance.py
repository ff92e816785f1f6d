"""Performance helpers shared by every admin screen (used by admin_views.base).

At the size of a large association (100,000 beneficiaries, 300,000 requests)
Flask-Admin's defaults fall over: a COUNT(*) per list page, `ILIKE '%q%'` on
every searchable column, N+1 queries for related columns, and select fields
that load whole tables. The pieces here replace each default; SecureModelView
wires them in, so a screen only declares what it shows. See docs/bench.md.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable

from flask import current_app, has_app_context
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from sqlalchemy import and_, false, func, literal_column, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload, selectinload
from jinja2.ext import Extension

DEFAULT_COUNT_CAP = 10_000
# The pager draws up to this many pages after the current one.
PAGER_LOOKAHEAD = 10


# -- counting ----------------------------------------------------------------------
class CappedCount(int):
    """A row count that stopped counting at a cap: prints as "10,000+".

    It is an int (the cap) so Flask-Admin's pager arithmetic works unchanged.
    """

    capped = True

    def __str__(self) -> str:
        return f"{int(self):,}+"

    def __html__(self) -> str:
        return str(self)


def count_cap() -> int:
    """LIST_COUNT_CAP from the configuration (0 = always count exactly)."""
    if has_app_context():
        return int(current_app.config.get("LIST_COUNT_CAP", DEFAULT_COUNT_CAP))
    return DEFAULT_COUNT_CAP


def capped_count(count_query, page: int | None, page_size: int | None, cap: int):
    """Count the rows of Flask-Admin's count query, but never more than needed.

    `SELECT count(*) FROM (SELECT 1 FROM ... WHERE ... LIMIT cap+1)` stops after
    cap+1 rows, so a page of a 300,000-row table costs the same as one of a
    10,000-row table. Results below the cap are exact. The cap grows in steps of
    `cap` to stay ahead of the page being shown (page 2,000 counts up to 60,000),
    so the pager always has its next pages.
    """
    if not cap:
        return count_query.scalar()
    grown = _grown_cap(page, page_size, cap)
    if grown > cap and count_query.whereclause is None and count_query.session.get_bind().dialect.name == "sqlite":
        # A deep page of a whole table on SQLite: count(*) without a condition adds up its index's
        # pages (0.1 ms for 100,000 rows; Flask-Admin's count('*') reads each row), far cheaper than
        # reading 50,000 entries up to the grown cap. Shown capped all the same. (On the first
        # pages reading up to 10,000 entries costs less than counting a 300,000-row table.)
        total = count_query.with_entities(func.count()).scalar() or 0
        return CappedCount(grown) if total > grown else total
    return count_selected(count_query.session, count_query.with_entities(literal_column("1")).order_by(None),
                          page, page_size, cap)


def count_selected(session, rows, page: int | None, page_size: int | None, cap: int):
    """capped_count for any SELECT of the rows (a Query or a Core select), e.g. one read from an
    index alone (workflow.registry.name_matches)."""
    if not cap:
        return session.execute(select(func.count()).select_from(rows.subquery())).scalar() or 0
    cap = _grown_cap(page, page_size, cap)
    limited = rows.limit(cap + 1).subquery()
    total = session.execute(select(func.count()).select_from(limited)).scalar() or 0
    return CappedCount(cap) if total > cap else total


def _grown_cap(page: int | None, page_size: int | None, cap: int) -> int:
    """The cap in steps of `cap`, far enough ahead of the page shown for the pager's next pages."""
    needed = ((page or 0) + 1 + PAGER_LOOKAHEAD) * (page_size or 1)
    return max(cap, math.ceil(needed / cap) * cap)


# -- indexed search -----------------------------------------------------------------
SEARCH_MODES = ("exact", "prefix", "contains")


def _prefix(column, value: str, dialect: str):
    if dialect == "sqlite":
        # A range on the binary-collated column: SQLite serves it from the ordinary index
        # (its LIKE optimisation would need a NOCASE column). U+10FFFF sorts after every character.
        return and_(column >= value, column < value + "\U0010ffff")
    # PostgreSQL: LIKE 'v%' is served by the text_pattern_ops index (migration bench1).
    return column.startswith(value, autoescape=True)


def search_condition(model, search_spec: Iterable[tuple], text: str, dialect: str):
    """OR of one condition per (column, mode, normaliser) in search_spec, for the whole text.

    Modes: "exact" (column = value: IDs, phones, reference numbers), "prefix"
    (column starts with value), "contains" (LIKE '%v%': a scan on SQLite, trigram
    index on PostgreSQL). A normaliser that raises ValueError or returns "" skips
    its column. (Beneficiary names have their own word index: workflow.registry.name_clause.)
    """
    conditions = []
    for entry in search_spec:
        name, mode = entry[0], entry[1]
        normalise: Callable[[str], str] = entry[2] if len(entry) > 2 and entry[2] else str.strip
        if mode not in SEARCH_MODES:
            raise ValueError(f"unknown search mode {mode!r} for {name}")
        try:
            value = normalise(text)
        except ValueError:
            continue
        if not value:
            continue
        column = getattr(model, name)
        if mode == "exact":
            conditions.append(column == value)
        elif mode == "prefix":
            conditions.append(_prefix(column, value, dialect))
        else:
            conditions.append(column.contains(value, autoescape=True))
    return or_(*conditions) if conditions else false()


class IndexedAjaxLoader(QueryAjaxModelLoader):
    """Ajax lookup (Select2) that searches with indexed conditions, not ILIKE '%term%'.

    options: search = [(column, mode, normaliser), ...] as in search_condition, or a
    callable text -> SQL condition (None when the text cannot match); order_by.
    """

    def __init__(self, name, session, model, **options):
        search = options.pop("search")
        self.search = search if callable(search) else None
        self.search_spec = () if callable(search) else tuple(search)
        options.setdefault("fields", [entry[0] for entry in self.search_spec] or ["id"])
        super().__init__(name, session, model, **options)

    def condition(self, term: str, dialect: str):
        if self.search is not None:
            clause = self.search(term or "")
            return false() if clause is None else clause
        return search_condition(self.model, self.search_spec, term or "", dialect)

    def get_one(self, pk):
        """The record a submitted form names, only if this loader would offer it (get_query:
        e.g. the branch scope); Flask-Admin's own get_one read any row by its id."""
        query = self.get_query()
        with query.session.no_autoflush:
            try:
                return query.filter(self.model.id == int(pk)).one_or_none()
            except (TypeError, ValueError):
                return None

    def get_list(self, term: str, offset: int = 0, limit: int = 10):
        query = self.get_query()
        query = query.filter(self.condition(term, query.session.get_bind().dialect.name))
        if self.order_by is not None:
            query = query.order_by(self.order_by)
        return query.offset(offset).limit(min(limit, 20)).all()


# -- eager loading -----------------------------------------------------------------------
def eager_options(model, paths: Iterable, to_one=joinedload) -> list:
    """Loader options for dotted relation paths: `to_one` (joinedload) for to-one, selectinload for
    collections.

    `("beneficiary", "events.user")` → joinedload(beneficiary), selectinload(events).joinedload(user).
    Ready-made loader options are passed through.
    """
    options = []
    for path in paths:
        if not isinstance(path, str):
            options.append(path)
            continue
        current, option = model, None
        for key in path.split("."):
            prop = sa_inspect(current).relationships[key]
            attr = getattr(current, key)
            if option is None:
                option = selectinload(attr) if prop.uselist else to_one(attr)
            else:
                option = option.selectinload(attr) if prop.uselist else getattr(option, to_one.__name__)(attr)
            current = prop.mapper.class_
        options.append(option)
    return options


# -- smaller pages --------------------------------------------------------------------------
_INDENT = re.compile(r"\n[ \t]+")
_BLANK_LINES = re.compile(r"\n{2,}")


class StripIndentation(Extension):
    """Drop the indentation and blank lines of template source before it is compiled.

    Flask-Admin's templates indent every line of a list row; with trim_blocks/lstrip_blocks a
    25-row list was still a third whitespace. Rendered text is unchanged for the browser (a
    newline stays between the words); what is left out is template text only, never a value, so
    a <textarea> or <pre> filled from data keeps its spacing."""

    def preprocess(self, source, name, filename=None):
        return _BLANK_LINES.sub("\n", _INDENT.sub("\n", source))
