"""`crossflow deposit`, `withdraw`, `reserve` and `faucet`: a user's side of the
collateral vault on a collateral chain — commit collateral to the market, take it
back through the market, park and take back reserve for auto top-up, and get test
tokens."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from decimal import Decimal

from eth_account.signers.local import LocalAccount
from eth_utils.address import is_address, to_checksum_address
from web3 import Web3

from relayer.chains import devkeys
from relayer.chains.binding import load_live_manifest
from relayer.chains.chain import connect
from relayer.chains.compiler import load_contracts
from relayer.chains.keys import load_accounts
from relayer.chains.manifest import ChainDeployment, Manifest
from relayer.chains.tx import Sender
from relayer.cli.args import network_of, positive_decimal
from relayer.collateral.client import VaultClient
from relayer.collateral.tokens import VAULT_KEY, resolve_token
from relayer.deploy.collateral import MARKET_KEY
from relayer.errors import InvalidConfig, InvalidManifest
from relayer.market.ledger import LedgerClient
from relayer.settings import Settings
from relayer.table import render_table


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    deposit = commands.add_parser(
        "deposit", help="commit collateral on a collateral chain to the market (sends CREDIT)"
    )
    _token_options(deposit)
    deposit.add_argument("--account", type=_address, help="market account (default: the user)")
    deposit.set_defaults(handler=_deposit)

    withdraw = commands.add_parser(
        "withdraw", help="take collateral back: the market debits it and sends RELEASE"
    )
    _token_options(withdraw)
    withdraw.add_argument("--recipient", type=_address, help="who is paid (default: the user)")
    withdraw.set_defaults(handler=_withdraw)

    reserve = commands.add_parser(
        "reserve", help="reserve for auto top-up on margin calls: show, deposit, withdraw"
    )
    actions = reserve.add_subparsers(required=True, metavar="ACTION")
    show = actions.add_parser("show", help="what the vault lists and holds, and an account's")
    show.add_argument("--account", type=_address, help="whose reserve (default: the user)")
    show.set_defaults(handler=_show)
    park = actions.add_parser("deposit", help="park tokens as the user's reserve")
    _token_options(park)
    park.set_defaults(handler=_reserve_deposit)
    take = actions.add_parser("withdraw", help="take reserve back (never paused)")
    _token_options(take)
    take.add_argument("--recipient", type=_address, help="who receives it (default: the user)")
    take.set_defaults(handler=_reserve_withdraw)
    auto = actions.add_parser("auto-top-up", help="let margin calls move the user's reserve")
    auto.add_argument("state", choices=["on", "off"])
    auto.set_defaults(handler=_auto_top_up)

    faucet = commands.add_parser("faucet", help="one drip of a test token to the user")
    faucet.add_argument("--token", required=True, help="WETH, USD or an address")
    faucet.set_defaults(handler=_faucet)

    for parser in (deposit, withdraw, faucet, *actions.choices.values()):
        parser.add_argument("--chain", help="collateral chain name or id (default: the only one)")
        parser.add_argument("--network", help="manifest to use (default: the `network` setting)")
        parser.add_argument("--json", action="store_true", help="machine-readable output")


def _token_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token", required=True, help="WETH, USD or an address")
    parser.add_argument(
        "--amount", required=True, type=positive_decimal, help="in whole tokens: 1.5"
    )


def _deposit(args: argparse.Namespace, settings: Settings) -> int:
    client, chain = _client(args, settings, with_user=True)
    deposit = client.deposit(resolve_token(chain, args.token), args.amount, args.account)
    if args.json:
        return _print_json(asdict(deposit))
    symbol = client.symbol(deposit.token)
    print(
        f"deposited {deposit.amount} {symbol} on {chain.name} for {deposit.account}; "
        f"the market credits it when message {deposit.message_id} lands (tx {deposit.tx_hash})"
    )
    return 0


def _withdraw(args: argparse.Namespace, settings: Settings) -> int:
    contracts = load_contracts()
    manifest = load_live_manifest(settings.manifest_dir, network_of(args, settings), contracts)
    chain = _collateral_chain(manifest, args.chain)
    token = resolve_token(chain, args.token)
    market_chain = manifest.market_chain()
    web3 = connect(market_chain.rpc_url, market_chain.chain_id)
    user = _user(args, settings)
    market = web3.eth.contract(
        address=Web3.to_checksum_address(manifest.address(market_chain, MARKET_KEY)),
        abi=contracts.get("IOptionsMarket").abi,
    )
    client = LedgerClient(market, Sender(web3, user, market_chain.chain_id))
    done = client.withdraw(chain.domain, token, args.amount, args.recipient or user.address)
    if args.json:
        return _print_json(asdict(done))
    print(
        f"withdrew {done.amount} of {token} from the market for {user.address}; the vault on "
        f"{chain.name} pays when message {done.message_id} lands (tx {done.tx_hash})"
    )
    return 0


def _reserve_deposit(args: argparse.Namespace, settings: Settings) -> int:
    client, chain = _client(args, settings, with_user=True)
    token = resolve_token(chain, args.token)
    tx_hash = client.deposit_reserve(token, args.amount)
    return _done(args, settings, client, token, what="parked", tx_hash=tx_hash)


def _reserve_withdraw(args: argparse.Namespace, settings: Settings) -> int:
    client, chain = _client(args, settings, with_user=True)
    token = resolve_token(chain, args.token)
    tx_hash = client.withdraw_reserve(token, args.amount, args.recipient)
    return _done(args, settings, client, token, what="took back", tx_hash=tx_hash)


def _done(
    args: argparse.Namespace,
    settings: Settings,
    client: VaultClient,
    token: str,
    *,
    what: str,
    tx_hash: str,
) -> int:
    user = _user(args, settings).address
    reserve = client.reserve(user, token)
    if args.json:
        return _print_json({"token": token, "reserve": reserve, "tx_hash": tx_hash})
    symbol = client.symbol(token)
    print(f"{what} {args.amount} {symbol}; reserve now {reserve} {symbol} (tx {tx_hash})")
    return 0


def _auto_top_up(args: argparse.Namespace, settings: Settings) -> int:
    client, _ = _client(args, settings, with_user=True)
    enabled = args.state == "on"
    tx_hash = client.set_auto_top_up(enabled)
    if args.json:
        return _print_json({"auto_top_up": enabled, "tx_hash": tx_hash})
    print(f"auto top-up {args.state} for {_user(args, settings).address} (tx {tx_hash})")
    return 0


def _show(args: argparse.Namespace, settings: Settings) -> int:
    client, chain = _client(args, settings)
    account = args.account or _user(args, settings).address
    listings = client.listed_tokens()
    rows = [
        {
            "token": lst.symbol,
            "address": lst.token,
            "committed": client.committed(lst.token),
            "reserve": client.reserve(account, lst.token),
            "haircut": lst.haircut,
            "priced by": lst.feed or "par",
            "outflow available": lst.bucket.available,
        }
        for lst in listings
    ]
    auto = client.auto_top_up(account)
    if args.json:
        return _print_json(
            {"chain": chain.name, "account": account, "auto_top_up": auto, "tokens": rows}
        )
    print(f"vault on {chain.name}; account {account}, auto top-up {'on' if auto else 'off'}")
    print(render_table(list(rows[0]), [list(r.values()) for r in rows]) if rows else "no tokens")
    return 0


def _faucet(args: argparse.Namespace, settings: Settings) -> int:
    client, chain = _client(args, settings, with_user=True)
    token = resolve_token(chain, args.token)
    amount = client.drip(token)
    user = _user(args, settings).address
    balance = client.balance(token, user)
    if args.json:
        return _print_json({"token": token, "dripped": amount, "balance": balance})
    symbol = client.symbol(token)
    print(f"{user} got {amount} {symbol} on {chain.name}; balance {balance} {symbol}")
    return 0


def _client(
    args: argparse.Namespace, settings: Settings, *, with_user: bool = False
) -> tuple[VaultClient, ChainDeployment]:
    """The vault of the live manifest on the chosen chain, acting as the user when asked."""
    contracts = load_contracts()
    network = network_of(args, settings)
    manifest = load_live_manifest(settings.manifest_dir, network, contracts)
    chain = _collateral_chain(manifest, args.chain)
    web3 = connect(chain.rpc_url, chain.chain_id)
    vault = web3.eth.contract(
        address=Web3.to_checksum_address(manifest.address(chain, VAULT_KEY)),
        abi=contracts.get("ICollateralVault").abi,
    )
    sender = Sender(web3, _user(args, settings), chain.chain_id) if with_user else None
    token_abi = contracts.get("IFaucetToken").abi
    return VaultClient(vault, token_abi, sender, chain=chain.name), chain


def _collateral_chain(manifest: Manifest, wanted: str | None) -> ChainDeployment:
    vaults = [c for c in manifest.chains if VAULT_KEY in c.contracts]
    if not vaults:
        raise InvalidManifest(f"network {manifest.network}", f"{VAULT_KEY} is not deployed")
    names = ", ".join(c.name for c in vaults)
    if wanted is None:
        if len(vaults) > 1:
            raise InvalidConfig("--chain", f"there are {len(vaults)} vaults; name one of {names}")
        return vaults[0]
    for chain in vaults:
        if wanted in (chain.name, str(chain.chain_id), str(chain.domain)):
            return chain
    raise InvalidConfig("--chain", f"no vault on {wanted!r}; the vaults are on {names}")


def _user(args: argparse.Namespace, settings: Settings) -> LocalAccount:
    key = settings.collateral.user_key
    (user,) = load_accounts(
        [key] if key else [],
        network_of(args, settings),
        [devkeys.USER_KEYS[0]],
        what="user key",
        variable="CROSSFLOW_COLLATERAL__USER_KEY",
    )
    return user


def _address(text: str) -> str:
    if not is_address(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an address")
    return to_checksum_address(text)


def _print_json(value: object) -> int:
    def plain(item: object) -> str:
        return format(item, "f") if isinstance(item, Decimal) else str(item)

    print(json.dumps(value, indent=2, default=plain))
    return 0
