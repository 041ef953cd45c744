"""The checks before a deploy sends anything: every RPC answers and is the chain the
network says it is, and the deployer holds enough on each chain for the plan. Each
refusal names the chain, where its URL came from and what to do; none prints the URL
of a named network, which often carries an API key."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from urllib.parse import urlsplit

from web3 import Web3
from web3.exceptions import Web3Exception

from relayer.chains.chain import chain_id, connect
from relayer.deploy.deployer import ChainTarget
from relayer.errors import ChainError, DeliveryError, NodeUnreachable

WEI_PER_ETH = Decimal(10**18)


class RpcUnreachable(ChainError):
    def __init__(self, target: ChainTarget, detail: str) -> None:
        super().__init__(
            f"{target.name}: no node answers at {target.rpc_shown}: {detail}; nothing was sent",
            f"check {target.rpc_url_env or 'the URL'} and that the node is up",
        )


class WrongChain(ChainError):
    def __init__(self, target: ChainTarget, actual: int, configured_in: str) -> None:
        super().__init__(
            f"{target.rpc_shown} is chain {actual}, but {configured_in} says {target.name} is "
            f"chain {target.chain_id}; nothing was sent",
            f"point {target.rpc_url_env or 'the URL'} at chain {target.chain_id}, "
            "or fix its chain_id",
        )


@dataclass(frozen=True)
class LiveChain:
    target: ChainTarget
    web3: Web3


@dataclass(frozen=True)
class Funds:
    """What the deployer holds on one chain against what the plan needs there."""

    target: ChainTarget
    balance: int  # wei
    gas_price: int  # wei per gas, the node's price now
    gas: int  # the plan's
    headroom: Decimal

    @property
    def cost(self) -> int:
        return self.gas * self.gas_price

    @property
    def needed(self) -> int:
        return int((self.cost * self.headroom).to_integral_value(ROUND_CEILING))

    @property
    def covered(self) -> bool:
        return self.balance >= self.needed


class DeployerUnfunded(DeliveryError):
    def __init__(self, deployer: str, short: Sequence[Funds]) -> None:
        each = "; ".join(
            f"{f.target.name} (chain {f.target.chain_id}) has {eth(f.balance)} ETH, needs "
            f"{eth(f.needed)} ETH: {f.gas:,} gas at {gwei(f.gas_price)} gwei, x{f.headroom}"
            for f in short
        )
        super().__init__(
            f"the deployer {deployer} cannot pay for the plan: {each}; nothing was sent",
            f"fund {deployer} on those chains or use a funded key; `crossflow deploy "
            "--dry-run` shows the plan",
        )


def check_chains(
    targets: Sequence[ChainTarget], configured_in: str, wait: float = 0.0
) -> list[LiveChain]:
    """A connection to each chain, once it has answered with the chain id
    `configured_in` (the networks file, the devnet state) gives it. A chain that does
    not answer is asked again each second for up to `wait` seconds (chains starting
    beside the deploy, as in docker compose); a wrong chain id fails at once."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return _check_chains(targets, configured_in)
        except (NodeUnreachable, RpcUnreachable):
            if time.monotonic() >= deadline:
                raise
            time.sleep(1.0)


def _check_chains(targets: Sequence[ChainTarget], configured_in: str) -> list[LiveChain]:
    live = []
    for target in targets:
        try:
            web3 = connect(target.rpc_url)
            actual = chain_id(web3, target.rpc_url)
        except NodeUnreachable as err:
            if target.rpc_url_env is None:
                raise  # a local URL: safe to show, and its hint (`devnet up`) is the fix
            raise RpcUnreachable(target, _without_url(err.message, target)) from None
        if actual != target.chain_id:
            raise WrongChain(target, actual, configured_in)
        live.append(LiveChain(target, web3))
    return live


def funds_for(
    live: Sequence[LiveChain], deployer: str, gas: Mapping[int, int], headroom: float
) -> list[Funds]:
    """The deployer's balance on each chain against `gas` (per chain id) at the node's
    gas price now."""
    found = []
    for chain in live:
        try:
            balance = int(chain.web3.eth.get_balance(Web3.to_checksum_address(deployer)))
            price = int(chain.web3.eth.gas_price)
        except (OSError, Web3Exception, ValueError) as err:
            raise RpcUnreachable(chain.target, type(err).__name__) from None
        found.append(
            Funds(
                chain.target,
                balance,
                price,
                gas.get(chain.target.chain_id, 0),
                Decimal(str(headroom)),
            )
        )
    return found


def require_funded(deployer: str, funds: Sequence[Funds]) -> None:
    short = [f for f in funds if not f.covered]
    if short:
        raise DeployerUnfunded(deployer, short)


def eth(wei: int) -> str:
    return f"{Decimal(wei) / WEI_PER_ETH:.6f}"


def gwei(wei: int) -> str:
    return f"{Decimal(wei) / Decimal(10**9):.3f}"


def _without_url(message: str, target: ChainTarget) -> str:
    """The node error's detail, any URL in it cut to scheme and host."""
    detail = message.rpartition(": ")[2] or message
    parts = urlsplit(target.rpc_url)
    host = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return detail.replace(target.rpc_url, host)
