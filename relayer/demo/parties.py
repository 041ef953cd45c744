"""The people of the story: one account each, seen through its vault client on a
collateral chain and its ledger client on the market chain."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from eth_abi.abi import decode
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ContractCustomError

from relayer.chains.compiler import Contracts, load_contracts
from relayer.chains.manifest import Manifest
from relayer.chains.tx import Sender
from relayer.collateral.client import VaultClient
from relayer.collateral.tokens import USD, VAULT_KEY, WETH
from relayer.demo.errors import UnexpectedRefusal
from relayer.deploy.collateral import MARKET_KEY
from relayer.market.client import OrderKind
from relayer.market.ledger import LedgerClient
from relayer.market.units import from_wad
from relayer.oracle.feeds import ETH_USD, read_latest
from relayer.testbed.net import Chain

INSUFFICIENT_MARGIN = Web3.keccak(text="MarketInsufficientMargin(address,int256,uint256)")[:4]
TOKEN_UNIT = 10**18  # the test tokens' decimals


@dataclass
class Party:
    """One account on both chains: its vault client and its market client."""

    account: LocalAccount
    vault: VaultClient
    market: LedgerClient

    @property
    def address(self) -> str:
        return str(self.account.address)


@dataclass
class World:
    """The deployment from one collateral chain's side: its vault and test tokens,
    and the market chain. `owner` deployed everything and mints the test tokens."""

    manifest: Manifest
    collateral: Chain
    market_chain: Chain
    usd: str
    weth: str
    owner_account: LocalAccount
    compiled: Contracts
    senders: dict[str, Sender] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        manifest: Manifest,
        collateral: Chain,
        market: Chain,
        owner: LocalAccount,
        compiled: Contracts | None = None,
    ) -> World:
        usd, weth = tokens(manifest, int(collateral.node.spec.chain_id))
        return cls(manifest, collateral, market, usd, weth, owner, compiled or load_contracts())

    @property
    def owner(self) -> Party:
        return self.party(self.owner_account)

    @property
    def domain(self) -> int:
        return int(self.collateral.node.spec.chain_id)

    def on(self, chain: Chain) -> World:
        """The same world seen from another collateral chain (its vault and tokens)."""
        usd, weth = tokens(self.manifest, int(chain.node.spec.chain_id))
        return replace(self, collateral=chain, usd=usd, weth=weth)

    def party(self, account: LocalAccount) -> Party:
        compiled = self.compiled
        collateral = self.manifest.chain(self.domain)
        vault = self.collateral.web3.eth.contract(
            address=Web3.to_checksum_address(collateral.contracts[VAULT_KEY]),
            abi=compiled.get("ICollateralVault").abi,
        )
        market_deployment = self.manifest.chain(int(self.market_chain.node.spec.chain_id))
        market = self.market_chain.web3.eth.contract(
            address=Web3.to_checksum_address(market_deployment.contracts[MARKET_KEY]),
            abi=compiled.get("IOptionsMarket").abi,
        )
        return Party(
            account,
            VaultClient(
                vault,
                compiled.get("IFaucetToken").abi,
                self.sender(self.collateral, account),
                chain=self.collateral.node.spec.name,
            ),
            LedgerClient(market, self.sender(self.market_chain, account)),
        )

    def sender(self, chain: Chain, account: LocalAccount) -> Sender:
        """One sender per (chain, account), so its nonce is tracked in one place."""
        key = f"{chain.node.spec.chain_id}:{account.address}"
        if key not in self.senders:
            self.senders[key] = Sender(chain.web3, account, chain.node.spec.chain_id)
        return self.senders[key]

    def mint(self, token: str, to: str, amount: Decimal) -> None:
        """The owner mints test tokens to `to`."""
        faucet = self.collateral.web3.eth.contract(
            address=Web3.to_checksum_address(token), abi=self.compiled.get("IFaucetToken").abi
        )
        self.sender(self.collateral, self.owner_account).transact(
            faucet.functions.mint(to, int(amount * TOKEN_UNIT)), "minting test tokens"
        )

    def fund(self, party: Party, token: str, amount: Decimal) -> None:
        """Mints `amount` to `party` and commits it to the market."""
        self.mint(token, party.address, amount)
        party.vault.deposit(token, amount)

    def missing_margin(
        self, party: Party, series_id: int, price: Decimal, amount: Decimal
    ) -> Decimal:
        """What `party` lacks to sell `amount` at `price` (zero when it can), from the
        market's own refusal of the order."""
        call = party.market.market.functions.place(
            series_id,
            False,
            int(price * TOKEN_UNIT),
            int(amount * TOKEN_UNIT),
            int(OrderKind.LIMIT),
            10,
        )
        data = b""
        try:
            call.call({"from": party.address})
        except ContractCustomError as err:
            data = bytes.fromhex(str(err.data)[2:])
        if not data:
            return Decimal(0)
        if data[:4] != INSUFFICIENT_MARGIN:
            raise UnexpectedRefusal("the market", "a sell order", "0x" + data.hex())
        _, equity, required = decode(["address", "int256", "uint256"], data[4:])
        return from_wad(required - equity)

    def spot(self, chain: Chain) -> Decimal:
        """The latest ETH/USD on `chain`; zero before the first round."""
        deployment = self.manifest.chain(int(chain.node.spec.chain_id))
        feed = chain.web3.eth.contract(
            address=Web3.to_checksum_address(deployment.contracts[ETH_USD.manifest_key]),
            abi=self.compiled.get("PriceFeed").abi,
        )
        return Decimal(read_latest(feed).answer).scaleb(-ETH_USD.decimals)


def tokens(manifest: Manifest, domain: int) -> tuple[str, str]:
    """The test USD and WETH on the collateral chain `domain`."""
    chain = manifest.chain(domain)
    return (
        Web3.to_checksum_address(chain.contracts[USD.manifest_key]),
        Web3.to_checksum_address(chain.contracts[WETH.manifest_key]),
    )
