"""Local Anvil forks of live chains, to run a deploy on before (or instead of) the
real one, as `forge script` simulates before it broadcasts. A fork keeps the chain's
id and its block 0, so the manifest's binding to the chain holds on it too, and it
sends nothing to the chain it forks."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from relayer.chains.anvil import free_ports
from relayer.chains.chain import NODE_ERRORS, connect
from relayer.deploy.deployer import ChainTarget
from relayer.errors import ChainError

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.05
_STOP_SECONDS = 5.0


class ForkDidNotStart(ChainError):
    def __init__(self, chain: ChainTarget, reason: str) -> None:
        super().__init__(
            f"a local fork of {chain.name} ({chain.rpc_shown}) did not come up: {reason}",
            "check that the RPC serves historical state (an archive or full node), or raise "
            "deploy.fork_startup_timeout",
        )


@contextmanager
def forks(
    anvil: Path, chains: Sequence[ChainTarget], log_dir: Path, timeout: float
) -> Iterator[dict[int, str]]:
    """A fork of each chain at its head: chain id -> the fork's RPC URL. All are
    stopped on the way out, whatever happened."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        urls = {}
        for chain, port in zip(chains, free_ports(len(chains)), strict=True):
            process, url = _start(anvil, chain, port, log_dir, timeout)
            started.append(process)
            urls[chain.chain_id] = url
        yield urls
    finally:
        for process in started:
            _stop(process)


def _start(
    anvil: Path, chain: ChainTarget, port: int, log_dir: Path, timeout: float
) -> tuple[subprocess.Popen[bytes], str]:
    log_path = log_dir / f"fork-{chain.chain_id}.log"
    command = [
        str(anvil),
        "--fork-url",
        chain.rpc_url,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        # Anvil caches forked state on disk by chain id and block; a local chain that
        # borrows a public chain's id must never fill that cache with its own state.
        "--no-storage-caching",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _stop(process)
            raise ForkDidNotStart(chain, f"anvil exited: {_last_line(log_path)}")
        with contextlib.suppress(*NODE_ERRORS):
            connect(url, chain.chain_id, timeout=1.0)
            return process, url
        time.sleep(_POLL_SECONDS)
    _stop(process)
    raise ForkDidNotStart(chain, f"no answer within {timeout:g} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _die_with_parent() -> None:
    # A killed crossflow must not leave its forks behind (Linux only; elsewhere the
    # `finally` of `forks` is all there is).
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _last_line(path: Path) -> str:
    lines = path.read_text(errors="replace").strip().splitlines()
    return lines[-1][:200] if lines else "no output"
