"""The Store: one connection to the state, with every method the rest of digest calls."""

from __future__ import annotations

from digest.store.core import StoreBase
from digest.store.deliveries import DeliveriesMixin
from digest.store.digests import DigestsMixin
from digest.store.queue import QueueMixin
from digest.store.sources import SourcesMixin
from digest.store.subscribers import SubscribersMixin


class Store(DigestsMixin, DeliveriesMixin, SourcesMixin, SubscribersMixin, QueueMixin, StoreBase):
    """Open with `Store(path_or_url)` (or `digest.state.State`); use as a context manager.

    Methods by role: digests.py (digests, articles, signatures), deliveries.py (email copies,
    deliveries), sources.py (staged items, source health, slots run, web validators),
    subscribers.py (readers, leaving), queue.py (queue mode's prepared articles and parked jobs).
    """
