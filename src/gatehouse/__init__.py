"""Gatehouse: teach, prove and protect the AWS identity boundary."""

__version__ = "0.1.0"
