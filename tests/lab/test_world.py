"""World files: the default world loads, and a broken one reports every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatehouse.lab.world import WorldError, load_world


def test_the_default_world_has_home_vendor_and_outsider() -> None:
    world = load_world()
    assert [(a.id, a.alias) for a in world.accounts] == [
        ("111111111111", "home"),
        ("222222222222", "vendor"),
        ("333333333333", "outsider"),
        ("444444444444", "management"),
    ]
    for account in world.accounts:
        admin = next(u for u in account.users if u.name == "admin")
        assert "arn:aws:iam::aws:policy/AdministratorAccess" in admin.managed_policies
    assert world.organization is not None
    assert len(world.organization.scp_levels("111111111111")) == 3


def test_a_broken_world_reports_every_problem_with_its_location(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        """
accounts:
  - id: 1111
    alias: Home
    roles:
      - name: Bad Role
        max_session_duration: 100
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {AWS: "arn:aws:iam::22222222222*:root"}
              Action: sts:AssumeRole
        managed_policies: [NoSuchPolicy]
"""
    )
    with pytest.raises(WorldError) as raised:
        load_world(path)
    where = [w for w, _ in raised.value.problems]
    assert where == [
        "$.accounts[0].id",
        "$.accounts[0].alias",
        "$.accounts[0].roles[0].max_session_duration",
        "$.accounts[0].roles[0].name",
        "$.accounts[0].roles[0].trust_policy.Statement[0].Principal.AWS",
        "$.accounts[0].roles.Bad Role.managed_policies",
    ]


def test_yaml_syntax_errors_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("accounts: [\n")
    with pytest.raises(WorldError, match=r"bad\.yaml"):
        load_world(path)
