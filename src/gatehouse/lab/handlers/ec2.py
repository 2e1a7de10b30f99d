"""EC2 operations."""

from __future__ import annotations

import re
from typing import Any

from gatehouse.lab import errors
from gatehouse.lab.request import LabRequest
from gatehouse.lab.routes import Fidelity, Route

# EC2 instance ids: `i-` and 8 or 17 hexadecimal digits.
_INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})")


def describe_instances(request: LabRequest) -> dict[str, Any]:
    instance_ids = list(request.params.get("InstanceIds", []))

    for instance_id in instance_ids:
        if not _INSTANCE_ID.fullmatch(instance_id):
            raise errors.EC2_INSTANCE_ID_MALFORMED.error(instance_id=instance_id)
    if request.params.get("DryRun"):
        raise errors.EC2_DRY_RUN_OPERATION.error()

    # The lab runs no instances yet, so every named id is unknown.
    if len(instance_ids) == 1:
        raise errors.EC2_INSTANCE_NOT_FOUND.error(instance_id=instance_ids[0])
    if instance_ids:
        raise errors.EC2_INSTANCES_NOT_FOUND.error(instance_ids=", ".join(instance_ids))
    return {"Reservations": []}


ROUTES = {
    ("ec2", "DescribeInstances"): Route(
        describe_instances,
        Fidelity.PARTIAL,
        "Checks instance ids and DryRun; the lab has no instances yet, so the answer "
        "is empty and named ids are not found. Filters are read but not checked.",
    ),
}
