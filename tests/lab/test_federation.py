"""Web identity and SAML federation through boto3, the way CI systems and IdPs use it.

The world's OIDC provider (the CI system, ci.gatehouse.example) and SAML
provider (the corporate IdP, CorpIdP) are played by `gatehouse lab token`'s
library: their keys live in the lab's state. Every call goes to the lab
unsigned, as boto3 sends it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.session
import httpx
import jwt
import pytest
from botocore import UNSIGNED
from botocore.credentials import (
    AssumeRoleWithWebIdentityProvider,
    CredentialResolver,
)
from botocore.exceptions import ClientError
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gatehouse.cli import cli
from gatehouse.lab import federation
from gatehouse.lab.tokens import TokenRequest, mint

from .conftest import error_of as xml_error_of
from .world_lab import HOME, REGION, VENDOR, WorldLab, world_lab

CI = "ci.gatehouse.example"
CI_ISSUER = f"https://{CI}"
CI_PROVIDER = f"arn:aws:iam::{HOME}:oidc-provider/{CI}"
CI_ROLE = f"arn:aws:iam::{HOME}:role/CiDeployRole"
MAIN = "repo:home/app:ref:refs/heads/main"
CORP_PROVIDER = f"arn:aws:iam::{HOME}:saml-provider/CorpIdP"
CORP_ISSUER = "https://idp.corp.gatehouse.example/saml"
ENGINEER_ROLE = f"arn:aws:iam::{HOME}:role/CorpEngineerRole"
AUDIT_ROLE = f"arn:aws:iam::{HOME}:role/AuditRole"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorldLab]:
    with world_lab(Path(tmp_path_factory.mktemp("federation-lab"))) as served:
        yield served


def anonymous_sts(lab: WorldLab) -> Any:
    """STS without credentials, as a CI job has it before federation."""
    return boto3.session.Session().client(
        "sts",
        endpoint_url=lab.url,
        region_name=REGION,
        config=botocore.config.Config(
            signature_version=UNSIGNED, retries={"max_attempts": 1}
        ),
    )


def database(lab: WorldLab) -> Path:
    return lab.runtime.state.path


def ci_token(lab: WorldLab, subject: str = MAIN, **options: Any) -> str:
    return mint(database(lab), TokenRequest(provider=CI, subject=subject, **options))


def corp_response(lab: WorldLab, subject: str = "alice@corp", **options: Any) -> str:
    options.setdefault("roles", (ENGINEER_ROLE,))
    return mint(
        database(lab),
        TokenRequest(provider="CorpIdP", subject=subject, saml=True, **options),
    )


def error_of(call: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error: dict[str, str] = raised.value.response["Error"]
    error["Status"] = str(raised.value.response["ResponseMetadata"]["HTTPStatusCode"])
    return error


def records(lab: WorldLab, name: str) -> list[dict[str, Any]]:
    return [r for r in lab.records(HOME) if r["eventName"] == name]


# -- OIDC: the CI system ------------------------------------------------------------


def test_a_main_branch_job_assumes_the_deploy_role_without_keys(lab: WorldLab) -> None:
    sts = anonymous_sts(lab)
    response = sts.assume_role_with_web_identity(
        RoleArn=CI_ROLE, RoleSessionName="build-42", WebIdentityToken=ci_token(lab)
    )

    assert response["SubjectFromWebIdentityToken"] == MAIN
    assert response["Provider"] == CI_PROVIDER
    assert response["Audience"] == "sts.amazonaws.com"
    assert response["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{HOME}:assumed-role/CiDeployRole/build-42"
    )
    credentials = response["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    who = lab.client("sts", credentials=credentials).get_caller_identity()
    assert who["Arn"] == response["AssumedRoleUser"]["Arn"]


def test_a_job_of_another_branch_is_refused_by_the_sub_condition(
    lab: WorldLab,
) -> None:
    token = ci_token(lab, subject="repo:home/app:ref:refs/heads/feature")

    error = error_of(
        anonymous_sts(lab).assume_role_with_web_identity,
        RoleArn=CI_ROLE,
        RoleSessionName="build-43",
        WebIdentityToken=token,
    )

    assert error == {
        "Type": "Sender",
        "Code": "AccessDenied",
        "Message": "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        "Status": "403",
    }


def test_a_role_that_does_not_trust_the_provider_is_refused(lab: WorldLab) -> None:
    error = error_of(
        anonymous_sts(lab).assume_role_with_web_identity,
        RoleArn=AUDIT_ROLE,
        RoleSessionName="build-44",
        WebIdentityToken=ci_token(lab),
    )
    assert error["Code"] == "AccessDenied"


def test_a_token_for_another_audience_is_an_invalid_identity_token(
    lab: WorldLab,
) -> None:
    token = ci_token(lab, audience="some-other-client")

    error = error_of(
        anonymous_sts(lab).assume_role_with_web_identity,
        RoleArn=CI_ROLE,
        RoleSessionName="b1",
        WebIdentityToken=token,
    )

    assert (error["Code"], error["Message"], error["Status"]) == (
        "InvalidIdentityToken",
        "Incorrect token audience",
        "400",
    )


def test_an_expired_token_is_refused_after_five_minutes_of_grace(
    lab: WorldLab,
) -> None:
    sts = anonymous_sts(lab)
    # Expired two minutes ago: still inside IAM's five-minute allowance.
    sts.assume_role_with_web_identity(
        RoleArn=CI_ROLE,
        RoleSessionName="late",
        WebIdentityToken=ci_token(lab, expires_in=-120),
    )
    token = ci_token(lab, expires_in=-600)
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]

    error = error_of(
        sts.assume_role_with_web_identity,
        RoleArn=CI_ROLE,
        RoleSessionName="too-late",
        WebIdentityToken=token,
    )

    assert error["Code"] == "ExpiredTokenException"
    assert error["Status"] == "400"
    assert error["Message"].startswith("Token expired: current date/time ")
    assert error["Message"].endswith(
        f"must be before the expiration date/time {expires}"
    )


def test_a_token_signed_with_another_key_is_refused(lab: WorldLab) -> None:
    genuine = jwt.decode(ci_token(lab), options={"verify_signature": False})
    header = jwt.get_unverified_header(ci_token(lab))
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = forger.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    forged = jwt.encode(genuine, pem, algorithm="RS256", headers={"kid": header["kid"]})

    error = error_of(
        anonymous_sts(lab).assume_role_with_web_identity,
        RoleArn=CI_ROLE,
        RoleSessionName="forged",
        WebIdentityToken=forged,
    )

    assert error["Code"] == "InvalidIdentityToken"
    assert error["Message"] == "Incorrect token signature"


def test_an_unsigned_token_is_refused(lab: WorldLab) -> None:
    claims = jwt.decode(ci_token(lab), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none")

    error = error_of(
        anonymous_sts(lab).assume_role_with_web_identity,
        RoleArn=CI_ROLE,
        RoleSessionName="none-alg",
        WebIdentityToken=unsigned,
    )

    assert error["Code"] == "InvalidIdentityToken"


def test_a_token_from_an_issuer_the_account_does_not_know_is_refused(
    lab: WorldLab,
) -> None:
    genuine = jwt.decode(ci_token(lab), options={"verify_signature": False})
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(
        {**genuine, "iss": "https://ci.stranger.example"},
        stranger.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        algorithm="RS256",
    )

    error = error_of(
        anonymous_sts(lab).assume_role_with_web_identity,
        RoleArn=CI_ROLE,
        RoleSessionName="stranger",
        WebIdentityToken=token,
    )

    assert error["Message"] == (
        "No OpenIDConnect provider found in your account for https://ci.stranger.example"
    )


def test_the_provider_is_looked_up_in_the_role_account(lab: WorldLab) -> None:
    # The vendor account has no CI provider: the same token finds none there.
    error = error_of(
        anonymous_sts(lab).assume_role_with_web_identity,
        RoleArn=f"arn:aws:iam::{VENDOR}:role/VendorRole",
        RoleSessionName="elsewhere",
        WebIdentityToken=ci_token(lab),
    )
    assert error["Message"].startswith("No OpenIDConnect provider found")


def test_garbage_is_not_a_jwt(lab: WorldLab) -> None:
    error = error_of(
        anonymous_sts(lab).assume_role_with_web_identity,
        RoleArn=CI_ROLE,
        RoleSessionName="garbage",
        WebIdentityToken="not-a-token",
    )
    assert error["Code"] == "InvalidIdentityToken"
    assert "not a valid JWT" in error["Message"]


def test_a_token_without_an_audience_is_missing_a_required_claim(
    lab: WorldLab,
) -> None:
    provider = federation.find_provider(lab.runtime.state, CI, kind="oidc")
    now = datetime.now(UTC)
    token = jwt.encode(
        {
            "iss": CI_ISSUER,
            "sub": MAIN,
            "exp": int((now + timedelta(hours=1)).timestamp()),
        },
        provider.keys.private_key,
        algorithm="RS256",
    )

    error = error_of(
        anonymous_sts(lab).assume_role_with_web_identity,
        RoleArn=CI_ROLE,
        RoleSessionName="no-aud",
        WebIdentityToken=token,
    )

    assert error["Message"] == "Missing a required claim: aud"


def test_the_source_identity_claim_sets_the_source_identity(lab: WorldLab) -> None:
    response = anonymous_sts(lab).assume_role_with_web_identity(
        RoleArn=CI_ROLE,
        RoleSessionName="with-source",
        WebIdentityToken=ci_token(lab, source_identity="release-bot"),
    )
    assert response["SourceIdentity"] == "release-bot"

    sts = lab.client("sts", credentials=response["Credentials"])
    sts.get_caller_identity()
    record = next(
        r
        for r in reversed(records(lab, "GetCallerIdentity"))
        if r["userIdentity"]["arn"] == response["AssumedRoleUser"]["Arn"]
    )
    context = record["userIdentity"]["sessionContext"]
    assert context["sourceIdentity"] == "release-bot"
    assert context["webIdFederationData"] == {
        "federatedProvider": CI_PROVIDER,
        "attributes": {},
    }
    assert record["userIdentity"]["type"] == "AssumedRole"


def test_a_malformed_source_identity_claim_is_refused(lab: WorldLab) -> None:
    error = error_of(
        anonymous_sts(lab).assume_role_with_web_identity,
        RoleArn=CI_ROLE,
        RoleSessionName="bad-source",
        WebIdentityToken=ci_token(lab, source_identity="aws:admin"),
    )
    assert error["Code"] == "InvalidIdentityToken"
    assert error["Message"].startswith("Source Identity must match")


def test_session_tags_from_the_token_become_principal_tags(lab: WorldLab) -> None:
    response = anonymous_sts(lab).assume_role_with_web_identity(
        RoleArn=CI_ROLE,
        RoleSessionName="tagged",
        WebIdentityToken=ci_token(lab, tags=("team=platform",), transitive=("team",)),
    )
    key = response["Credentials"]["AccessKeyId"]
    caller = lab.runtime.lookup(key)
    assert caller is not None
    assert caller.tags["team"] == "platform"
    assert caller.transitive_tag_keys == ("team",)


def test_a_web_identity_session_cannot_get_a_session_token(lab: WorldLab) -> None:
    response = anonymous_sts(lab).assume_role_with_web_identity(
        RoleArn=CI_ROLE, RoleSessionName="gst", WebIdentityToken=ci_token(lab)
    )
    sts = lab.client("sts", credentials=response["Credentials"])
    error = error_of(sts.get_session_token)
    assert error["Message"] == "Cannot call GetSessionToken with session credentials"


def test_duration_beyond_the_role_maximum_is_refused(lab: WorldLab) -> None:
    error = error_of(
        anonymous_sts(lab).assume_role_with_web_identity,
        RoleArn=CI_ROLE,
        RoleSessionName="long",
        WebIdentityToken=ci_token(lab),
        DurationSeconds=7200,
    )
    assert error["Message"] == (
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    )


def test_cloudtrail_shows_the_web_identity_user(lab: WorldLab) -> None:
    response = anonymous_sts(lab).assume_role_with_web_identity(
        RoleArn=CI_ROLE, RoleSessionName="traced", WebIdentityToken=ci_token(lab)
    )

    record = next(
        r
        for r in reversed(records(lab, "AssumeRoleWithWebIdentity"))
        if r["requestParameters"]
        and r["requestParameters"]["roleSessionName"] == "traced"
    )

    assert record["userIdentity"] == {
        "type": "WebIdentityUser",
        "principalId": f"{CI_PROVIDER}:sts.amazonaws.com:{MAIN}",
        "userName": MAIN,
        "identityProvider": CI_PROVIDER,
    }
    assert record["recipientAccountId"] == HOME
    assert "webIdentityToken" not in record["requestParameters"]
    elements = record["responseElements"]
    assert elements["provider"] == CI_PROVIDER
    assert "secretAccessKey" not in elements["credentials"]
    assert elements["assumedRoleUser"]["arn"] == response["AssumedRoleUser"]["Arn"]
    assert record["resources"] == [
        {"ARN": CI_ROLE, "accountId": HOME, "type": "AWS::IAM::Role"}
    ]


def test_a_refused_federation_call_is_recorded_with_its_error(lab: WorldLab) -> None:
    before = len(records(lab, "AssumeRoleWithWebIdentity"))
    error_of(
        anonymous_sts(lab).assume_role_with_web_identity,
        RoleArn=CI_ROLE,
        RoleSessionName="refused",
        WebIdentityToken=ci_token(lab, audience="nope"),
    )
    after = records(lab, "AssumeRoleWithWebIdentity")
    assert len(after) == before + 1
    assert after[-1]["errorCode"] == "InvalidIdentityToken"
    assert after[-1]["userIdentity"]["type"] == "WebIdentityUser"


def test_botocores_web_identity_provider_gets_credentials(
    lab: WorldLab, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(ci_token(lab))
    session = botocore.session.Session()
    session.set_config_variable("region", REGION)
    provider = AssumeRoleWithWebIdentityProvider(
        load_config=lambda: {
            "profiles": {
                "ci": {
                    "role_arn": CI_ROLE,
                    "web_identity_token_file": str(token_file),
                    "role_session_name": "provider-run",
                }
            }
        },
        client_creator=lambda *a, **k: session.create_client(
            *a, **{**k, "endpoint_url": lab.url}
        ),
        profile_name="ci",
    )
    session.register_component(
        "credential_provider", CredentialResolver(providers=[provider])
    )

    client = session.create_client("sts", endpoint_url=lab.url)
    who = client.get_caller_identity()

    assert who["Arn"] == f"arn:aws:sts::{HOME}:assumed-role/CiDeployRole/provider-run"


def test_signed_federation_calls_still_need_a_good_signature(lab: WorldLab) -> None:
    # A signature is optional for these operations, but one that is present
    # must verify like any other.
    from .conftest import ALICE_KEY, signed_post

    body = (
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
        f"&RoleArn={CI_ROLE}&RoleSessionName=signed&WebIdentityToken={ci_token(lab)}"
    )
    response = signed_post(lab, "sts", body, credential=ALICE_KEY)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert xml_error_of(response)["Code"] == "InvalidClientTokenId"


def test_other_operations_still_need_credentials(lab: WorldLab) -> None:
    response = httpx.post(
        lab.url + "/",
        data={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
        timeout=10,
    )
    assert response.status_code == 403
    assert xml_error_of(response)["Code"] == "MissingAuthenticationToken"


# -- SAML: the corporate IdP ----------------------------------------------------------


def test_an_engineer_signs_in_through_the_corporate_idp(lab: WorldLab) -> None:
    response = anonymous_sts(lab).assume_role_with_saml(
        RoleArn=ENGINEER_ROLE,
        PrincipalArn=CORP_PROVIDER,
        SAMLAssertion=corp_response(lab, session_name="alice"),
    )

    assert response["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{HOME}:assumed-role/CorpEngineerRole/alice"
    )
    assert response["Subject"] == "alice@corp"
    assert response["SubjectType"] == "persistent"
    assert response["Issuer"] == CORP_ISSUER
    assert response["Audience"] == "https://signin.aws.amazon.com/saml"
    assert response["NameQualifier"] == federation.name_qualifier(
        CORP_ISSUER, HOME, "CorpIdP"
    )
    lifetime = response["Credentials"]["Expiration"] - datetime.now(UTC)
    assert timedelta(minutes=55) < lifetime <= timedelta(hours=1)
    who = lab.client("sts", credentials=response["Credentials"]).get_caller_identity()
    assert who["Arn"] == response["AssumedRoleUser"]["Arn"]


def test_the_session_ends_at_session_not_on_or_after(lab: WorldLab) -> None:
    provider = federation.find_provider(lab.runtime.state, "CorpIdP", kind="saml")
    now = datetime.now(UTC).replace(microsecond=0)
    ends = now + timedelta(minutes=30)
    assertion = federation.mint_saml_response(
        provider.keys,
        issuer=CORP_ISSUER,
        subject="bob@corp",
        roles=[f"{CORP_PROVIDER},{ENGINEER_ROLE}"],
        session_name="bob",
        now=now,
        session_not_on_or_after=ends,
    )

    response = anonymous_sts(lab).assume_role_with_saml(
        RoleArn=ENGINEER_ROLE,
        PrincipalArn=CORP_PROVIDER,
        SAMLAssertion=assertion,
        DurationSeconds=14400,
    )

    assert response["Credentials"]["Expiration"] == ends


def test_a_role_the_assertion_does_not_grant_is_refused(lab: WorldLab) -> None:
    error = error_of(
        anonymous_sts(lab).assume_role_with_saml,
        RoleArn=AUDIT_ROLE,
        PrincipalArn=CORP_PROVIDER,
        SAMLAssertion=corp_response(lab),
    )
    assert (error["Code"], error["Message"], error["Status"]) == (
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithSAML",
        "403",
    )


def test_a_tampered_assertion_fails_its_signature(lab: WorldLab) -> None:
    document = base64.b64decode(corp_response(lab)).decode()
    tampered = document.replace("alice@corp", "admin@corp")

    error = error_of(
        anonymous_sts(lab).assume_role_with_saml,
        RoleArn=ENGINEER_ROLE,
        PrincipalArn=CORP_PROVIDER,
        SAMLAssertion=base64.b64encode(tampered.encode()).decode(),
    )

    assert (error["Code"], error["Message"]) == (
        "InvalidIdentityToken",
        "Response signature invalid",
    )


def test_an_expired_assertion_is_refused(lab: WorldLab) -> None:
    error = error_of(
        anonymous_sts(lab).assume_role_with_saml,
        RoleArn=ENGINEER_ROLE,
        PrincipalArn=CORP_PROVIDER,
        SAMLAssertion=corp_response(lab, expires_in=-60),
    )
    assert error["Code"] == "ExpiredTokenException"


def test_an_assertion_for_another_audience_is_refused(lab: WorldLab) -> None:
    provider = federation.find_provider(lab.runtime.state, "CorpIdP", kind="saml")
    assertion = federation.mint_saml_response(
        provider.keys,
        issuer=CORP_ISSUER,
        subject="carol@corp",
        roles=[f"{ENGINEER_ROLE},{CORP_PROVIDER}"],
        session_name="carol",
        now=datetime.now(UTC),
        audience="https://other.example/saml",
    )
    error = error_of(
        anonymous_sts(lab).assume_role_with_saml,
        RoleArn=ENGINEER_ROLE,
        PrincipalArn=CORP_PROVIDER,
        SAMLAssertion=assertion,
    )
    assert error["Code"] == "InvalidIdentityToken"


def test_an_unknown_saml_provider_does_not_exist(lab: WorldLab) -> None:
    error = error_of(
        anonymous_sts(lab).assume_role_with_saml,
        RoleArn=ENGINEER_ROLE,
        PrincipalArn=f"arn:aws:iam::{HOME}:saml-provider/Nobody",
        SAMLAssertion=corp_response(lab),
    )
    assert error["Message"] == "Specified provider doesn't exist."


def test_a_bad_session_name_attribute_is_refused(lab: WorldLab) -> None:
    error = error_of(
        anonymous_sts(lab).assume_role_with_saml,
        RoleArn=ENGINEER_ROLE,
        PrincipalArn=CORP_PROVIDER,
        SAMLAssertion=corp_response(lab, session_name="alice smith"),
    )
    assert error["Message"] == (
        "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
    )


def test_saml_source_identity_and_cloudtrail_saml_user(lab: WorldLab) -> None:
    response = anonymous_sts(lab).assume_role_with_saml(
        RoleArn=ENGINEER_ROLE,
        PrincipalArn=CORP_PROVIDER,
        SAMLAssertion=corp_response(
            lab, subject="dana@corp", session_name="dana", source_identity="dana"
        ),
    )
    assert response["SourceIdentity"] == "dana"

    record = next(
        r
        for r in reversed(records(lab, "AssumeRoleWithSAML"))
        if r.get("responseElements")
        and r["responseElements"]["assumedRoleUser"]["arn"].endswith("/dana")
    )
    qualifier = federation.name_qualifier(CORP_ISSUER, HOME, "CorpIdP")
    assert record["userIdentity"] == {
        "type": "SAMLUser",
        "principalId": f"{qualifier}:dana@corp",
        "userName": "dana@corp",
        "identityProvider": qualifier,
    }
    assert "sAMLAssertion" not in record["requestParameters"]


# -- the token command ------------------------------------------------------------------


def test_the_token_command_mints_what_sts_accepts(lab: WorldLab) -> None:
    state_dir = database(lab).parent
    result = CliRunner().invoke(
        cli,
        [
            "lab",
            "token",
            "--state",
            str(state_dir),
            "--provider",
            CI,
            "--subject",
            MAIN,
            "--claim",
            'amr=["mfa"]',
        ],
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == CI_ISSUER
    assert claims["amr"] == ["mfa"]
    response = anonymous_sts(lab).assume_role_with_web_identity(
        RoleArn=CI_ROLE, RoleSessionName="from-cli", WebIdentityToken=token
    )
    assert response["SubjectFromWebIdentityToken"] == MAIN


def test_the_token_command_names_an_unknown_provider(lab: WorldLab) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "lab",
            "token",
            "--state",
            str(database(lab).parent),
            "--provider",
            "nobody.example",
            "--subject",
            "x",
        ],
    )
    assert result.exit_code != 0
    assert "no oidc provider named 'nobody.example'" in result.output


def test_provider_keys_never_reach_the_log(
    lab: WorldLab, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    token = ci_token(lab)
    anonymous_sts(lab).assume_role_with_web_identity(
        RoleArn=CI_ROLE, RoleSessionName="quiet", WebIdentityToken=token
    )
    provider = federation.find_provider(lab.runtime.state, CI, kind="oidc")
    key_body = provider.keys.private_key.splitlines()[1]
    # Only the lab's own log lines: botocore logs its request body at DEBUG.
    ours = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("gatehouse")
    )
    assert "quiet" in ours
    assert key_body not in ours
    assert token not in ours
    assert "private_key" not in repr(provider.keys)


def test_seeded_state_holds_a_key_pair_per_provider(lab: WorldLab) -> None:
    oidc = federation.find_provider(lab.runtime.state, CI, kind="oidc")
    saml = federation.find_provider(lab.runtime.state, "CorpIdP", kind="saml")
    assert oidc.keys.certificate is None
    assert saml.keys.certificate is not None
    assert oidc.keys.key_id != saml.keys.key_id
    assert json.dumps(oidc.audiences) == '["sts.amazonaws.com"]'
