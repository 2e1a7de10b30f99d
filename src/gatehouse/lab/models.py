"""The services the lab speaks, and their botocore models, loaded once per process."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Any

import botocore.loaders
import botocore.model


class Protocol(enum.Enum):
    """The wire protocols the lab implements, named as botocore's models name them."""

    QUERY = "query"
    EC2 = "ec2"
    JSON = "json"


@dataclass(frozen=True)
class LabService:
    """One AWS service the lab answers for, at one API version."""

    name: str
    api_version: str
    model: Any  # botocore.model.ServiceModel (untyped library)

    @property
    def protocol(self) -> Protocol:
        return Protocol(self.model.protocol)

    @property
    def xml_namespace(self) -> str:
        # EC2's model omits the trailing slash that EC2's responses carry
        # (xmlns="http://ec2.amazonaws.com/doc/2016-11-15/").
        namespace = str(self.model.metadata.get("xmlNamespace", ""))
        return namespace if namespace.endswith("/") else namespace + "/"

    @property
    def target_prefix(self) -> str | None:
        prefix = self.model.metadata.get("targetPrefix")
        return str(prefix) if prefix else None

    @functools.cached_property
    def operations(self) -> frozenset[str]:
        return frozenset(self.model.operation_names)

    def operation(self, name: str) -> Any:
        """The botocore OperationModel; botocore caches it after the first call."""
        return self.model.operation_model(name)


# Service name (the SigV4 signing name) → the API version the lab speaks.
API_VERSIONS: dict[str, str] = {
    "sts": "2011-06-15",
    "iam": "2010-05-08",
    "ec2": "2016-11-15",
    "ssm": "2014-11-06",
    "cloudtrail": "2013-11-01",
}


@functools.cache
def _loader() -> Any:
    return botocore.loaders.create_loader()


@functools.cache
def service(name: str) -> LabService:
    """The lab's view of one service; raises KeyError for a service it does not speak."""
    version = API_VERSIONS[name]
    raw = _loader().load_service_model(name, "service-2", api_version=version)
    model = botocore.model.ServiceModel(raw, service_name=name)
    return LabService(name=name, api_version=version, model=model)


def all_services() -> list[LabService]:
    return [service(name) for name in API_VERSIONS]


@functools.cache
def service_for_version(api_version: str) -> LabService | None:
    """The query-protocol service whose `Version=` parameter is this value."""
    for name, version in API_VERSIONS.items():
        if version == api_version:
            return service(name)
    return None


@functools.cache
def service_for_target_prefix(prefix: str) -> LabService | None:
    """The JSON-protocol service whose `X-Amz-Target` prefix is this value."""
    for lab_service in all_services():
        if lab_service.target_prefix == prefix:
            return lab_service
    return None
