"""``python -m localoci serve …`` runs the emulator; ``credentials`` writes test RP files."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .credentials import Issuer, write_resource_principal
from .datascience import MISMATCH_MODES
from .executors import OUTCOMES
from .server import Emulator


def _seconds_or_none(text: str) -> float | None:
    return None if text.lower() == "none" else float(text)


def _job(text: str) -> dict[str, object]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"--job is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("--job must be a JSON object")
    return value


def _write_atomically(path: Path, text: str) -> None:
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(text)
    os.replace(staging, path)


def _serve(args: argparse.Namespace) -> int:
    emulator = Emulator(
        Path(args.issuer_public_key).read_bytes(),
        host=args.host,
        port=args.port,
        namespace=args.namespace,
        jobs=args.job,
        accepted_seconds=args.accepted_seconds,
        run_seconds=args.run_seconds,
        outcome=args.outcome,
        retry_token_mismatch=args.retry_token_mismatch,
        cancel_seconds=args.cancel_seconds,
    )
    for bucket in args.bucket:
        emulator.create_bucket(args.namespace, bucket)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    emulator.start()
    try:
        if args.ready_file:
            _write_atomically(Path(args.ready_file), emulator.url + "\n")
        print(emulator.url, flush=True)
        stopping.wait()
    finally:
        emulator.stop()
    return 0


def _credentials(args: argparse.Namespace) -> int:
    issuer_path = Path(args.issuer_key)
    if issuer_path.exists():
        issuer = Issuer.load(issuer_path)
    else:
        issuer = Issuer.generate()
        issuer.save(issuer_path)
    if args.public_key_out:
        Path(args.public_key_out).write_bytes(issuer.public_pem)
    env = write_resource_principal(args.dir, issuer, args.lifetime_seconds, args.region)
    for name, value in env.items():
        print(f"{name}={value}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m localoci", description=__doc__)
    parser.add_argument("--log-level", default="WARNING", help="logging level (default WARNING)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the emulator until SIGTERM/SIGINT")
    serve.add_argument(
        "--issuer-public-key", required=True, help="PEM public key of the trusted RPST issuer"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--ready-file", help="file that receives the URL once the server listens")
    serve.add_argument("--namespace", default="localns")
    serve.add_argument(
        "--job",
        type=_job,
        action="append",
        default=[],
        help="a job as JSON (at least id, projectId, compartmentId); repeatable",
    )
    serve.add_argument(
        "--bucket", action="append", default=[], help="a bucket to create; repeatable"
    )
    serve.add_argument("--accepted-seconds", type=float, default=0.3)
    serve.add_argument(
        "--run-seconds", type=_seconds_or_none, default=1.5, help="a number, or 'none' for never"
    )
    serve.add_argument("--outcome", choices=sorted(OUTCOMES), default="SUCCEEDED")
    serve.add_argument("--retry-token-mismatch", choices=MISMATCH_MODES, default="conflict")
    serve.add_argument("--cancel-seconds", type=float, default=0.2)
    serve.set_defaults(run=_serve)

    credentials = commands.add_parser(
        "credentials", help="write test resource-principal files and print their env"
    )
    credentials.add_argument(
        "--issuer-key", required=True, help="issuer private key PEM; created if missing"
    )
    credentials.add_argument("--public-key-out", help="also write the issuer public key PEM here")
    credentials.add_argument("--dir", required=True, help="directory for rpst and private.pem")
    credentials.add_argument("--lifetime-seconds", type=int, default=3600)
    credentials.add_argument("--region", default="us-phoenix-1")
    credentials.set_defaults(run=_credentials)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
