"""A stand-in for a public testnet: two Anvil chains started with the ids of Sepolia
and Arbitrum Sepolia, a fresh deployer key funded on both (not a dev key), kept in a
keystore too, and a networks file whose RPC URLs and key come from the environment,
so `crossflow deploy --network testnet` runs exactly the path a public testnet does."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.types import RPCEndpoint

from relayer.chains.compiler import load_contracts
from relayer.chains.manifest import Manifest, load_manifest
from relayer.cli.main import main
from tests.conftest import Chains

NETWORK = "testnet"
SEPOLIA, ARBITRUM_SEPOLIA = 11155111, 421614
PASSWORD = "correct horse battery staple"  # noqa: S105 - a test keystore's
VALIDATORS = [
    "0x1111111111111111111111111111111111111111",
    "0x2222222222222222222222222222222222222222",
    "0x3333333333333333333333333333333333333333",
]
SIGNERS = [
    "0x4444444444444444444444444444444444444444",
    "0x5555555555555555555555555555555555555555",
]


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


@dataclass
class AnvilTestnet:
    chains: Chains
    deployer: LocalAccount
    workdir: Path

    @property
    def environ(self) -> dict[str, str]:
        """The variables the networks files name."""
        return {
            "TEST_SEPOLIA_RPC_URL": self.chains.collateral.node.rpc_url,
            "TEST_ARBITRUM_SEPOLIA_RPC_URL": self.chains.market.node.rpc_url,
            "TEST_DEPLOYER_KEY": "0x" + self.deployer.key.hex(),
            "TEST_KEYSTORE_PASSWORD": PASSWORD,
        }

    def nonces(self, address: str | None = None) -> list[int]:
        who = Web3.to_checksum_address(address or self.deployer.address)
        return [c.web3.eth.get_transaction_count(who) for c in self.chains]

    def heads(self) -> list[int]:
        """Each chain's block number: automining, any transaction moves it."""
        return [c.web3.eth.block_number for c in self.chains]

    def deploy(
        self, networks: Path, manifest_dir: Path, *args: str, **environ: str | None
    ) -> Result:
        """`crossflow deploy --network testnet` in this process, with the environment a
        user would set (`environ` adds to it; None unsets a variable)."""
        argv = ["deploy", "--network", NETWORK, "--networks", str(networks), *args]
        return self.crossflow(manifest_dir, *argv, **environ)

    def crossflow(self, manifest_dir: Path, *argv: str, **environ: str | None) -> Result:
        """Any crossflow command in this process, with the environment as `deploy` says."""
        variables: dict[str, str | None] = {
            **self.environ,
            "CROSSFLOW_MANIFEST_DIR": str(manifest_dir),
            **environ,
        }
        out, err = io.StringIO(), io.StringIO()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys, "stdin", io.StringIO())  # no terminal to ask a password on
            for name, value in variables.items():
                if value is None:
                    patch.delenv(name, raising=False)
                else:
                    patch.setenv(name, value)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(list(argv))
        return Result(code, out.getvalue(), err.getvalue())

    def manifest(self, manifest_dir: Path) -> Manifest:
        return load_manifest(manifest_dir, NETWORK, self.environ)

    def contract(self, manifest: Manifest, chain_id: int, key: str, abi_of: str) -> Contract:
        chain = next(c for c in self.chains if c.node.spec.chain_id == chain_id)
        return chain.web3.eth.contract(
            address=Web3.to_checksum_address(manifest.chain(chain_id).contracts[key]),
            abi=load_contracts().get(abi_of).abi,
        )


def fund(chains: Chains, address: str, wei: int) -> None:
    for chain in chains:
        chain.web3.provider.make_request(RPCEndpoint("anvil_setBalance"), [address, hex(wei)])


def write_keystore(path: Path, account: LocalAccount, password: str = PASSWORD) -> Path:
    path.write_text(json.dumps(Account.encrypt(account.key, password)))
    return path


def networks_file(
    path: Path,
    *,
    deployer: str = 'key_env = "TEST_DEPLOYER_KEY"',
    sepolia_chain_id: int = SEPOLIA,
    series_expiry: str = "2099-12-31T08:00:00Z",
    test_tokens: bool = True,
) -> Path:
    """A networks file naming network `testnet`: collateral on 'sepolia', the market
    on 'arbitrum-sepolia', the deployer as `deployer` says, one series."""
    quoted = ", ".join(f'"{a}"' for a in VALIDATORS)
    signers = ", ".join(f'"{a}"' for a in SIGNERS)
    path.write_text(
        f"""
[networks.{NETWORK}]
test_tokens = {str(test_tokens).lower()}

[[networks.{NETWORK}.chains]]
name = "sepolia"
role = "collateral"
chain_id = {sepolia_chain_id}
rpc_url_env = "TEST_SEPOLIA_RPC_URL"

[[networks.{NETWORK}.chains]]
name = "arbitrum-sepolia"
role = "market"
chain_id = {ARBITRUM_SEPOLIA}
rpc_url_env = "TEST_ARBITRUM_SEPOLIA_RPC_URL"

[networks.{NETWORK}.deployer]
{deployer}

[networks.{NETWORK}.validators]
addresses = [{quoted}]
threshold = 2

[networks.{NETWORK}.oracle_signers]
addresses = [{signers}]
threshold = 2

[[networks.{NETWORK}.series]]
kind = "call"
strike = 3000
expiry = {series_expiry}
tick_size = 0.1
lot_size = 0.1
max_price = 6000
"""
    )
    return path


def keystore_deployer(keystore: Path) -> str:
    return f'keystore = "{keystore.name}"\npassword_env = "TEST_KEYSTORE_PASSWORD"'


def contract_rows(out: str) -> dict[tuple[str, str], str]:
    """(chain, contract) -> its action, from the contract table deploy prints first."""
    tables = out.split("\n\n")
    table = tables[0] if out.startswith("chain") else tables[1]  # a plan has a title first
    rows = [line.split() for line in table.splitlines()[2:]]
    return {(row[0], " ".join(row[2:-2])): row[-1] for row in rows}
