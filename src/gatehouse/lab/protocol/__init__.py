"""The wire protocols (query, ec2, json), driven by botocore's service models.

`codec` is the entry point: it turns a request body into typed, validated
parameters and a handler's output or an `AwsError` into response bytes. The
other modules each do one step for it.
"""
