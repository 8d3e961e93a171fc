"""Use cases: one module per resource, shared by the CLI, the HTTP API and the hub.

Each function is keyword-only, takes the :class:`~camsight.services.actor.Actor` who asks and a
connection (or the store, for work that takes longer than a transaction), does the work and writes the
audit row in the same transaction. The front ends parse input and format output, nothing else; they
never run SQL and never write audit rows themselves.

- :mod:`.events` — list and find events and alerts (:class:`~camsight.events.query.EventQuery`);
- :mod:`.search` — plain-language search over the tracks, audited;
- :mod:`.queries` — standing queries (saved searches that alert), audited;
- :mod:`.feedback` — verdicts on alerts, rule statistics, suppressions (suggested, previewed), held alerts, audited;
- :mod:`.clips` — an event's clip, heads blurred unless an admin says otherwise, audited;
- :mod:`.audit` — the audit log (the only writer of audit rows);
- :mod:`.status` — the store and the live cameras' health.

Example:
    >>> from camsight.config import Config
    >>> from camsight.events.query import EventQuery
    >>> from camsight.services import events
    >>> from camsight.services.actor import os_actor
    >>> from camsight.store import open_store
    >>> store = open_store(Config(site="docs"), ":memory:")
    >>> with store.engine.begin() as conn:
    ...     events.list_events(conn, actor=os_actor(), query=EventQuery(kind="loitering"))
    []
"""
