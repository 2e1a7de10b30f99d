"""A cross-account AssumeRole is logged in both accounts, as AWS logs it."""

from __future__ import annotations

from gatehouse.trail import records_for_call

from .helpers import CALLER_ACCOUNT, OWNER_ACCOUNT, assume_role, role_session


def test_cross_account_call_yields_two_records_sharing_one_shared_event_id() -> None:
    caller_copy, owner_copy = records_for_call(assume_role(role_account=OWNER_ACCOUNT))

    assert caller_copy["sharedEventID"] == owner_copy["sharedEventID"]
    assert caller_copy["eventID"] != owner_copy["eventID"]
    assert caller_copy["sharedEventID"] not in (
        caller_copy["eventID"],
        owner_copy["eventID"],
    )
    assert caller_copy["recipientAccountId"] == CALLER_ACCOUNT
    assert owner_copy["recipientAccountId"] == OWNER_ACCOUNT
    assert caller_copy["requestID"] == owner_copy["requestID"]


def test_the_role_owner_sees_the_caller_as_an_aws_account() -> None:
    caller_copy, owner_copy = records_for_call(assume_role(role_account=OWNER_ACCOUNT))

    assert caller_copy["userIdentity"]["type"] == "IAMUser"
    assert owner_copy["userIdentity"] == {
        "type": "AWSAccount",
        "principalId": "AIDAEXAMPLEALICE0001",
        "accountId": CALLER_ACCOUNT,
    }


def test_a_chained_session_is_shown_to_the_owner_by_its_role_id() -> None:
    call = assume_role(
        caller=role_session(session="ci-job"), role_account=OWNER_ACCOUNT
    )
    _, owner_copy = records_for_call(call)

    assert owner_copy["userIdentity"] == {
        "type": "AWSAccount",
        "principalId": "AROAEXAMPLEROLE00001:ci-job",
        "accountId": CALLER_ACCOUNT,
    }


def test_a_same_account_call_is_logged_once_without_shared_event_id() -> None:
    records = records_for_call(assume_role(role_account=CALLER_ACCOUNT))

    assert len(records) == 1
    assert "sharedEventID" not in records[0]


def test_both_copies_carry_the_request_and_the_redacted_response() -> None:
    caller_copy, owner_copy = records_for_call(
        assume_role(role_account=OWNER_ACCOUNT, external_id="vendor-7f3a")
    )
    for copy in (caller_copy, owner_copy):
        assert copy["requestParameters"]["externalId"] == "vendor-7f3a"
        assert "secretAccessKey" not in copy["responseElements"]["credentials"]
        assert copy["resources"][0]["accountId"] == OWNER_ACCOUNT
