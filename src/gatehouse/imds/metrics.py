"""The per-instance CloudWatch metrics IMDS publishes (namespace AWS/EC2).

`MetadataNoToken` counts successful IMDS accesses made without a token (IMDSv1);
`MetadataNoTokenRejected` counts IMDSv1 calls refused because HttpTokens is
`required` (EC2 User Guide, "Instance metrics").
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum


class Metric(StrEnum):
    NO_TOKEN = "MetadataNoToken"
    NO_TOKEN_REJECTED = "MetadataNoTokenRejected"


@dataclass(frozen=True)
class MetricSample:
    instance_id: str
    counts: dict[Metric, int]

    def to_json(self) -> dict[str, object]:
        """CloudWatch-style: namespace, dimension, and one Sum per metric."""
        return {
            "Namespace": "AWS/EC2",
            "Dimensions": [{"Name": "InstanceId", "Value": self.instance_id}],
            "Unit": "Count",
            "Metrics": {metric.value: count for metric, count in self.counts.items()},
        }


class MetadataMetrics:
    def __init__(self, instance_id: str) -> None:
        self.instance_id = instance_id
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(Metric, 0)

    def count(self, metric: Metric) -> None:
        with self._lock:
            self._counts[metric] += 1

    def sample(self) -> MetricSample:
        with self._lock:
            return MetricSample(self.instance_id, dict(self._counts))

    def __getitem__(self, metric: Metric) -> int:
        return self._counts[metric]
