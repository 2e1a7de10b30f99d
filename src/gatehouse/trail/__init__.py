"""CloudTrail for the lab: records of API calls, delivery files, LookupEvents, SQL.

- `records`: `ApiCall` (what the lab knows about one call) and
  `records_for_call` (CloudTrail's JSON records for it, cross-account pairs
  included).
- `redaction`: the one table of what CloudTrail hides or leaves out per event.
- `delivery`: `TrailWriter`, gzip log files in the real S3 key layout.
- `lookup`: `EventIndex` and `lookup_events`, CloudTrail's LookupEvents API.
- `reader`: any folder of CloudTrail files into DuckDB, bad input reported.
"""

from gatehouse.trail.delivery import DeliveredFile, TrailWriter, log_file_key
from gatehouse.trail.errors import (
    InvalidEventCategoryException,
    InvalidLookupAttributesException,
    InvalidMaxResultsException,
    InvalidNextTokenException,
    InvalidTimeRangeException,
    LookupEventsError,
    TrailError,
)
from gatehouse.trail.lookup import EventIndex, lookup_events
from gatehouse.trail.reader import (
    LoadReport,
    ReadProblem,
    index_directory,
    load_directory,
)
from gatehouse.trail.records import (
    EVENT_VERSION,
    ApiCall,
    IdentityType,
    Resource,
    SessionContext,
    SessionIssuer,
    TlsDetails,
    UserIdentity,
    records_for_call,
    to_record,
)

__all__ = [
    "EVENT_VERSION",
    "ApiCall",
    "DeliveredFile",
    "EventIndex",
    "IdentityType",
    "InvalidEventCategoryException",
    "InvalidLookupAttributesException",
    "InvalidMaxResultsException",
    "InvalidNextTokenException",
    "InvalidTimeRangeException",
    "LoadReport",
    "LookupEventsError",
    "ReadProblem",
    "Resource",
    "SessionContext",
    "SessionIssuer",
    "TlsDetails",
    "TrailError",
    "TrailWriter",
    "UserIdentity",
    "index_directory",
    "load_directory",
    "log_file_key",
    "lookup_events",
    "records_for_call",
    "to_record",
]
