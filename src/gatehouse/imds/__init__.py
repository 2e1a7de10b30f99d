"""The EC2 instance metadata service, one per lab instance.

Start one for an instance and hand it a credential provider:

    service = MetadataService(instance, provider)
    server = MetadataServer(service)
    host, port = await server.start("127.0.0.1", 0)
    service.modify_options(HttpTokens="required", HttpPutResponseHopLimit=2)

`ServiceThread(service)` does the same from synchronous code.
"""

from gatehouse.imds.credentials import (
    CredentialCache,
    CredentialProvider,
    Credentials,
    Delivery,
    LocalCredentialProvider,
)
from gatehouse.imds.errors import (
    ImdsError,
    InstanceDescriptionError,
    InvalidMetadataOptionError,
    RoleUnavailableError,
)
from gatehouse.imds.instance import Instance, InstanceProfile
from gatehouse.imds.metrics import MetadataMetrics, Metric
from gatehouse.imds.options import HttpTokens, MetadataOptions, OptionsHolder, Toggle
from gatehouse.imds.server import MetadataServer, ServerLimits, ServiceThread
from gatehouse.imds.service import MetadataRequest, MetadataService, TokenFault

__all__ = [
    "CredentialCache",
    "CredentialProvider",
    "Credentials",
    "Delivery",
    "HttpTokens",
    "ImdsError",
    "Instance",
    "InstanceDescriptionError",
    "InstanceProfile",
    "InvalidMetadataOptionError",
    "LocalCredentialProvider",
    "MetadataMetrics",
    "MetadataOptions",
    "MetadataRequest",
    "MetadataServer",
    "MetadataService",
    "Metric",
    "OptionsHolder",
    "RoleUnavailableError",
    "ServerLimits",
    "ServiceThread",
    "Toggle",
    "TokenFault",
]
