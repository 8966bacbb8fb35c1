"""Which host names and addresses reach this machine only: the listen check (config.py) and the
browser guard's Host check (gateway/security.py) must agree on it."""

from __future__ import annotations

import ipaddress

LOOPBACK_NAMES = frozenset(("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"))


def is_loopback(host: str) -> bool:
    """Whether a listen address or name reaches this machine only."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
