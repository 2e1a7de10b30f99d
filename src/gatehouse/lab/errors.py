"""Every AWS error the lab answers with, kept once: code, HTTP status, message.

Handlers and the protocol layer raise `AwsError` built from an entry here; only
the server's edge turns one into bytes, in the shape of the caller's protocol.
Where an entry rests on observed (not documented) AWS behaviour, or on a choice
Gatehouse made, the comment above it says so; docs/lab.md collects the choices.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from gatehouse.lab.models import Protocol


class Fault(enum.Enum):
    """Whose fault an error is; the query protocol writes it as <Type>."""

    SENDER = "Sender"
    RECEIVER = "Receiver"


@dataclass(frozen=True)
class ErrorSpec:
    """One catalogue entry: an AWS error code with its status and message template."""

    code: str
    status: int
    template: str
    fault: Fault = Fault.SENDER

    def error(self, **fields: object) -> AwsError:
        return AwsError(self, fields)


class AwsError(Exception):
    """An error AWS would answer with; `fields` fill the entry's message template."""

    def __init__(self, spec: ErrorSpec, fields: Mapping[str, object] | None = None):
        self.spec = spec
        self.fields = dict(fields or {})
        self.message = spec.template.format(**self.fields)
        super().__init__(f"{spec.code}: {self.message}")

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def status(self) -> int:
        return self.spec.status


# --- Request routing -------------------------------------------------------------

# Observed: IAM "Could not find operation ReplaceIamInstanceProfileAssociation for
# version 2010-05-08" (fog/fog-aws#368), SES the same form (aws/aws-cli#37).
INVALID_ACTION = ErrorSpec(
    "InvalidAction", 400, "Could not find operation {operation} for version {version}"
)
# Observed: "The action :DescribeInstances is not valid for this web service."
# (cognitect-labs/aws-api#6).
EC2_INVALID_ACTION = ErrorSpec(
    "InvalidAction", 400, "The action {operation} is not valid for this web service."
)
# Observed: body {"__type":"UnknownOperationException"} with HTTP 400 and no
# message (aws/aws-sdk-net#1536).
UNKNOWN_OPERATION = ErrorSpec("UnknownOperationException", 400, "")
# AWS Common Errors lists MissingAction (400); the message text is a Gatehouse
# choice (UNCONFIRMED).
MISSING_ACTION = ErrorSpec("MissingAction", 400, "Missing Action")
# AWS Common Errors: MalformedQueryString, "The query string contains a syntax
# error.", HTTP 404. The detail after the colon is Gatehouse's.
MALFORMED_QUERY_STRING = ErrorSpec(
    "MalformedQueryString", 404, "The query string contains a syntax error: {detail}"
)
# JSON protocol: a body that is not the JSON the model expects (AWS answers
# SerializationException 400; the message wording is Gatehouse's, UNCONFIRMED).
SERIALIZATION = ErrorSpec("SerializationException", 400, "{detail}")
# Gatehouse choice: a value that cannot be read as the model's type (for example
# DurationSeconds=abc) on the query and EC2 protocols (UNCONFIRMED wording).
INVALID_PARAMETER_VALUE = ErrorSpec(
    "InvalidParameterValue",
    400,
    "Value ({value}) for parameter {name} is invalid. {reason}",
)

# --- Input validation (the model's constraints) ----------------------------------

# Observed: "1 validation error detected: Value 'a:b' at 'roleSessionName' failed
# to satisfy constraint: ..." with code ValidationError, HTTP 400 (aws-facts §1.2).
VALIDATION_ERROR = ErrorSpec("ValidationError", 400, "{summary}")
# JSON services send the same text as ValidationException (observed, SSM
# PutParameter: ministryofjustice/modernisation-platform#8116).
VALIDATION_EXCEPTION = ErrorSpec("ValidationException", 400, "{summary}")
# EC2 reports a missing required parameter like this (AWS Common Errors:
# MissingParameter, 400).
MISSING_PARAMETER = ErrorSpec(
    "MissingParameter", 400, "The request must contain the parameter {name}"
)

# --- Gatehouse's own answers -----------------------------------------------------

# Gatehouse choice: 501 Not Implemented, which botocore does not retry, with
# <Type>Receiver</Type> because the gap is on the server's side.
NOT_MODELLED = ErrorSpec(
    "NotModelled",
    501,
    "Gatehouse does not model {service}:{operation}; see docs/coverage.md",
    Fault.RECEIVER,
)
NOT_MODELLED_CASE = ErrorSpec(
    "NotModelled",
    501,
    "Gatehouse does not model {service}:{operation} {case}; see docs/coverage.md",
    Fault.RECEIVER,
)
SERVICE_NOT_MODELLED = ErrorSpec(
    "NotModelled",
    501,
    "Gatehouse does not model the {service} service; see docs/coverage.md",
    Fault.RECEIVER,
)
# Gatehouse choice: the body limit and this code (HTTP 413) are not AWS's.
REQUEST_TOO_LARGE = ErrorSpec(
    "RequestEntityTooLarge",
    413,
    "The request body exceeds the {limit} bytes the lab accepts",
)
# AWS Common Errors: InternalFailure, HTTP 500.
INTERNAL_FAILURE = ErrorSpec(
    "InternalFailure",
    500,
    "The request processing has failed because of an unknown error, exception or failure.",
    Fault.RECEIVER,
)

# --- Authentication (SigV4) ------------------------------------------------------


class AuthProblem(enum.Enum):
    """What was wrong with a request's credentials, before choosing AWS's words."""

    MISSING = "missing"
    INCOMPLETE = "incomplete"
    UNKNOWN_KEY = "unknown key"
    BAD_SIGNATURE = "bad signature"
    SCOPE_DATE_MISMATCH = "scope date mismatch"
    SIGNATURE_EXPIRED = "signature expired"
    SIGNATURE_NOT_YET_CURRENT = "signature not yet current"
    EXPIRED_TOKEN = "expired token"


_INVALID_TOKEN = "The security token included in the request is invalid."
_EXPIRED_TOKEN = "The security token included in the request is expired"
_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
# Observed (aws/aws-cli#6676, devsecops/bootcamp#101): "Signature expired:
# 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)";
# the future-dated twin is "Signature not yet current: ... is still later than ...
# (... + 15 min.)" (serverless/enterprise#11).
_EXPIRED_SIGNATURE = (
    "Signature expired: {signed} is now earlier than {earliest} ({now} - 15 min.)"
)
_NOT_YET_CURRENT = (
    "Signature not yet current: {signed} is still later than {latest} ({now} + 15 min.)"
)
_SCOPE_DATE = (
    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
    "from HTTP: '{scope_date}' != '{request_date}', from '{amz_date}'."
)

_QUERY_AUTH = {
    # Observed STS body: MissingAuthenticationToken, "Request is missing
    # Authentication Token", 403 (amzn/selling-partner-api-docs#3081).
    AuthProblem.MISSING: ErrorSpec(
        "MissingAuthenticationToken", 403, "Request is missing Authentication Token"
    ),
    # AWS Common Errors: IncompleteSignature, 400.
    AuthProblem.INCOMPLETE: ErrorSpec("IncompleteSignature", 400, "{detail}"),
    AuthProblem.UNKNOWN_KEY: ErrorSpec("InvalidClientTokenId", 403, _INVALID_TOKEN),
    AuthProblem.BAD_SIGNATURE: ErrorSpec(
        "SignatureDoesNotMatch", 403, _SIGNATURE_MISMATCH
    ),
    AuthProblem.SCOPE_DATE_MISMATCH: ErrorSpec(
        "SignatureDoesNotMatch", 403, _SCOPE_DATE
    ),
    AuthProblem.SIGNATURE_EXPIRED: ErrorSpec(
        "SignatureDoesNotMatch", 403, _EXPIRED_SIGNATURE
    ),
    AuthProblem.SIGNATURE_NOT_YET_CURRENT: ErrorSpec(
        "SignatureDoesNotMatch", 403, _NOT_YET_CURRENT
    ),
    # Observed IAM/STS: ExpiredToken, 403 (cfn-sphere/cfn-sphere#55,
    # aws/aws-sdk-java-v2#1649). STS's model names ExpiredTokenException (400),
    # but that is AssumeRoleWithWebIdentity's expired *identity* token, not this.
    AuthProblem.EXPIRED_TOKEN: ErrorSpec("ExpiredToken", 403, _EXPIRED_TOKEN),
}

_JSON_AUTH = {
    # Observed: MissingAuthenticationTokenException "Missing Authentication Token"
    # with 400 from a JSON service (jenkinsci/aws-credentials-plugin#270, ECR).
    AuthProblem.MISSING: ErrorSpec(
        "MissingAuthenticationTokenException", 400, "Missing Authentication Token"
    ),
    AuthProblem.INCOMPLETE: ErrorSpec("IncompleteSignatureException", 400, "{detail}"),
    # Observed SSM: UnrecognizedClientException, 400 (coveooss/...#3).
    AuthProblem.UNKNOWN_KEY: ErrorSpec(
        "UnrecognizedClientException", 400, _INVALID_TOKEN
    ),
    # Observed SSM: {"__type":"InvalidSignatureException",...} (CrowdStrike/falcon-scripts#126);
    # 400 observed for DynamoDB (aws/aws-sdk-js#254).
    AuthProblem.BAD_SIGNATURE: ErrorSpec(
        "InvalidSignatureException", 400, _SIGNATURE_MISMATCH
    ),
    AuthProblem.SCOPE_DATE_MISMATCH: ErrorSpec(
        "InvalidSignatureException", 400, _SCOPE_DATE
    ),
    AuthProblem.SIGNATURE_EXPIRED: ErrorSpec(
        "InvalidSignatureException", 400, _EXPIRED_SIGNATURE
    ),
    AuthProblem.SIGNATURE_NOT_YET_CURRENT: ErrorSpec(
        "InvalidSignatureException", 400, _NOT_YET_CURRENT
    ),
    # AWS Common Errors (current): ExpiredTokenException; 400 as SDKs model it for
    # JSON services (UNCONFIRMED status for SSM).
    AuthProblem.EXPIRED_TOKEN: ErrorSpec("ExpiredTokenException", 400, _EXPIRED_TOKEN),
}

_EC2_AUTH_FAILURE = "AWS was not able to validate the provided access credentials"
_EC2_AUTH = {
    # Observed EC2 body: <Response><Errors><Error><Code>AuthFailure</Code>... with
    # 401 (aws/aws-sdk-java-v2#2981, elastic/elasticsearch-cloud-aws#219). For an
    # unsigned request Gatehouse answers the same (UNCONFIRMED).
    AuthProblem.MISSING: ErrorSpec("AuthFailure", 401, _EC2_AUTH_FAILURE),
    AuthProblem.INCOMPLETE: ErrorSpec("IncompleteSignature", 400, "{detail}"),
    AuthProblem.UNKNOWN_KEY: ErrorSpec("AuthFailure", 401, _EC2_AUTH_FAILURE),
    AuthProblem.BAD_SIGNATURE: ErrorSpec(
        "SignatureDoesNotMatch", 403, _SIGNATURE_MISMATCH
    ),
    AuthProblem.SCOPE_DATE_MISMATCH: ErrorSpec(
        "SignatureDoesNotMatch", 403, _SCOPE_DATE
    ),
    # Observed: "RequestExpired ... Request has expired.", 400, both for clock skew
    # (AWS Common Errors) and for expired session credentials (jenkinsci/ec2-plugin#2011).
    AuthProblem.SIGNATURE_EXPIRED: ErrorSpec(
        "RequestExpired", 400, "Request has expired."
    ),
    AuthProblem.SIGNATURE_NOT_YET_CURRENT: ErrorSpec(
        "RequestExpired", 400, "Request has expired."
    ),
    AuthProblem.EXPIRED_TOKEN: ErrorSpec("RequestExpired", 400, "Request has expired."),
}

AUTH_ERRORS: Mapping[Protocol, Mapping[AuthProblem, ErrorSpec]] = {
    Protocol.QUERY: _QUERY_AUTH,
    Protocol.JSON: _JSON_AUTH,
    Protocol.EC2: _EC2_AUTH,
}


def auth_error(problem: AuthProblem, protocol: Protocol, **fields: object) -> AwsError:
    """The AWS error for an authentication problem, in the words of this protocol."""
    return AwsError(AUTH_ERRORS[protocol][problem], fields)


# --- Service-specific errors raised by handlers -----------------------------------

# Observed IAM GetUser answer for role credentials without UserName (UNCONFIRMED
# wording beyond public reports).
IAM_USER_NAME_REQUIRED = ErrorSpec(
    "ValidationError",
    400,
    "Must specify userName when calling with non-User credentials",
)
# Observed EC2 wording for unknown and malformed instance ids.
EC2_INSTANCE_NOT_FOUND = ErrorSpec(
    "InvalidInstanceID.NotFound", 400, "The instance ID '{instance_id}' does not exist"
)
EC2_INSTANCES_NOT_FOUND = ErrorSpec(
    "InvalidInstanceID.NotFound", 400, "The instance IDs '{instance_ids}' do not exist"
)
EC2_INSTANCE_ID_MALFORMED = ErrorSpec(
    "InvalidInstanceID.Malformed", 400, 'Invalid id: "{instance_id}"'
)
# EC2's answer when DryRun is set and the caller would be allowed (AWS EC2 API
# reference, common error DryRunOperation, HTTP 412).
EC2_DRY_RUN_OPERATION = ErrorSpec(
    "DryRunOperation", 412, "Request would have succeeded, but DryRun flag is set."
)

# --- Authorization ---------------------------------------------------------------

# IAM User Guide, "Access denied error messages": "User: <arn> is not authorized
# to perform: <action> on resource: <arn> because no <type> policy allows the
# <action> action" or "... with an explicit deny in a <type> policy". STS is
# observed without the "because" clause (aws-facts §1.4), so STS omits it.
ACCESS_DENIED = ErrorSpec(
    "AccessDenied",
    403,
    "User: {caller} is not authorized to perform: {action} on resource: {resource}"
    "{because}",
)
# JSON services (SSM, CloudTrail) name the same denial AccessDeniedException, 400.
ACCESS_DENIED_EXCEPTION = ErrorSpec(
    "AccessDeniedException",
    400,
    "User: {caller} is not authorized to perform: {action} on resource: {resource}"
    "{because}",
)
# EC2: UnauthorizedOperation, 403, followed by an encoded authorization message
# that sts:DecodeAuthorizationMessage reads (EC2 API reference, common errors).
EC2_UNAUTHORIZED = ErrorSpec(
    "UnauthorizedOperation",
    403,
    "You are not authorized to perform this operation. User: {caller} is not "
    "authorized to perform: {action} on resource: {resource}{because}. Encoded "
    "authorization failure message: {encoded}",
)
# Observed (aws-facts §1.4): the root user cannot assume roles.
ROOT_CANNOT_ASSUME = ErrorSpec(
    "AccessDenied", 403, "Roles may not be assumed by root accounts."
)

# --- STS -------------------------------------------------------------------------

# Observed (aws-facts §1.3, §7): the two duration refusals, ValidationError 400.
DURATION_EXCEEDS_CHAINING_LIMIT = ErrorSpec(
    "ValidationError",
    400,
    "The requested DurationSeconds exceeds the 1 hour session limit for roles "
    "assumed by role chaining.",
)
DURATION_EXCEEDS_ROLE_MAXIMUM = ErrorSpec(
    "ValidationError",
    400,
    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
)
# Observed (aws-facts §1.9): session credentials cannot mint more session tokens.
SESSION_CREDENTIALS_REFUSED = ErrorSpec(
    "AccessDenied", 403, "Cannot call {operation} with session credentials"
)
# Observed in STS answers (aws/aws-cli#2279, #6325; y13i/sgviz#9).
MFA_INVALID_CODE = ErrorSpec(
    "AccessDenied",
    403,
    "MultiFactorAuthentication failed with invalid MFA one time pass code.",
)
MFA_UNKNOWN_DEVICE = ErrorSpec(
    "AccessDenied",
    403,
    "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify "
    "your MFA serial number is valid and associated with this user.",
)
MFA_INCOMPLETE = ErrorSpec(
    "AccessDenied",
    403,
    "MultiFactorAuthentication failed, must provide both MFA serial number and one "
    "time pass code.",
)
# STS model: PackedPolicyTooLargeException (400). The wording is observed from
# AWS ("Packed policy consumes N% of allotted space, please use smaller policy.").
PACKED_POLICY_TOO_LARGE = ErrorSpec(
    "PackedPolicyTooLarge",
    400,
    "Packed policy consumes {percent}% of allotted space, please use smaller policy.",
)
# STS model: MalformedPolicyDocumentException (400); the detail is the engine's.
STS_MALFORMED_POLICY = ErrorSpec("MalformedPolicyDocument", 400, "{detail}")
# Gatehouse choices (UNCONFIRMED wording): transitive tag keys that name no
# passed tag, and a session tag that would replace an inherited transitive tag.
TRANSITIVE_KEY_NOT_TAGGED = ErrorSpec(
    "InvalidParameterValue",
    400,
    "The transitive tag key {key} is not among the session tags of this request.",
)
TRANSITIVE_TAG_OVERRIDE = ErrorSpec(
    "InvalidParameterValue",
    400,
    "The session tag {key} is a transitive tag of the calling session and cannot "
    "be set again.",
)
DUPLICATE_TAG_KEYS = ErrorSpec(
    "InvalidParameterValue",
    400,
    "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
)
# Observed (aws-facts §1.9, ERR-GSTIAM): GetSessionToken credentials without MFA
# calling IAM are refused as an invalid token.
GST_IAM_WITHOUT_MFA = ErrorSpec(
    "InvalidClientTokenId", 403, "The security token included in the request is invalid"
)

# --- IAM -------------------------------------------------------------------------
# Codes and HTTP statuses are the IAM model's (NoSuchEntity 404, EntityAlreadyExists
# 409, LimitExceeded 409, DeleteConflict 409, MalformedPolicyDocument 400,
# InvalidInput 400, InvalidAuthenticationCode 403). Messages are observed in AWS
# answers quoted in public reports, cited on each entry; entries marked
# UNCONFIRMED are Gatehouse's choice and listed in docs/lab.md.

# Observed (jarpy/lambkin#3, aws/amazon-sagemaker-examples#2300).
IAM_NO_SUCH_ROLE = ErrorSpec(
    "NoSuchEntity", 404, "The role with name {name} cannot be found."
)
# Roles' form, observed above; users and groups follow it (the group form is
# quoted for PutGroupPolicy and AddUserToGroup in public runbooks).
IAM_NO_SUCH_USER = ErrorSpec(
    "NoSuchEntity", 404, "The user with name {name} cannot be found."
)
IAM_NO_SUCH_GROUP = ErrorSpec(
    "NoSuchEntity", 404, "The group with name {name} cannot be found."
)
# Observed (skyplane-project/skyplane#724, DataBiosphere/toil#4836).
IAM_NO_SUCH_INSTANCE_PROFILE = ErrorSpec(
    "NoSuchEntity", 404, "Instance Profile {name} cannot be found."
)
# Observed for roles (aws/aws-cli#6139: "The role policy with name X cannot be
# found."); users and groups follow the same form (UNCONFIRMED for those two).
IAM_NO_SUCH_INLINE_POLICY = ErrorSpec(
    "NoSuchEntity", 404, "The {holder} policy with name {name} cannot be found."
)
# Observed (pulumi/pulumi#7419, hashicorp/terraform#31748, getmoto/moto#6482).
IAM_POLICY_NOT_ATTACHABLE = ErrorSpec(
    "NoSuchEntity", 404, "Policy {arn} does not exist or is not attachable."
)
# UNCONFIRMED: GetPolicy on an unknown ARN, and detaching a policy that is not
# attached.
IAM_NO_SUCH_POLICY = ErrorSpec("NoSuchEntity", 404, "Policy {arn} was not found.")
# UNCONFIRMED wording for an unknown version of a managed policy.
IAM_NO_SUCH_POLICY_VERSION = ErrorSpec(
    "NoSuchEntity", 404, "Policy {arn} version {version} does not exist."
)
# Observed (IAM answer quoted in paws docs and in SDK test fixtures).
IAM_NO_SUCH_ACCESS_KEY = ErrorSpec(
    "NoSuchEntity", 404, "The Access Key with id {key} cannot be found."
)
# UNCONFIRMED wording for an unknown or unassigned MFA device.
IAM_NO_SUCH_MFA_DEVICE = ErrorSpec(
    "NoSuchEntity", 404, "MFA Device with serial number {serial} does not exist."
)

# Observed (ucopacme/aws-orgs#12: "User with name vmutyal already exists.").
IAM_USER_EXISTS = ErrorSpec(
    "EntityAlreadyExists", 409, "User with name {name} already exists."
)
# Roles and groups follow the users' form (UNCONFIRMED).
IAM_ROLE_EXISTS = ErrorSpec(
    "EntityAlreadyExists", 409, "Role with name {name} already exists."
)
IAM_GROUP_EXISTS = ErrorSpec(
    "EntityAlreadyExists", 409, "Group with name {name} already exists."
)
# UNCONFIRMED.
IAM_INSTANCE_PROFILE_EXISTS = ErrorSpec(
    "EntityAlreadyExists", 409, "Instance Profile {name} already exists."
)
# Observed (konstructio/kubefirst#855, Altinity/terraform-aws-eks-clickhouse#7).
IAM_POLICY_EXISTS = ErrorSpec(
    "EntityAlreadyExists",
    409,
    "A policy called {name} already exists. Duplicate names are not allowed.",
)
# UNCONFIRMED: a virtual MFA device name taken, and a device already assigned.
IAM_MFA_DEVICE_EXISTS = ErrorSpec(
    "EntityAlreadyExists",
    409,
    "MFADevice entity at the same path and name already exists.",
)
IAM_MFA_DEVICE_IN_USE = ErrorSpec(
    "EntityAlreadyExists", 409, "MFA Device is already in use."
)

# Observed (simonw/s3-credentials#64, bartekj/aws-tools#29).
IAM_ACCESS_KEY_QUOTA = ErrorSpec(
    "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: {limit}"
)
# Observed (moto maintainers checking AWS, getmoto/moto#6404; hashicorp/terraform
# #3851): AWS names the quota InstanceSessionsPerInstanceProfile.
IAM_INSTANCE_PROFILE_ROLE_QUOTA = ErrorSpec(
    "LimitExceeded",
    409,
    "Cannot exceed quota for InstanceSessionsPerInstanceProfile: {limit}",
)
# Observed (99designs/iamy#21).
IAM_POLICY_VERSION_QUOTA = ErrorSpec(
    "LimitExceeded",
    409,
    "A managed policy can have up to {limit} versions. Before you create a new "
    "version, you must delete an existing version.",
)
# Observed (ministryofjustice/cloud-platform-environments#14473, docker/docs#5815).
IAM_MANAGED_POLICY_SIZE = ErrorSpec(
    "LimitExceeded", 409, "Cannot exceed quota for PolicySize: {limit}"
)
# Observed for users ("Maximum policy size of 2048 bytes exceeded for user X");
# roles and groups follow the same form.
IAM_INLINE_POLICY_SIZE = ErrorSpec(
    "LimitExceeded",
    409,
    "Maximum policy size of {limit} bytes exceeded for {holder} {name}",
)
# Observed (kubeflow/dashboard#29).
IAM_TRUST_POLICY_SIZE = ErrorSpec(
    "LimitExceeded", 409, "Cannot exceed quota for ACLSizePerRole: {limit}"
)
# Observed for roles ("Cannot exceed quota for PoliciesPerRole: 15",
# ministryofjustice/cloud-platform-environments#14118); PoliciesPerUser and
# PoliciesPerGroup by analogy (UNCONFIRMED).
IAM_ATTACHED_POLICY_QUOTA = ErrorSpec(
    "LimitExceeded", 409, "Cannot exceed quota for {quota}: {limit}"
)
# UNCONFIRMED quota names for groups per user and tags per entity.
IAM_QUOTA = ErrorSpec("LimitExceeded", 409, "Cannot exceed quota for {quota}: {limit}")

# Observed (awslabs/aws-orbit-workbench#633 and many more).
IAM_DELETE_POLICIES_FIRST = ErrorSpec(
    "DeleteConflict", 409, "Cannot delete entity, must delete policies first."
)
# Observed (ansible/ansible#22832).
IAM_DETACH_POLICIES_FIRST = ErrorSpec(
    "DeleteConflict", 409, "Cannot delete entity, must detach all policies first."
)
# Observed (aws-controllers-k8s/community#2229).
IAM_DELETE_ACCESS_KEYS_FIRST = ErrorSpec(
    "DeleteConflict", 409, "Cannot delete entity, must delete access keys first."
)
# Observed for DeleteUser and DeleteGroup (mozilla-services/userplex#17).
IAM_REMOVE_USERS_FROM_GROUP_FIRST = ErrorSpec(
    "DeleteConflict", 409, "Cannot delete entity, must remove users from group first."
)
# UNCONFIRMED wording for a user that still has an MFA device.
IAM_DELETE_MFA_FIRST = ErrorSpec(
    "DeleteConflict", 409, "Cannot delete entity, must delete MFA device first."
)
# Observed for DeleteRole and DeleteInstanceProfile (99designs/iamy#47, #68).
IAM_REMOVE_ROLES_FIRST = ErrorSpec(
    "DeleteConflict",
    409,
    "Cannot delete entity, must remove roles from instance profile first.",
)
# Observed (serverless/components#312).
IAM_POLICY_ATTACHED = ErrorSpec(
    "DeleteConflict", 409, "Cannot delete a policy attached to entities."
)
# Observed (rebuy-de/aws-nuke#1).
IAM_POLICY_HAS_VERSIONS = ErrorSpec(
    "DeleteConflict",
    409,
    "This policy has more than one version. Before you delete a policy, you must "
    "delete the policy's versions. The default version is deleted with the policy.",
)
# Observed (byu-oit/handel#140).
IAM_DEFAULT_VERSION = ErrorSpec(
    "DeleteConflict", 409, "Cannot delete the default version of a policy."
)
# UNCONFIRMED wording for deleting a virtual MFA device still assigned to a user.
IAM_MFA_DEVICE_ASSIGNED = ErrorSpec(
    "DeleteConflict", 409, "MFA Device {serial} is still assigned to a user."
)

# IAM model: MalformedPolicyDocumentException (400). The detail is the policy
# engine's description of the first error and where it is.
IAM_MALFORMED_POLICY = ErrorSpec("MalformedPolicyDocument", 400, "{detail}")
# IAM model: InvalidAuthenticationCodeException (403); wording UNCONFIRMED.
IAM_INVALID_AUTHENTICATION_CODE = ErrorSpec(
    "InvalidAuthenticationCode", 403, "Authentication code for device is not valid."
)
# UNCONFIRMED wording: an ARN that cannot name a managed policy.
IAM_INVALID_ARN = ErrorSpec("InvalidInput", 400, "ARN {arn} is not valid.")
# IAM answers the STS wording for repeated tag keys with its own code
# (InvalidInput; UNCONFIRMED).
IAM_DUPLICATE_TAG_KEYS = ErrorSpec(
    "InvalidInput",
    400,
    "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
)
# UNCONFIRMED wording: a Marker this lab did not hand out.
IAM_INVALID_MARKER = ErrorSpec("ValidationError", 400, "Invalid Marker: {marker}")


def from_lookup_error(code: str, status: int, message: str) -> AwsError:
    """A CloudTrail LookupEvents error (raised by gatehouse.trail) as an AwsError."""
    return AwsError(ErrorSpec(code, status, "{message}"), {"message": message})


# --- EC2 -------------------------------------------------------------------------
# Instances, metadata options and defaults, AMIs and security groups
# (lab/handlers/ec2.py). EC2's common errors are HTTP 400 unless noted.

# Observed: "The image id '[ami-0c55b159cbfafe1f0]' does not exist" (brackets
# included; brikis98/terraform-up-and-running-code#65, ambrosejcarr/seqc#324).
EC2_IMAGE_NOT_FOUND = ErrorSpec(
    "InvalidAMIID.NotFound", 400, "The image id '[{image_id}]' does not exist"
)
EC2_IMAGES_NOT_FOUND = ErrorSpec(
    "InvalidAMIID.NotFound", 400, "The image ids '[{image_ids}]' do not exist"
)
# Observed: 'Invalid id: "ami-123" (expecting "ami-...")'.
EC2_IMAGE_ID_MALFORMED = ErrorSpec(
    "InvalidAMIID.Malformed", 400, 'Invalid id: "{image_id}" (expecting "ami-...")'
)
# Observed wording for a second AMI with a name already used in the account.
EC2_IMAGE_NAME_DUPLICATE = ErrorSpec(
    "InvalidAMIName.Duplicate",
    400,
    "AMI name {name} is already in use by AMI {image_id}",
)
# Observed: "The security group 'sg-…' does not exist"; by name, "… does not
# exist in default VPC 'vpc-…'".
EC2_GROUP_NOT_FOUND = ErrorSpec(
    "InvalidGroup.NotFound", 400, "The security group '{group}' does not exist"
)
EC2_GROUP_NAME_NOT_FOUND = ErrorSpec(
    "InvalidGroup.NotFound",
    400,
    "The security group '{group}' does not exist in default VPC '{vpc_id}'",
)
EC2_GROUP_ID_MALFORMED = ErrorSpec(
    "InvalidGroupId.Malformed", 400, 'Invalid id: "{group_id}" (expecting "sg-...")'
)
# Observed: "The security group 'web' already exists for VPC 'vpc-…'".
EC2_GROUP_DUPLICATE = ErrorSpec(
    "InvalidGroup.Duplicate",
    400,
    "The security group '{name}' already exists for VPC '{vpc_id}'",
)
# Observed: 'the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to port:
# 22, ALLOW" already exists' (lower-case first letter, as AWS sends it).
EC2_PERMISSION_DUPLICATE = ErrorSpec(
    "InvalidPermission.Duplicate",
    400,
    'the specified rule "peer: {cidr}, {protocol}, from port: {from_port}, '
    'to port: {to_port}, ALLOW" already exists',
)
# Observed for revoking a rule the group does not have.
EC2_PERMISSION_NOT_FOUND = ErrorSpec(
    "InvalidPermission.NotFound",
    400,
    "The specified rule does not exist in this security group.",
)
# Observed: "The filter 'foo' is invalid".
EC2_INVALID_FILTER = ErrorSpec(
    "InvalidParameterValue", 400, "The filter '{name}' is invalid"
)
# Observed for an unknown instance profile name at launch: "Value (x) for
# parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name".
EC2_INSTANCE_PROFILE_INVALID = ErrorSpec(
    "InvalidParameterValue",
    400,
    "Value ({value}) for parameter iamInstanceProfile.{field} is invalid. "
    "Invalid IAM Instance Profile {what}",
)
# Gatehouse choice (UNCONFIRMED wording): an operation on a terminated instance.
EC2_INCORRECT_INSTANCE_STATE = ErrorSpec(
    "IncorrectInstanceState",
    400,
    "The instance '{instance_id}' is not in a state from which it can be {verb}.",
)
# Gatehouse choice (UNCONFIRMED code and wording): account-level
# ModifyInstanceMetadataDefaults while a declarative policy manages the
# defaults. AWS documents only that account administrators cannot change them;
# the message is the policy's exception_message when it has one.
EC2_DEFAULTS_MANAGED = ErrorSpec("OperationNotPermitted", 400, "{message}")
DEFAULTS_MANAGED_MESSAGE = (
    "The instance metadata defaults of this account are managed by a declarative "
    "policy and cannot be changed at the account level."
)
# Gatehouse choice (UNCONFIRMED code and wording): HttpTokensEnforced is enabled
# and the launch or change would leave IMDSv1 on.
EC2_TOKENS_ENFORCED = ErrorSpec(
    "OperationNotPermitted",
    400,
    "IMDSv2 is enforced for this account in {region} (HttpTokensEnforced is "
    "enabled): the instance must use HttpTokens=required.",
)


# --- Web identity and SAML federation ----------------------------------------------
# AssumeRoleWithWebIdentity and AssumeRoleWithSAML. STS's model gives the codes
# and statuses (InvalidIdentityToken 400, ExpiredTokenException 400,
# IDPRejectedClaim 403); the messages are AWS's where a source shows them.

# IAM User Guide, "Troubleshooting SAML 2.0 federation" (SAML); observed for web
# identity (aws/aws-sdk-js-v3#6225, aws-actions/configure-aws-credentials#318).
# Also what a missing sts:SetSourceIdentity or sts:TagSession earns (same page).
FEDERATION_ACCESS_DENIED = ErrorSpec(
    "AccessDenied", 403, "Not authorized to perform {action}"
)
# Observed (awslabs/aws-orbit-workbench#707, aws/aws-sdk-java-v2#5709): the times
# are epoch seconds. Gatehouse words an expired SAML assertion the same way
# (UNCONFIRMED).
TOKEN_EXPIRED = ErrorSpec(
    "ExpiredTokenException",
    400,
    "Token expired: current date/time {now} must be before the expiration "
    "date/time {expires}",
)
# Observed (aws-actions/configure-aws-credentials#721, mozilla-iam/mozilla-aws-cli#127).
OIDC_PROVIDER_NOT_FOUND = ErrorSpec(
    "InvalidIdentityToken",
    400,
    "No OpenIDConnect provider found in your account for {issuer}",
)
# Observed (awslabs/amazon-eks-irsa-cfn#18, guardian/cdk#1944).
OIDC_WRONG_AUDIENCE = ErrorSpec("InvalidIdentityToken", 400, "Incorrect token audience")
# Observed for aud (aws/aws-sdk-ruby#2698); the same form for iss, sub and exp
# is Gatehouse's (UNCONFIRMED).
OIDC_MISSING_CLAIM = ErrorSpec(
    "InvalidIdentityToken", 400, "Missing a required claim: {claim}"
)
# Observed when STS finds no key for the token (aws/aws-sdk-js-v3#3052).
OIDC_UNKNOWN_KEY = ErrorSpec(
    "InvalidIdentityToken",
    400,
    "Couldn't retrieve verification key from your identity provider,  please "
    "reference AssumeRoleWithWebIdentity documentation for requirements",
)
# Gatehouse choices (UNCONFIRMED wording): a signature the provider's key does
# not verify, a token that is not a JWT, and one used before its `nbf`.
OIDC_BAD_SIGNATURE = ErrorSpec("InvalidIdentityToken", 400, "Incorrect token signature")
OIDC_MALFORMED = ErrorSpec(
    "InvalidIdentityToken",
    400,
    "The ID Token provided is not a valid JWT. (You may see this error if you "
    "sent an Access Token)",
)
OIDC_NOT_YET_VALID = ErrorSpec("IDPRejectedClaim", 403, "Token is not yet valid")
# IAM User Guide, "Troubleshooting SAML 2.0 federation" (CONFIRMED wording).
SAML_BAD_SIGNATURE = ErrorSpec(
    "InvalidIdentityToken", 400, "Response signature invalid"
)
SAML_NO_SESSION_NAME = ErrorSpec(
    "InvalidIdentityToken", 400, "RoleSessionName is required in AuthnResponse"
)
SAML_BAD_SESSION_NAME = ErrorSpec(
    "InvalidIdentityToken",
    400,
    "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{{2,64}}",
)
FEDERATED_BAD_SOURCE_IDENTITY = ErrorSpec(
    "InvalidIdentityToken",
    400,
    'Source Identity must match [a-zA-Z_0-9+=,.@-]{{2,64}} and not begin with "aws:"',
)
# The same page gives the message; the code is Gatehouse's (UNCONFIRMED).
SAML_PROVIDER_NOT_FOUND = ErrorSpec(
    "InvalidIdentityToken", 400, "Specified provider doesn't exist."
)
# The page shows this message from the console's sign-in service; Gatehouse
# answers it as InvalidIdentityToken (UNCONFIRMED).
SAML_ISSUER_MISMATCH = ErrorSpec(
    "InvalidIdentityToken",
    400,
    "Failed to assume role: Issuer not present in specified provider",
)
# Gatehouse choices (UNCONFIRMED wording) for an assertion that is not a SAML
# response, or whose audience or recipient is not AWS's sign-in endpoint.
SAML_MALFORMED = ErrorSpec("InvalidIdentityToken", 400, "Invalid SAML response")
SAML_WRONG_AUDIENCE = ErrorSpec(
    "InvalidIdentityToken", 400, "Incorrect audience in SAML response"
)
SAML_WRONG_RECIPIENT = ErrorSpec(
    "InvalidIdentityToken", 400, "Incorrect recipient in SAML response"
)
