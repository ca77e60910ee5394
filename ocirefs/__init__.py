"""How OCI names things, shared by the spec library, the platform layer, the function and the
job container; it imports nothing of the project's.

- :mod:`ocirefs.locations`: Object Storage spec locations (``oci://``, the https forms) and
  allow-list prefixes;
- :mod:`ocirefs.ocids`: OCID shape checks by resource kind;
- :mod:`ocirefs.envnames`: what an environment variable may be called;
- :mod:`ocirefs.jobruns`: Data Science's job-run states (active, terminal).
"""
