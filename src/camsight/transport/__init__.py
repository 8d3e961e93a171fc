"""Edges and the hub over MQTT 5: topics, messages, the outbox and its publisher, the hub's subscriber.

An edge never sends video: only events, track records (with a small masked, blurred thumbnail), camera
status and heartbeats (``docs/mqtt.md`` is the topic table, the public contract). Each message is
written to the ``outbox`` table in the same transaction as the rows it describes
(:class:`~camsight.transport.outbox.OutboxWriter`, one of the store sink's writers), and the
:class:`~camsight.transport.publisher.Publisher` sends it with QoS 1 on a persistent session, deleting
the row only when the broker acknowledged it: a broker or hub outage, or a restart, loses nothing, and
a message sent twice is harmless (the hub upserts by id).
"""
