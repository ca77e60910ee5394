"""Try the launcher on this machine, no OCI account needed.

- ``python -m demo`` (``make demo``): one spec, end to end — upload, invoke the function,
  follow the job run, show what the job did and where its outputs are;
- ``python -m demo.serve`` (``make serve``): the function behind a local API Gateway on
  127.0.0.1, with a valid and a missing spec seeded, for trying every route with curl.

Both run the local OCI emulator (:mod:`localoci`) and the real fdk process
(:mod:`localoci.fdkrunner`) through :class:`demo.stack.LocalStack`, which removes every
process and temporary folder it made on any exit.
"""
