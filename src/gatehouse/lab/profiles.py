"""The AWS config and credentials files `gatehouse lab up` writes.

One profile per IAM user that has an access key — named after the account's
alias for the account's `admin`, `<alias>-<user>` for the others — plus the
world's role profiles. Every profile carries `endpoint_url`, so plain `aws` and
`boto3.Session(profile_name=…)` reach the lab with no extra flags.
"""

from __future__ import annotations

import configparser
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gatehouse.lab.state import GLOBAL, Kind, LabState
from gatehouse.lab.world import World


@dataclass(frozen=True)
class Profile:
    name: str
    account: str
    user: str | None = None
    role_arn: str | None = None


def user_profiles(state: LabState) -> list[tuple[Profile, str, str]]:
    """(profile, access key id, secret) for every active key of every user."""
    out: list[tuple[Profile, str, str]] = []
    for account in state.accounts():
        alias = account.doc["alias"]
        taken: set[str] = set()
        for doc in state.credentials(account.name):
            if doc.get("type") != "access-key" or doc.get("status") != "Active":
                continue
            user = doc.get("user")
            name = alias if user == "admin" else f"{alias}-{user}"
            if name in taken:
                continue
            taken.add(name)
            out.append(
                (
                    Profile(name, account.name, user=user),
                    doc["access_key_id"],
                    doc["secret_access_key"],
                )
            )
    return out


def write_profiles(
    state: LabState,
    world: World,
    *,
    endpoint: str,
    config_file: Path,
    credentials_file: Path,
) -> list[Profile]:
    """Write both files atomically; return the profiles written."""
    config = configparser.ConfigParser()
    credentials = configparser.ConfigParser()
    profiles: list[Profile] = []
    for profile, key, secret in user_profiles(state):
        config[f"profile {profile.name}"] = _common(world, endpoint)
        credentials[profile.name] = {
            "aws_access_key_id": key,
            "aws_secret_access_key": secret,
        }
        profiles.append(profile)
    for role in world.profiles:
        section = _common(world, endpoint)
        section["role_arn"] = role.role_arn
        section["source_profile"] = role.source_profile
        for key, value in (
            ("external_id", role.external_id),
            ("duration_seconds", role.duration_seconds),
            ("mfa_serial", role.mfa_serial),
            ("role_session_name", role.role_session_name),
        ):
            if value is not None:
                section[key] = str(value)
        config[f"profile {role.name}"] = section
        account = role.role_arn.split(":")[4]
        profiles.append(Profile(role.name, account, role_arn=role.role_arn))
    _write_atomically(config_file, config)
    _write_atomically(credentials_file, credentials)
    return profiles


def _common(world: World, endpoint: str) -> dict[str, str]:
    return {"region": world.region, "endpoint_url": endpoint, "output": "json"}


def _write_atomically(path: Path, parser: configparser.ConfigParser) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    parser.write(text)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text.getvalue())
        Path(temporary).chmod(0o600)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def account_aliases(state: LabState) -> dict[str, str]:
    return {a.name: a.doc["alias"] for a in state.entities(GLOBAL, Kind.ACCOUNT)}
