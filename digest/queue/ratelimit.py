"""`email.smtp.max_per_second`: one limit per SMTP relay, shared by every worker on every
machine, kept in the state's database by pyrate-limiter's PostgresBucket (a table
`ratelimit___smtp_<relay>` it creates; each acquire locks it, so the count is exact)."""

from __future__ import annotations

import hashlib
import threading
from typing import TYPE_CHECKING

from digest.errors import DeliveryError

if TYPE_CHECKING:
    from digest.config import Config

WAIT_AT_MOST = 60.0  # seconds a message waits for its turn; then the job is tried again later

_limiters: dict[tuple[str, str, float], _Limit] = {}
_lock = threading.Lock()


class _Limit:
    def __init__(self, config: Config, relay: str, per_second: float) -> None:
        from psycopg_pool import ConnectionPool
        from pyrate_limiter import Limiter, PostgresBucket, Rate

        from digest.queue.app import conninfo

        self.relay = relay
        # Whole messages per window: 0.5/s is 1 per 2 s, 20/s is 20 per 1 s.
        limit = self.limit = max(1, round(per_second))
        rate = Rate(limit, round(1000 * limit / per_second))
        pool = ConnectionPool(conninfo(config), min_size=1, max_size=2, open=True)
        table = "smtp_" + hashlib.sha256(relay.encode()).hexdigest()[:12]
        self.limiter = Limiter(PostgresBucket(pool, table, [rate]))

    def wait(self, messages: int = 1) -> int:
        """Wait for turns to send up to `messages` (at most one window's worth); how many.

        Taken together, in one locked round trip to the database (each is ~6 ms), not one
        per message: the relay still gets no more than its limit in any window."""
        weight = max(1, min(messages, self.limit))
        if not self.limiter.try_acquire(self.relay, weight=weight, blocking=True,
                                        timeout=WAIT_AT_MOST):  # fmt: skip
            raise DeliveryError(
                f"email.smtp.max_per_second: no turn to send to {self.relay} within"
                f" {WAIT_AT_MOST:.0f}s",
                hint="raise the limit, or run fewer workers",
            )
        return weight


class _NoLimit:
    def wait(self, messages: int = 1) -> int:
        return max(1, messages)


def limiter(config: Config) -> _Limit | _NoLimit:
    smtp = config.email.smtp
    if not smtp.max_per_second:
        return _NoLimit()
    relay = f"{smtp.host}:{smtp.port}"
    key = (str(config.state), relay, smtp.max_per_second)
    with _lock:
        if key not in _limiters:
            _limiters[key] = _Limit(config, relay, smtp.max_per_second)
        return _limiters[key]
