"""MQTT 5 topic aliases of one connection: a topic's name goes once, then a two-byte number stands for it.

The broker says in its CONNACK how many aliases a client may set (``TopicAliasMaximum``; Mosquitto's
``max_topic_alias``, 10 by default; none: no aliases). The first PUBLISH on a topic carries the topic and
the alias it sets; the later ones an empty topic and the alias. When every alias is taken, the one used
longest ago is set to the new topic (a PUBLISH with a topic and a used alias maps it anew). Aliases last
one network connection: a new connection starts with none (:meth:`TopicAliases.reset`), and a message
already handed to the client with an empty topic must not be sent again on a new connection (the edge's
publisher drops such messages when it connects and sends the rows again from its outbox).

This is the broker's business only: it delivers each message to subscribers with its full topic, so a
hub needs nothing to read it.

Example:
    >>> aliases = TopicAliases(2)
    >>> [aliases.use(t) for t in ("a/1", "a/1", "a/2", "a/3", "a/2")]
    [('a/1', 1), ('', 1), ('a/2', 2), ('a/3', 1), ('', 2)]
    >>> TopicAliases(0).use("a/1")
    ('a/1', None)
"""

from __future__ import annotations

from collections import OrderedDict


class TopicAliases:
    """The aliases this client has set on its connection (not thread-safe: the caller holds its lock)."""

    def __init__(self, maximum: int = 0) -> None:
        self.maximum = 0
        self._set: OrderedDict[str, int] = OrderedDict()  # topic -> alias, the one used longest ago first
        self.reset(maximum)

    def reset(self, maximum: int) -> None:
        """A new connection, whose broker allows ``maximum`` aliases (0: none)."""
        self.maximum = max(0, min(int(maximum), 0xFFFF))
        self._set.clear()

    def use(self, topic: str) -> tuple[str, int | None]:
        """``(topic to send, alias)`` for a PUBLISH on ``topic``: ``("", n)`` once alias ``n`` stands for it."""
        if self.maximum == 0:
            return topic, None
        alias = self._set.get(topic)
        if alias is not None:
            self._set.move_to_end(topic)
            return "", alias
        if len(self._set) < self.maximum:
            alias = len(self._set) + 1
        else:
            _, alias = self._set.popitem(last=False)
        self._set[topic] = alias
        return topic, alias
