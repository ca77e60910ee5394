"""Local emulator of OCI Object Storage and Data Science, with test resource principals."""

from .credentials import Issuer, write_resource_principal
from .executors import Executor, Progress, RunInfo, TimedExecutor
from .faults import FaultRule
from .jobprocess import ProcessExecutor
from .server import Emulator
from .wire import ApiError

__all__ = [
    "ApiError",
    "Emulator",
    "Executor",
    "FaultRule",
    "Issuer",
    "ProcessExecutor",
    "Progress",
    "RunInfo",
    "TimedExecutor",
    "write_resource_principal",
]
