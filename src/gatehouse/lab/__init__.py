"""The lab: a local AWS that real clients (boto3, the AWS CLI) talk to.

The protocol layer reads botocore's own service models, so every operation's
wire format and input constraints come from AWS's published definitions; SigV4
authenticates each request; an explicit route table sends it to a handler.
"""
