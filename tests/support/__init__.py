"""Helpers shared by the test suites: canned calls, answer checks and fake OCI clients."""
