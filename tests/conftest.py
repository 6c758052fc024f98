"""Test-wide settings.

Hypothesis runs derandomized by default, so `make test` draws the same examples on every machine
and every run (a CI failure can be reproduced exactly). To search for new counterexamples, run
`make test TEST_ARGS="tests --hypothesis-profile=explore"`: random examples, ten times as many.
"""
from hypothesis import settings

settings.register_profile("course", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None, max_examples=1000)
settings.load_profile("course")
