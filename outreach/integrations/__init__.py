"""Outbound HTTP to other systems: webhook deliveries and the NGP VAN / EveryAction API.

Adapters only: they speak HTTP (with ``requests``) and know the remote shapes, and hold no
state. What was sent is recorded in ``graph/``; the use cases in ``outreach/usecases``
decide what to send and when.
"""
