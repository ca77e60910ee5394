"""The demo's python runtime (examples/specs/hello-python.yaml): greets, as the notebook does,
and writes its greeting to the output folder, which the job uploads under the run's OCID."""

import os
import sys
from pathlib import Path


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "world"
    repeat = int(os.environ.get("REPEAT", "1"))
    lines = [f"Hello, {name}!" for _ in range(repeat)]
    print("\n".join(lines))
    print(f"job run: {os.environ.get('JOB_RUN_OCID', 'not in a job run')}")
    out = Path("out")
    out.mkdir(exist_ok=True)
    (out / "greeting.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
