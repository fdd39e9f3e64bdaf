"""Measuring one stage of a benchmark in a child process (issue 7).

`run_callable(fn, *args, **kwargs)` runs `fn` in a fresh Python interpreter (not a fork, so
that the parent's memory is not counted), `run_command(argv)` runs a command; both return a
`Measurement`:

- `wall_s`: from the start of the child to its end (interpreter start and imports included);
- `cpu_s` (`cpu_user_s` + `cpu_sys_s`): user and system CPU of the child and of every
  descendant it waited for, from the kernel's accounting (`wait4`); `cpu_sampled_s` is the
  same added up from the samples (each process's last sample), which also sees descendants
  the child never waited for, but misses their last ~100 ms;
- `peak_rss_bytes`: the peak of the RSS of the whole process tree, the child and all its
  descendants summed, sampled every `interval` seconds (psutil), and raised to the kernel's
  `ru_maxrss` of the child where that is higher (a peak between two samples). RSS counts
  pages shared between processes (libraries, fork copy-on-write) once per process, so a tree
  of several processes is over-counted by what they share; `max_single_rss_bytes` is the
  largest single process's peak (`ru_maxrss`), `peak_processes` the most processes seen;
- `status`: `ok`, `error` (the callable raised: `error` holds its type, message and
  traceback; a non-zero exit of a command), `timeout` or `rss_limit` (the tree was killed
  because it ran past `timeout` seconds, or its RSS past `rss_limit_bytes`), or `killed`
  (ended by a signal nobody here sent, e.g. the kernel's OOM killer); `exit_code` is the
  child's exit status (negative: the signal);
- `result`: the callable's return value, which must be JSON-able (None for a command).

    .venv/bin/python -m tests.benchmarks.measure [--timeout S] [--json PATH] -- CMD ARG...

measures a command and prints the measurement as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_INTERVAL = 0.1


class ChildError(RuntimeError):
    """Raised by `Measurement.check()` when the child did not finish well."""


@dataclass
class Measurement:
    label: str
    status: str  # ok | error | timeout | rss_limit | killed
    exit_code: int | None
    wall_s: float
    cpu_s: float
    cpu_user_s: float
    cpu_sys_s: float
    cpu_sampled_s: float
    peak_rss_bytes: int
    peak_rss_sampled_bytes: int
    max_single_rss_bytes: int
    peak_processes: int
    samples: int
    result: object = None
    error: dict | None = None
    limits: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_dict(self) -> dict:
        return asdict(self)

    def describe_error(self) -> str:
        """One clear line on why the child did not finish well ("" when it did)."""
        if self.status == "ok":
            return ""
        if self.status == "timeout":
            return f"{self.label}: killed after the time budget of {self.limits['timeout_s']} s"
        if self.status == "rss_limit":
            return (
                f"{self.label}: killed when the process tree's RSS passed "
                f"{self.limits['rss_limit_bytes'] / 2**20:,.0f} MiB"
            )
        if self.error:
            where = self.error.get("where") or ""
            return f"{self.label}: {self.error.get('type')}: {self.error.get('message')}" + (
                f" (at {where})" if where else ""
            )
        if self.status == "killed":
            return f"{self.label}: ended by signal {-(self.exit_code or 0)}"
        return f"{self.label}: exit status {self.exit_code}"

    def check(self) -> Measurement:
        if not self.ok:
            raise ChildError(self.describe_error())
        return self


class _Sampler(threading.Thread):
    """Samples the RSS and CPU of a process and all its descendants every `interval` s."""

    def __init__(self, pid: int, interval: float, rss_limit: int | None, on_limit: Callable):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.rss_limit = rss_limit
        self.on_limit = on_limit
        self.peak = 0
        self.peak_processes = 0
        self.samples = 0
        self.cpu: dict[tuple[int, float], float] = {}  # (pid, create_time) -> user+sys
        self.seen: dict[int, float] = {}  # descendants seen: pid -> create_time
        self.stop = threading.Event()
        self.limit_hit = False

    def _tree(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def sample(self) -> None:
        total = 0
        seen = 0
        for proc in self._tree():
            try:
                with proc.oneshot():
                    if proc.status() == psutil.STATUS_ZOMBIE:
                        continue
                    rss = proc.memory_info().rss
                    times = proc.cpu_times()
                    key = (proc.pid, proc.create_time())
            except psutil.Error:  # ended between listing and reading: nothing left to count
                continue
            if proc.pid != self.pid:
                self.seen[proc.pid] = key[1]
            total += rss
            seen += 1
            self.cpu[key] = times.user + times.system
        self.samples += 1
        self.peak = max(self.peak, total)
        self.peak_processes = max(self.peak_processes, seen)
        if self.rss_limit is not None and total > self.rss_limit and not self.limit_hit:
            self.limit_hit = True
            self.on_limit()

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.interval)


def _kill_tree(pid: int) -> None:
    """Kill the child we started and its descendants, each by its own id."""
    try:
        root = psutil.Process(pid)
        procs = [*root.children(recursive=True), root]
    except psutil.Error:
        return
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.kill()


def _kill_seen(seen: dict[int, float]) -> None:
    """Kill the descendants the sampler saw that still run (the same pid and start time)."""
    for pid, created in seen.items():
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            if proc.create_time() == created:
                proc.kill()


def _measure(
    argv: Sequence[str],
    label: str,
    *,
    timeout: float | None,
    rss_limit_bytes: int | None,
    interval: float,
    env: dict | None,
    cwd: str | Path | None,
    stdout=None,
    stderr=None,
) -> tuple[Measurement, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), env=env, cwd=cwd, stdout=stdout, stderr=stderr)
    why_killed: list[str] = []

    def over_limit() -> None:
        why_killed.append("rss_limit")
        _kill_tree(proc.pid)

    sampler = _Sampler(proc.pid, interval, rss_limit_bytes, over_limit)
    sampler.start()
    deadline = None if timeout is None else start + timeout
    # wait4 gives the child's resource usage, its waited-for descendants' included; polled
    # with WNOHANG so that the time budget can be kept.
    while True:
        waited, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if waited == proc.pid:
            break
        if deadline is not None and time.perf_counter() > deadline and not why_killed:
            why_killed.append("timeout")
            _kill_tree(proc.pid)
        time.sleep(min(interval / 4, 0.02))
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    sampler.stop.set()
    sampler.join()
    if why_killed:  # descendants that outlived the child we killed are ours to end too
        _kill_seen(sampler.seen)
    exit_code = proc.returncode
    if why_killed:
        state = why_killed[0]
    elif exit_code < 0:
        state = "killed"
    elif exit_code != 0:
        state = "error"
    else:
        state = "ok"
    max_single = usage.ru_maxrss * 1024  # kB on Linux
    measurement = Measurement(
        label=label,
        status=state,
        exit_code=exit_code,
        wall_s=round(wall, 3),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
        cpu_user_s=round(usage.ru_utime, 3),
        cpu_sys_s=round(usage.ru_stime, 3),
        cpu_sampled_s=round(sum(sampler.cpu.values()), 3),
        peak_rss_bytes=max(sampler.peak, max_single),
        peak_rss_sampled_bytes=sampler.peak,
        max_single_rss_bytes=max_single,
        peak_processes=sampler.peak_processes,
        samples=sampler.samples,
        limits={"timeout_s": timeout, "rss_limit_bytes": rss_limit_bytes, "interval_s": interval},
    )
    return measurement, exit_code


def _child_env(env: dict | None) -> dict:
    out = dict(os.environ if env is None else env)
    paths = [str(REPO_ROOT)] + [p for p in out.get("PYTHONPATH", "").split(os.pathsep) if p]
    out["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return out


def run_command(
    argv: Sequence[str],
    *,
    label: str | None = None,
    timeout: float | None = None,
    rss_limit_bytes: int | None = None,
    interval: float = DEFAULT_INTERVAL,
    env: dict | None = None,
    cwd: str | Path | None = None,
    stdout=None,
    stderr=None,
) -> Measurement:
    """Run `argv` as a child process and measure it (see the module's docstring)."""
    measurement, code = _measure(
        argv,
        label or Path(argv[0]).name,
        timeout=timeout,
        rss_limit_bytes=rss_limit_bytes,
        interval=interval,
        env=env,
        cwd=cwd,
        stdout=stdout,
        stderr=stderr,
    )
    if measurement.status == "error":
        measurement.error = {"type": "ExitStatus", "message": f"exit status {code}"}
    return measurement


def _target_of(fn: Callable | str) -> dict:
    if isinstance(fn, str):
        module, _, qualname = fn.partition(":")
        return {"module": module, "qualname": qualname, "file": None}
    module = fn.__module__
    file = getattr(sys.modules.get(module), "__file__", None)
    if module == "__main__":  # run with -m: the child imports it by its real name
        spec = getattr(sys.modules["__main__"], "__spec__", None)
        module = spec.name if spec is not None else module
    if module == "__main__" or "<locals>" in fn.__qualname__:
        raise ValueError(
            f"{fn.__qualname__} cannot be run in a child: give a module-level function of an "
            "importable module, or 'module:function'"
        )
    return {"module": module, "qualname": fn.__qualname__, "file": file}


def run_callable(
    fn: Callable | str,
    *args,
    label: str | None = None,
    timeout: float | None = None,
    rss_limit_bytes: int | None = None,
    interval: float = DEFAULT_INTERVAL,
    env: dict | None = None,
    cwd: str | Path | None = None,
    **kwargs,
) -> Measurement:
    """Run `fn(*args, **kwargs)` in a fresh Python child process and measure it.

    `fn` is a module-level function (or "module:function"); the arguments and the return
    value must be JSON-able. An exception in the child comes back as `status == "error"` with
    `error = {"type", "message", "where", "traceback"}`; `.check()` raises it as ChildError.
    """
    target = _target_of(fn)
    label = label or target["qualname"]
    with tempfile.TemporaryDirectory(prefix="yulu-measure-") as tmp:
        spec_path = Path(tmp) / "spec.json"
        result_path = Path(tmp) / "result.json"
        spec = {**target, "args": list(args), "kwargs": kwargs, "result": str(result_path)}
        spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        argv = [sys.executable, "-m", "tests.benchmarks.measure", "--child", str(spec_path)]
        measurement, _ = _measure(
            argv,
            label,
            timeout=timeout,
            rss_limit_bytes=rss_limit_bytes,
            interval=interval,
            env=_child_env(env),
            cwd=cwd,
        )
        outcome = None
        if result_path.exists():
            with contextlib.suppress(ValueError):
                outcome = json.loads(result_path.read_text(encoding="utf-8"))
    if outcome is not None and "result" in outcome and measurement.status == "ok":
        measurement.result = outcome["result"]
    elif outcome is not None and "error" in outcome:
        measurement.error = outcome["error"]
    elif measurement.status in ("ok", "error"):
        measurement.status = "error"
        measurement.error = {
            "type": "NoResult",
            "message": f"the child ended with exit status {measurement.exit_code} "
            "without writing its result",
        }
    return measurement


# --- in the child -------------------------------------------------------------------------


def _load(target: dict) -> Callable:
    try:
        module = importlib.import_module(target["module"])
    except ModuleNotFoundError:
        if not target.get("file"):
            raise
        spec = importlib.util.spec_from_file_location(target["module"], target["file"])
        module = importlib.util.module_from_spec(spec)
        sys.modules[target["module"]] = module
        spec.loader.exec_module(module)
    obj = module
    for part in target["qualname"].split("."):
        obj = getattr(obj, part)
    return obj


def _child(spec_path: str) -> int:
    os.umask(0o077)  # what a measured step writes (tables of people, even synthetic) owner-only
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    result_path = Path(spec["result"])
    try:
        fn = _load(spec)
        value = fn(*spec["args"], **spec["kwargs"])
        text = json.dumps({"result": value}, ensure_ascii=False, default=str)
    except BaseException as exc:  # every failure goes back to the parent
        frames = traceback.extract_tb(exc.__traceback__)
        last = frames[-1] if frames else None
        error = {
            "type": type(exc).__name__,
            "message": str(exc)[:2000],
            "where": f"{Path(last.filename).name}:{last.lineno} in {last.name}" if last else "",
            "traceback": "".join(traceback.format_exception(exc))[-8000:],
        }
        # drop whatever the child holds before writing, so a MemoryError can still report
        exc = frames = None
        result_path.write_text(json.dumps({"error": error}, ensure_ascii=False), "utf-8")
        return 1
    result_path.write_text(text, encoding="utf-8")
    return 0


def allocate(nbytes: int, hold_s: float = 0.5) -> int:
    """Allocate and touch `nbytes`, hold them `hold_s` seconds, return the size (a check of
    the measurement itself)."""
    buffer = bytearray(nbytes)  # zero-filled by calloc: touch every page so that it is resident
    for i in range(0, nbytes, 4096):
        buffer[i] = 1
    time.sleep(hold_s)
    return len(buffer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float)
    parser.add_argument("--rss-limit-mb", type=float)
    parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL)
    parser.add_argument("--json", type=Path, help="also write the measurement here")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.child:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        return _child(args.child)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command to measure after --")
    m = run_command(
        command,
        timeout=args.timeout,
        rss_limit_bytes=None if args.rss_limit_mb is None else int(args.rss_limit_mb * 2**20),
        interval=args.interval,
    )
    text = json.dumps(m.as_dict(), ensure_ascii=False, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0 if m.ok else 1


if __name__ == "__main__":
    sys.exit(main())
