"""`python -m gatehouse.imds serve ...`: the same commands as `gatehouse imds`."""

from gatehouse.imds.cli import imds

imds(prog_name="python -m gatehouse.imds")
