"""Errors of the trail package: one catalogue of AWS's LookupEvents errors.

The codes are the error shapes botocore's CloudTrail model lists for
LookupEvents (cloudtrail/2013-11-01/service-2.json). AWS publishes no message
texts for them; the texts below are ours, written from the model's
documentation of each shape (docs/cloudtrail.md lists them as chosen).
"""

from __future__ import annotations

from typing import Any, ClassVar


class TrailError(Exception):
    """Base class of everything the trail package raises."""


class LookupEventsError(TrailError):
    """An AWS error answer to LookupEvents: `code`, `message`, HTTP `status`."""

    code: ClassVar[str] = "LookupEventsError"
    template: ClassVar[str] = "{detail}"
    status: ClassVar[int] = 400

    def __init__(self, **fields: Any) -> None:
        self.fields = fields
        self.message = self.template.format(**fields)
        super().__init__(f"{self.code}: {self.message}")


class InvalidLookupAttributesException(LookupEventsError):  # noqa: N818 (AWS names)
    code = "InvalidLookupAttributesException"
    template = "{detail}"


class InvalidTimeRangeException(LookupEventsError):  # noqa: N818 (AWS names)
    code = "InvalidTimeRangeException"
    template = "{detail}"


class InvalidMaxResultsException(LookupEventsError):  # noqa: N818 (AWS names)
    code = "InvalidMaxResultsException"
    template = "MaxResults {value} is not valid. Possible values are 1 through 50."


class InvalidNextTokenException(LookupEventsError):  # noqa: N818 (AWS names)
    code = "InvalidNextTokenException"
    template = (
        "The NextToken is not valid, or was returned for a request with "
        "different parameters."
    )


class InvalidEventCategoryException(LookupEventsError):  # noqa: N818 (AWS names)
    code = "InvalidEventCategoryException"
    template = "EventCategory {value!r} is not valid. The only valid value is insight."
