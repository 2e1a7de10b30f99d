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


def from_lookup_error(code: str, status: int, message: str) -> AwsError:
    """A CloudTrail LookupEvents error (raised by gatehouse.trail) as an AwsError."""
    return AwsError(ErrorSpec(code, status, "{message}"), {"message": message})


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
