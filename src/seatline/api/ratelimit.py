"""Failed-login accounting: lock an account after repeated failures, throttle a noisy address.

Two limits, because they stop different attacks:

* **Per account** (`max_failures` within `window`, a sliding window): guessing one user's
  password. The lock holds from every address, even for the right password, so a guesser
  learns nothing from hitting it.
* **Per client address** (a token bucket of `address_max_failures`, refilled over `window`):
  spraying one password over many accounts. The budget is much larger than an account's,
  because an office behind one NAT address shares it, and IPv6 addresses count by their /64,
  which one client can fill with fresh addresses at will.

An address over its budget is refused before any password is checked, but not for the users
who have logged in from that address before (a known account/address pair). So a guesser
behind the office's NAT cannot lock the office out: colleagues who work there keep logging
in, and the guesser, even trying those colleagues' names, is still held by each account's
own limit. Only a user who never logged in from that address waits, for `window /
address_max_failures` seconds per try. A device cookie would do the same for browsers only;
the pair works for scripts with bearer tokens too.

An attempt counts as a failure from the moment it starts (`begin`) until it succeeds
(`succeeded`), so guesses sent at once cannot all pass the check while the slow password
checks of the first ones are still running.

In memory and per process on purpose: it needs no shared store, and an attacker spreading
guesses over N nodes still gets only N times the budget. Every table is bounded (the stalest
keys go first). The clock is injected so tests move time without sleeping.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["KNOWN_PAIR_SECONDS", "LoginLimiter", "address_key"]

K = TypeVar("K")
V = TypeVar("V")

KNOWN_PAIR_SECONDS = 30 * 86400.0  # how long a successful login vouches for its address


def address_key(host: str) -> str:
    """Return the key a client address is counted under: IPv4 as is, IPv6 by its /64."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


def _bounded_put(table: OrderedDict[K, V], key: K, value: V, limit: int) -> None:
    table[key] = value
    table.move_to_end(key)
    while len(table) > limit:
        table.popitem(last=False)


class LoginLimiter:
    """Counts failed logins per account and per address and tells when to refuse one."""

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 300.0,
        address_max_failures: int = 50,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.address_max_failures = address_max_failures
        self.clock = clock
        self.max_keys = max_keys
        self._accounts: OrderedDict[str, deque[float]] = OrderedDict()
        self._addresses: OrderedDict[str, _Bucket] = OrderedDict()
        self._known: OrderedDict[tuple[str, str], float] = OrderedDict()

    @property
    def _refill_per_second(self) -> float:
        return self.address_max_failures / self.window

    def retry_after(self, account: str, address: str) -> int:
        """Seconds until `account` may try from `address`; 0 when it may try now."""
        now = self.clock()
        wait = self._account_wait(account, now)
        if not self._is_known(account, address, now):
            wait = max(wait, self._address_wait(address, now))
        return math.ceil(wait) if wait > 0 else 0

    def account_locked(self, account: str) -> bool:
        """Tell whether the account is locked now (from every address)."""
        return self._account_wait(account, self.clock()) > 0

    def address_throttled(self, address: str) -> bool:
        """Tell whether the address is out of budget now (for users unknown there)."""
        return self._address_wait(address, self.clock()) > 0

    def _account_wait(self, account: str, now: float) -> float:
        times = self._recent(account, now)
        if len(times) < self.max_failures:
            return 0.0
        # Unlocked once the oldest of the last `max_failures` failures leaves the window.
        return times[-self.max_failures] + self.window - now

    def _address_wait(self, address: str, now: float) -> float:
        bucket = self._bucket(address, now)
        if bucket is None or bucket.tokens >= 1:
            return 0.0
        return (1 - bucket.tokens) / self._refill_per_second

    def begin(self, account: str, address: str) -> None:
        """Count an attempt as a failure of both keys until `succeeded` says otherwise."""
        now = self.clock()
        times = self._recent(account, now)
        times.append(now)
        if len(times) > self.max_failures:
            times.popleft()  # only the last `max_failures` decide a lock
        _bounded_put(self._accounts, account, times, self.max_keys)
        bucket = self._bucket(address, now) or _Bucket(float(self.address_max_failures), now)
        # Known pairs may try past an empty bucket; the floor keeps their debt bounded.
        bucket.tokens = max(bucket.tokens - 1, -float(self.address_max_failures))
        _bounded_put(self._addresses, address, bucket, self.max_keys)

    def succeeded(self, account: str, address: str) -> None:
        """The attempt was right: clear the account, give the address its try back, vouch."""
        now = self.clock()
        self._accounts.pop(account, None)
        bucket = self._bucket(address, now)
        if bucket is not None:
            bucket.tokens = min(bucket.tokens + 1, float(self.address_max_failures))
        _bounded_put(self._known, (account, address), now, self.max_keys)

    def sizes(self) -> tuple[int, int, int]:
        """How many accounts, addresses and known pairs are remembered (for tests)."""
        return len(self._accounts), len(self._addresses), len(self._known)

    def _is_known(self, account: str, address: str, now: float) -> bool:
        since = self._known.get((account, address))
        return since is not None and now - since < KNOWN_PAIR_SECONDS

    def _bucket(self, address: str, now: float) -> _Bucket | None:
        bucket = self._addresses.get(address)
        if bucket is None:
            return None
        refilled = bucket.tokens + (now - bucket.updated) * self._refill_per_second
        bucket.tokens, bucket.updated = min(refilled, float(self.address_max_failures)), now
        if bucket.tokens >= self.address_max_failures:
            del self._addresses[address]  # full again: nothing left to remember
            return None
        return bucket

    def _recent(self, account: str, now: float) -> deque[float]:
        times = self._accounts.get(account, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._accounts.pop(account, None)
        return times
