"""The job side: the BYOC container that every launched job run executes.

``python -m job.runner`` reads the spec location from ``$NOTEPAD_YAML_URL`` (the name is
configurable with ``SPEC_ENV_VAR``), validates the spec with the function's own code
(:mod:`jobspec`), runs the notebook it names with nbclient and uploads the executed
notebook to the spec's output folder.

Modules: ``settings`` (the run's environment), ``jobspec`` (what the container reads from
the spec), ``storage`` (Object Storage with the run's resource principal, https downloads),
``notebook`` (parameters, excluded cells, execution), ``outputs`` (object names),
``errors`` (exit codes) and ``runner`` (the entrypoint).
"""
