"""Identifiers and secrets in AWS's formats.

Unique ids are a four-letter prefix naming the kind of entity and 17 upper-case
letters and digits (`AIDA…` user, `AROA…` role, `AIPA…` instance profile, `ANPA…`
managed policy, `AGPA…` group); access key ids are `AKIA` (long-term) or `ASIA`
(temporary) and 16 more characters; secret access keys are 40 characters
(IAM User Guide, "IAM identifiers", unique id prefixes).
"""

from __future__ import annotations

import base64
import secrets
import string
from enum import Enum

_ID_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


class IdPrefix(Enum):
    USER = "AIDA"
    ROLE = "AROA"
    INSTANCE_PROFILE = "AIPA"
    MANAGED_POLICY = "ANPA"
    GROUP = "AGPA"
    ACCESS_KEY = "AKIA"
    TEMPORARY_KEY = "ASIA"


def _id_characters(count: int) -> str:
    # Base32 of random bytes is exactly _ID_ALPHABET (A-Z, 2-7), drawn from one
    # urandom call instead of one per character.
    return base64.b32encode(secrets.token_bytes(count)).decode()[:count]


def unique_id(prefix: IdPrefix) -> str:
    return prefix.value + _id_characters(17)


def access_key_id(*, temporary: bool) -> str:
    prefix = IdPrefix.TEMPORARY_KEY if temporary else IdPrefix.ACCESS_KEY
    return prefix.value + _id_characters(16)


def secret_access_key() -> str:
    # Base64 of 30 random bytes: 40 characters of _SECRET_ALPHABET.
    return base64.b64encode(secrets.token_bytes(30)).decode()


def session_token() -> str:
    """An opaque token; AWS documents no size limit, so clients must not assume one."""
    return "IQoJb3JpZ2luX2VjE" + base64.b64encode(secrets.token_bytes(330)).decode()


def instance_id() -> str:
    return "i-" + secrets.token_hex(9)[:17]


def ec2_id(prefix: str) -> str:
    """An EC2 resource id in the long format: prefix, dash, 17 hex digits."""
    return f"{prefix}-" + secrets.token_hex(9)[:17]


def security_group_rule_id() -> str:
    return ec2_id("sgr")


def request_id() -> str:
    """A request id in the form AWS uses (a version 4 UUID)."""
    import uuid

    return str(uuid.uuid4())
