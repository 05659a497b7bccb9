"""dbt in the pipeline's own process, for the Spark engine.

dbt-spark's `session` method uses the SparkSession of the process it runs in, and the embedded
Derby metastore admits one JVM at a time: dbt cannot run as a subprocess beside the Python steps'
session. dagster-dbt starts dbt with `subprocess.Popen` and reads its JSON log lines from the
process's stdout; `InProcessDbt` is that process, played by a thread running dbtRunner, whose
events are written to a pipe as the same JSON lines. Everything dagster-dbt does with them
(materializations, asset checks from tests, errors) is unchanged.
"""

from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager
from types import SimpleNamespace


class InProcessDbt:
    """The part of subprocess.Popen that dagster-dbt's DbtCliInvocation uses."""

    def __init__(self, args, stdout=None, stderr=None, env=None, cwd=None):
        self.args = list(args)
        self.returncode: int | None = None
        env = dict(env or os.environ)
        # A dbt process would start in `cwd` (the project): its relative paths are relative to it.
        for key in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
            if cwd and key in env and not os.path.isabs(env[key]):
                env[key] = os.path.join(cwd, env[key])
        read_end, self._write_end = os.pipe()
        self.stdout = os.fdopen(read_end, "rb")
        self._thread = threading.Thread(target=self._run, args=(env,), name="dbt", daemon=True)
        self._thread.start()

    def _run(self, env: dict[str, str]) -> None:
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        out = os.fdopen(self._write_end, "w", buffering=1)

        def to_pipe(msg) -> None:
            # What dbt prints at its default log level, as a dbt process would (not its debug log).
            if msg.info.level != "debug":
                out.write(json.dumps(msg_to_dict(msg), default=str) + "\n")

        saved = dict(os.environ)
        # dbt reads its target and log paths, profile dir and log format from the environment
        # dagster-dbt prepared for the subprocess; the events reach dagster-dbt through the pipe only.
        os.environ.update(env, DBT_QUIET="true")
        try:
            result = dbtRunner(callbacks=[to_pipe]).invoke(self.args[1:])
            if result.exception is not None:
                out.write(f"dbt raised {type(result.exception).__name__}: {result.exception}\n")
            self.returncode = 0 if result.success else (2 if result.exception is not None else 1)
        except BaseException as exc:  # noqa: BLE001 - reported through the return code, as a process would
            out.write(f"dbt raised {type(exc).__name__}: {exc}\n")
            self.returncode = 2
        finally:
            os.environ.clear()
            os.environ.update(saved)
            out.close()

    def wait(self, timeout: float | None = None) -> int | None:
        self._thread.join(timeout)
        return self.returncode

    def send_signal(self, signal) -> None:
        """A thread cannot be signalled: an interrupted run stops waiting for dbt after dagster-dbt's
        termination timeout, and dbt's thread ends with the run process."""


@contextmanager
def dbt_in_this_process():
    """While active, dagster-dbt's dbt invocations start an InProcessDbt instead of a subprocess."""
    from dagster_dbt.core import dbt_cli_invocation

    original = dbt_cli_invocation.subprocess
    dbt_cli_invocation.subprocess = SimpleNamespace(Popen=InProcessDbt, PIPE=None, STDOUT=None)
    try:
        yield
    finally:
        dbt_cli_invocation.subprocess = original
