"""The spec library: everything a job spec means, in one place.

The launcher function (``run``, ``validate``), the lint command (``python -m jobspec``) and
the job container all read specs through this package, so a spec one accepts, the others
accept, with the same problems. It does no I/O beyond what callers hand it, and imports
neither the function nor the container.

- ``spec``: :func:`~jobspec.spec.parse_spec`, bytes → :class:`~jobspec.model.JobSpec`;
- ``flat``, ``ads``: the two dialects; ``keys``: every key of every level and its aliases;
- ``container_keys``: the job container's keys (notebook, output, parameters, …);
  ``script_keys``: the python and script runtimes' keys (scriptPathURI, entrypoint, …);
  ``container``: the container's view of a parsed spec;
- ``env``: run environment variables; ``substitution``: ``${VAR}`` as oracle-ads does it;
- ``document``, ``problems``, ``suggestions``: paths as written, problems in file order,
  "did you mean …?";
- ``yamlsafe``: the strict YAML loader; ``limits``: the names and sizes every reader of a
  spec agrees on.

It imports nothing of the project's but :mod:`ocirefs` (spec locations, OCIDs, variable
names), the leaf it shares with the platform layer.
"""
