"""Count the SQL statements a block of code sends: `with count_queries() as q: ...; q.count`.

Used to assert that a page's query count does not grow with the rows it shows
(N+1 queries are the usual way a list becomes slow at 100,000 rows).
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from extensions import db


class QueryLog:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __repr__(self) -> str:
        return f"<{self.count} queries>\n" + "\n".join(s[:200] for s in self.statements)


@contextmanager
def count_queries(engine=None):
    """Every statement executed on the engine inside the block (all sessions, all connections)."""
    engine = engine or db.engine
    log = QueryLog()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        log.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def page_queries(client, url: str) -> QueryLog:
    """The statements one GET sends; the page must answer 200."""
    with count_queries() as log:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return log
