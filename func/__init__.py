"""OCI Functions handler that launches Data Science job runs from YAML specs.

From the fdk inwards:

- ``handler``: the fdk entry point; ``app``: the edge (an outcome → the JSON reply and the
  call's one log line, written by ``logs``);
- ``triggers``: who called, and the router from a raw call to a typed request;
- ``operations``: every operation declared once (request type, route, status, handler);
- ``request``: the typed requests, each parsing and validating its own fields;
- ``service``: the call → its outcome (the one place contract errors are caught), and the
  ``Launcher`` the handlers share;
- handlers: ``runs`` (run, validate), ``runstates`` (status, cancel, list), ``runlogs``
  (logs, through Logging Search);
- ``plan``: pure: the retry token and CreateJobRunDetails; ``active_cap``: MAX_ACTIVE_RUNS;
- ``upstream``: what each OCI answer means (the error table); ``errors``: the error codes;
- ``clients``, ``config``: the SDK clients and the settings, built once per container.

Below it: ``jobspec`` (the spec library), ``ociplatform`` (OCI calls, retries, reads) and
``ocirefs`` (locations, OCIDs, job-run states), layered as the README's Development section
draws.
"""
