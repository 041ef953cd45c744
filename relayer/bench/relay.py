"""`crossflow bench relay`: latency against a bare-script floor, sustained
throughput with and without batching, and `process` gas per quorum size, all
on the same two fresh Anvil chains in one run. Prints a table, writes JSON."""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3.exceptions import TransactionNotFound

from relayer.chains import devkeys
from relayer.chains.toolchain import foundry_tool
from relayer.chains.tx import Sender
from relayer.files import write_json_atomic
from relayer.messaging.attestation import MailboxDomain, sign_attestation
from relayer.messaging.message import Message
from relayer.messaging.store import MessageState, Store
from relayer.settings import ToolchainSettings
from relayer.table import render_table
from relayer.testbed.net import (
    VALIDATORS,
    MessagingNet,
    deploy_net,
    relay_settings,
    running_chains,
    service,
)

ORIGIN, DESTINATION = 31337, 31338
FLOOR_GAS = 500_000
QUORUMS = [(1, 1), (2, 3), (3, 5)]
THROUGHPUT_TIMEOUT_S = 600


@dataclass(frozen=True)
class Latency:
    samples: int
    p50_ms: float
    p99_ms: float
    mean_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Latency:
        ms = sorted(s * 1000 for s in seconds)
        return cls(
            samples=len(ms),
            p50_ms=round(statistics.median(ms), 2),
            p99_ms=round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 2),
            mean_ms=round(statistics.fmean(ms), 2),
        )


@dataclass(frozen=True)
class RelayBench:
    poll_interval_s: float
    floor: Latency
    relayer: Latency
    latency_ratio: float
    batched_msgs_per_s: float
    batched_messages: int
    unbatched_msgs_per_s: float
    unbatched_messages: int
    process_gas: dict[str, int]


def run_relay_bench(
    samples: int, messages: int, unbatched_messages: int, poll_interval: float, workdir: Path
) -> RelayBench:
    anvil = foundry_tool("anvil", ToolchainSettings())
    with running_chains(anvil, [ORIGIN, DESTINATION], workdir) as chains:
        # Each part gets fresh mailboxes, so no part sees another's messages.
        def fresh(name: str) -> MessagingNet:
            return deploy_net(chains, workdir / name, threshold=1, validators=VALIDATORS[:1])

        floor = _floor_latency(fresh("floor"), samples, poll_interval)
        relayer = _relayer_latency(fresh("relayer"), samples, poll_interval)
        batched = _throughput(fresh("batched"), messages, 100)
        unbatched = _throughput(fresh("unbatched"), unbatched_messages, 1)
        gas = _process_gas(fresh("gas"))
    return RelayBench(
        poll_interval_s=poll_interval,
        floor=floor,
        relayer=relayer,
        latency_ratio=round(relayer.p50_ms / floor.p50_ms, 2),
        batched_msgs_per_s=round(batched, 1),
        batched_messages=messages,
        unbatched_msgs_per_s=round(unbatched, 1),
        unbatched_messages=unbatched_messages,
        process_gas=gas,
    )


def _sample_latencies(
    net: MessagingNet,
    samples: int,
    poll_interval: float,
    delivered_at: Callable[[str], float | None],
) -> list[float]:
    """Dispatch one message at a time; latency = delivery seen - dispatch mined."""
    jitter = random.Random(1)  # noqa: S311 - spreads dispatches over the poll phase
    latencies = []
    for i in range(samples):
        message = net.dispatch(ORIGIN, DESTINATION, f"latency {i}".encode())
        mined = time.time()
        deadline = mined + 30
        while (seen := delivered_at(message.id)) is None:
            if time.time() > deadline:
                raise TimeoutError(f"message {i} not delivered within 30s")
            time.sleep(0.0005)
        latencies.append(seen - mined)
        time.sleep(jitter.uniform(0, poll_interval))
    return latencies


def _floor_latency(net: MessagingNet, samples: int, poll_interval: float) -> Latency:
    """The least any relay can do: getLogs, sign, send `process`, poll the receipt."""
    delivered: dict[str, float] = {}
    stop = threading.Event()
    validator = VALIDATORS[0]
    origin, destination = net.chain(ORIGIN).web3, net.chain(DESTINATION).web3
    mailbox_in, mailbox_out = net.mailboxes[ORIGIN], net.mailboxes[DESTINATION]
    domain = MailboxDomain(DESTINATION, mailbox_out.address)
    relayer = Account.from_key(devkeys.RELAYER_KEY.get_secret_value())
    sender = Sender(destination, relayer, DESTINATION)

    def bare_relay() -> None:
        next_block = origin.eth.block_number + 1
        while not stop.is_set():
            head = origin.eth.block_number
            if head >= next_block:
                for log in mailbox_in.events.Dispatch().get_logs(
                    from_block=next_block, to_block=head
                ):
                    args = log["args"]
                    message = Message(
                        args["nonce"],
                        args["origin"],
                        args["sender"],
                        args["destination"],
                        args["recipient"],
                        bytes(args["body"]),
                    )
                    signature = sign_attestation(validator, domain, message.id)
                    call = mailbox_out.functions.process(message.encoded, [signature])
                    tx_hash = sender.send(call, gas=FLOOR_GAS)
                    while True:
                        try:
                            destination.eth.get_transaction_receipt(tx_hash)
                            break
                        except TransactionNotFound:
                            time.sleep(0.0005)
                    delivered[message.id] = time.time()
                next_block = head + 1
            stop.wait(poll_interval)

    worker = threading.Thread(target=bare_relay, daemon=True)
    worker.start()
    try:
        return Latency.of(_sample_latencies(net, samples, poll_interval, delivered.get))
    finally:
        stop.set()
        worker.join()


class _RelayThread:
    """The real relay loop in a thread; `check()` re-raises whatever killed it, so
    a crashed relayer fails the benchmark at once instead of at a timeout."""

    def __init__(self, net: MessagingNet, store: Store, poll_interval: float, batch_size: int):
        settings = relay_settings(
            net.manifest_dir,
            poll_interval=poll_interval,
            batch_size=batch_size,
            validator_keys=[VALIDATORS[0].key.hex()],
        )
        self._relay = service(net, settings, store)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._worker = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self._relay.run(self._stop)
        except BaseException as err:  # handed to the main thread by check()
            self._error = err

    def check(self) -> None:
        if self._error is not None:
            raise RuntimeError("the relay loop crashed") from self._error

    def __enter__(self) -> _RelayThread:
        self._worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._worker.join()
        self.check()


def _relayer_latency(net: MessagingNet, samples: int, poll_interval: float) -> Latency:
    with (
        Store.open(net.manifest_dir / "relay.sqlite") as store,
        _RelayThread(net, store, poll_interval, 100) as relay,
    ):

        def delivered_at(message_id: str) -> float | None:
            relay.check()
            row = store.message(message_id)
            return row.delivered_at if row and row.state is MessageState.DELIVERED else None

        return Latency.of(_sample_latencies(net, samples, poll_interval, delivered_at))


def _throughput(net: MessagingNet, messages: int, batch_size: int) -> float:
    """Messages per second to drain a backlog of `messages` dispatched up front."""
    chunk = 100
    for start in range(0, messages, chunk):
        net.dispatch_many(ORIGIN, DESTINATION, min(chunk, messages - start), b"load")
    recipient = net.recipients[DESTINATION].functions
    with Store.open(net.manifest_dir / "relay.sqlite") as store:
        started = time.monotonic()
        with _RelayThread(net, store, 0.01, batch_size) as relay:
            while recipient.receivedCount(ORIGIN).call() < messages:
                relay.check()
                if time.monotonic() - started > THROUGHPUT_TIMEOUT_S:
                    stuck = store.messages(1, MessageState.ATTESTED) or store.messages(1)
                    raise TimeoutError(
                        f"throughput run unfinished after {THROUGHPUT_TIMEOUT_S}s: "
                        f"{store.counts_by_state()}, e.g. {stuck[:1]}"
                    )
                time.sleep(0.05)
            elapsed = time.monotonic() - started
    return messages / elapsed


def _process_gas(net: MessagingNet) -> dict[str, int]:
    """Gas used by one `process` per quorum size: the whole transaction, the
    RecordingRecipient handler (which stores the body) included."""
    owner = Sender(
        net.chain(DESTINATION).web3,
        Account.from_key(devkeys.DEPLOYER_KEY.get_secret_value()),
        DESTINATION,
    )
    relayer = Sender(
        net.chain(DESTINATION).web3,
        Account.from_key(devkeys.RELAYER_KEY.get_secret_value()),
        DESTINATION,
    )
    mailbox = net.mailboxes[DESTINATION]
    domain = MailboxDomain(DESTINATION, mailbox.address)
    gas: dict[str, int] = {}
    for threshold, size in QUORUMS:
        signers: list[LocalAccount] = sorted(
            (Account.create() for _ in range(size)), key=lambda a: int(a.address, 16)
        )
        owner.transact(
            mailbox.functions.setValidators(ORIGIN, [s.address for s in signers], threshold),
            "setValidators",
        )
        # The second delivery on the channel: warm storage, as in steady operation.
        for _ in range(2):
            message = net.dispatch(ORIGIN, DESTINATION, b"gas probe")
            signatures = [sign_attestation(s, domain, message.id) for s in signers[:threshold]]
            call = mailbox.functions.process(message.encoded, signatures)
            gas_used = int(relayer.transact(call, "process")["gasUsed"])
        gas[f"{threshold}-of-{size}"] = gas_used
    return gas


def report(result: RelayBench) -> str:
    rows = [
        ["floor p50 / p99 (ms)", f"{result.floor.p50_ms} / {result.floor.p99_ms}"],
        ["relayer p50 / p99 (ms)", f"{result.relayer.p50_ms} / {result.relayer.p99_ms}"],
        ["relayer p50 / floor p50", f"{result.latency_ratio}x (target <= 1.5x)"],
        [
            "batched (100/tx) msgs/s",
            f"{result.batched_msgs_per_s} ({result.batched_messages} msgs, target >= 300)",
        ],
        [
            "unbatched (1/tx) msgs/s",
            f"{result.unbatched_msgs_per_s} ({result.unbatched_messages} msgs)",
        ],
    ]
    rows += [[f"process gas {q}", str(g)] for q, g in result.process_gas.items()]
    return render_table(["relay benchmark", "value"], rows)


def bench_relay_command(
    samples: int, messages: int, unbatched: int, poll_interval: float, out: Path
) -> RelayBench:
    with tempfile.TemporaryDirectory(prefix="crossflow-bench-") as tmp:
        result = run_relay_bench(samples, messages, unbatched, poll_interval, Path(tmp))
    write_json_atomic(out, asdict(result), indent=2)
    return result
