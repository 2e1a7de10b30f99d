"""The IAM policy language: parse, validate, evaluate and explain."""
