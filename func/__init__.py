"""OCI Functions handler that launches Data Science job runs from YAML specs.

Modules: ``triggers`` (who called → one request model), ``request``, ``locations``,
``spec`` (+ ``yamlsafe``), ``plan`` (pure: CreateJobRunDetails and retry token),
``service`` (the OCI calls), ``retry``, ``clients``, ``config``, ``errors``, ``app``
(the JSON edge) and ``handler`` (the fdk entry point).
"""
