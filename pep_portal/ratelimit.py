"""Simple rate limits: at most N attempts per key in a fixed window, counted in the
"ratelimit" cache (Redis in production, this process's memory in the Redis-less demo).

A limit that cannot count (Redis down) lets the attempt through and logs it: a password reset
or an invitation must keep working while Redis is away.
"""

import hashlib
import logging
import time

import redis
from django.core.cache import caches

logger = logging.getLogger(__name__)


class TooManyRequests(Exception):
    """Refused by a rate limit; the message says so in the user's words."""


def allow(scope: str, key: str, *, limit: int, window: int = 3600) -> bool:
    """Count one attempt for `key`; False once more than `limit` were made in this window."""
    bucket = int(time.time() // window)
    # Keys are hashed: the cache never holds an e-mail address or an IP in clear.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    name = f"{scope}:{digest}:{bucket}"
    cache = caches["ratelimit"]
    try:
        cache.add(name, 0, timeout=window)
        count = cache.incr(name)
    except (redis.RedisError, OSError, ValueError):
        # ValueError: the key expired between add and incr (a window's last instant).
        logger.warning("Rate limit %s could not be counted; allowing the attempt", scope)
        return True
    return count <= limit
