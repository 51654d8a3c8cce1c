"""Mail addresses as account keys: one canonical spelling, and the domain an organisation may own."""

from __future__ import annotations

from email.utils import parseaddr


class AddressError(ValueError):
    pass


def normalize_address(address: str) -> str:
    """The lower-cased addr-spec of `address` ("Ann <Ann@Example.org>" -> "ann@example.org").

    Lower-casing the local part is not strictly RFC 5321, but no real mailbox provider distinguishes
    case, and two accounts for "Ann@" and "ann@" would split one person's quota.
    """
    _, spec = parseaddr(address.strip())
    spec = spec.strip().lower()
    local, sep, domain = spec.rpartition("@")
    if not sep or not local or not domain or "." not in domain.strip(".") or " " in spec:
        raise AddressError(f"not a mail address: {address!r}")
    return spec


def domain_of(address: str) -> str:
    return normalize_address(address).rpartition("@")[2]


def normalize_domain(domain: str) -> str:
    d = domain.strip().lower().lstrip("@").rstrip(".")
    if not d or "." not in d or "@" in d or " " in d:
        raise AddressError(f"not a mail domain: {domain!r}")
    return d
