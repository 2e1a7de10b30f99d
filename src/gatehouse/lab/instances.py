"""Lab instances and their metadata services: the EC2 side of the lab.

Each instance of the world gets a metadata service whose role credentials come
from the lab's own STS: a session of the instance profile's role named after the
instance, stored like any other session, so that calls made with it are
authorized and recorded — with `ec2RoleDelivery` 1.0 or 2.0 depending on
whether the credentials were fetched over IMDSv1 or IMDSv2.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from gatehouse.imds.credentials import Credentials, Delivery
from gatehouse.imds.errors import RoleUnavailableError
from gatehouse.imds.instance import Instance
from gatehouse.lab.identity import Caller, Origin
from gatehouse.lab.runtime import LabRuntime, role_session
from gatehouse.lab.state import Entity, Kind
from gatehouse.policy import (
    Decision,
    PolicyKind,
    PolicySet,
    evaluate,
    make_request,
    parse_policy,
)
from gatehouse.trail import ApiCall, IdentityType, Resource, UserIdentity

logger = logging.getLogger(__name__)

EC2_SERVICE = "ec2.amazonaws.com"
# Gatehouse choice: instance-profile credentials last six hours. AWS documents
# only that new credentials are available at least five minutes before expiry,
# and that the role's MaxSessionDuration does not apply to them.
INSTANCE_CREDENTIAL_LIFETIME = timedelta(hours=6)


def metadata_instance(runtime: LabRuntime, entity: Entity) -> Instance:
    """The metadata service's view of a lab instance."""
    doc = entity.doc
    document: dict[str, Any] = {
        "InstanceId": entity.name,
        "AccountId": entity.account,
        "ImageId": doc["image_id"],
        "InstanceType": doc["instance_type"],
        "PrivateIpAddress": doc["private_ip"],
        "Placement": {"AvailabilityZone": doc["availability_zone"]},
        "Tags": [{"Key": k, "Value": v} for k, v in doc.get("tags", {}).items()],
        "MetadataOptions": doc["metadata_options"],
    }
    profile_name = doc.get("instance_profile")
    if profile_name:
        profile = runtime.state.get(entity.account, Kind.INSTANCE_PROFILE, profile_name)
        if profile is not None and profile.doc["roles"]:
            document["IamInstanceProfile"] = {
                "Arn": profile.doc["arn"],
                "Id": profile.id,
            }
            document["RoleName"] = profile.doc["roles"][0]
    if doc.get("user_data"):
        document["UserData"] = base64.b64encode(doc["user_data"].encode()).decode()
    return Instance.from_json(document, source=f"instance {entity.name}")


class InstanceCredentials:
    """The credential provider of one instance's metadata service."""

    def __init__(self, runtime: LabRuntime, account: str, instance_id: str) -> None:
        self.runtime = runtime
        self.account = account
        self.instance_id = instance_id

    def __call__(self, role_name: str, delivery: Delivery) -> Credentials:
        runtime = self.runtime
        role = runtime.state.get(self.account, Kind.ROLE, role_name)
        if role is None or not _trusts_ec2(role.doc["trust_policy"], role.doc["arn"]):
            logger.info("EC2 cannot assume %s for %s", role_name, self.instance_id)
            raise RoleUnavailableError(role_name)

        now = runtime.clock()
        session = role_session(
            role,
            self.instance_id,
            origin=Origin.EC2_INSTANCE,
            issued=now,
            expiration=now + INSTANCE_CREDENTIAL_LIFETIME,
            ec2_role_delivery=delivery.value,
            source_instance=self.instance_id,
        )
        runtime.store_session(session)
        self._record(session, role.doc["arn"])
        assert session.expiration is not None and session.session_token is not None
        return Credentials(
            access_key_id=session.access_key_id,
            secret_access_key=session.secret_access_key,
            token=session.session_token,
            expiration=session.expiration,
            last_updated=now,
        )

    def _record(self, session: Caller, role_arn: str) -> None:
        # EC2 assumes the role on the instance's behalf: CloudTrail shows an
        # AssumeRole by the AWS service, in the role's account.
        trail = self.runtime.trail
        if trail is None:
            return
        trail.record(
            ApiCall(
                event_source="sts.amazonaws.com",
                event_name="AssumeRole",
                aws_region=self.runtime.world.region,
                source_ip_address=EC2_SERVICE,
                user_agent=EC2_SERVICE,
                identity=UserIdentity(IdentityType.AWS_SERVICE, invoked_by=EC2_SERVICE),
                recipient_account_id=session.account,
                event_time=session.issued or self.runtime.clock(),
                request_parameters={
                    "RoleArn": role_arn,
                    "RoleSessionName": self.instance_id,
                },
                response={
                    "Credentials": {
                        "AccessKeyId": session.access_key_id,
                        "SecretAccessKey": session.secret_access_key,
                        "SessionToken": session.session_token,
                        "Expiration": session.expiration,
                    },
                    "AssumedRoleUser": {
                        "AssumedRoleId": session.user_id,
                        "Arn": session.arn,
                    },
                },
                resources=(Resource(role_arn, session.account, "AWS::IAM::Role"),),
            )
        )


def _trusts_ec2(trust_policy: Mapping[str, Any], role_arn: str) -> bool:
    request = make_request(
        principal={"Service": EC2_SERVICE}, action="sts:AssumeRole", resource=role_arn
    )
    policy = parse_policy(trust_policy, kind=PolicyKind.TRUST, strict=False)
    return evaluate(request, PolicySet.of(resource=policy)).decision is Decision.ALLOW
