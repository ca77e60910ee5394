"""The spec library: everything a job spec means, in one place.

The launcher function (``run``, ``validate``), the lint command (``python -m jobspec``) and
the job container all read specs through this package, so a spec one accepts, the others
accept. It does no I/O beyond what callers hand it, and imports neither the function nor
the container.
"""
