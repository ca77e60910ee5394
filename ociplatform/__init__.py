"""What the function and the job container share about running on OCI.

- :mod:`ociplatform.calls`: one wrapper around every SDK call, with one table from OCI's
  (status, code) answers to the caller's own errors and the retry decision;
- :mod:`ociplatform.retry`: the deadline and the jittered backoff those retries follow;
- :mod:`ociplatform.env`: reading configuration from environment variables;
- :mod:`ociplatform.objects`, :mod:`ociplatform.reading`: bounded ``GetObject`` reads.

It imports nothing of the project's but :mod:`ocirefs`; never the spec library.

Nothing here imports the SDK at module level: the job container's settings are checked,
and the function's cold start imports only ``oci.data_science`` / ``oci.object_storage``.
"""
