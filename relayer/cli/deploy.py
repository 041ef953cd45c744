"""`crossflow deploy`: the mailboxes, the price feeds, the options market and the
collateral vaults with their test tokens, wired to each other and recorded in the
manifest, on the local devnet or on a network of the networks file. Every run is
simulated on local forks first; `--dry-run` stops there and prints the plan."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from relayer.chains import devkeys, devnet
from relayer.chains.compiler import load_contracts
from relayer.chains.keys import LOCAL_NETWORK
from relayer.chains.manifest import manifest_path
from relayer.cli.args import network_of
from relayer.deploy.deployer import ChainTarget
from relayer.deploy.everything import DeployRoles, NetworkSpec, dev_roles
from relayer.deploy.keys import load_deployer_key
from relayer.deploy.networks import load_network, network_chains
from relayer.deploy.plan import Executed, Plan, execute, plan
from relayer.deploy.preflight import eth, gwei
from relayer.deploy.report import Kind, Report
from relayer.errors import ConfigError, DevnetError, InvalidConfig
from relayer.settings import Settings
from relayer.table import render_table


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    deploy = commands.add_parser(
        "deploy",
        help="deploy and wire the mailboxes, price feeds, market and vaults; write the manifest",
    )
    deploy.add_argument(
        "--network", help="'local' (the devnet, the default) or a network of the networks file"
    )
    deploy.add_argument(
        "--networks",
        type=Path,
        metavar="FILE",
        help="the networks file (default: deploy.networks_file, ./networks.toml)",
    )
    deploy.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan with its gas and cost, simulated on local forks; send nothing",
    )
    deploy.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait up to SECONDS for chains that do not answer yet (starting beside it)",
    )
    deploy.add_argument(
        "--threshold",
        type=int,
        help=f"local only: M of the {len(devkeys.VALIDATOR_KEYS)} dev validators (default 2)",
    )
    deploy.set_defaults(handler=_deploy)


def _deploy(args: argparse.Namespace, settings: Settings) -> int:
    network = network_of(args, settings)
    if network == LOCAL_NETWORK:
        spec = _local_spec(args.threshold, settings)
        configured_in = "the devnet state"
    else:
        networks_file = args.networks or settings.deploy.networks_file
        spec = _named_spec(network, networks_file, args.threshold)
        configured_in = str(networks_file)
    compiled = load_contracts()
    manifest_dir = settings.manifest_dir
    planned = plan(
        spec,
        configured_in=configured_in,
        manifest_dir=manifest_dir,
        settings=settings,
        contracts=compiled,
        wait_for_chains=args.wait,
    )
    if args.dry_run:
        _print_plan(spec, planned)
        return 0
    done = execute(spec, planned, manifest_dir=manifest_dir, settings=settings, contracts=compiled)
    _print_run(spec, done, manifest_path(settings.manifest_dir, network))
    return 0


def _local_spec(threshold: int | None, settings: Settings) -> NetworkSpec:
    validators = len(devkeys.VALIDATOR_KEYS)
    threshold = 2 if threshold is None else threshold
    if not 1 <= threshold <= validators:
        raise InvalidConfig("--threshold", f"{threshold} is not between 1 and {validators}")
    nodes = devnet.read_state(settings.devnet.state_dir / "state.json")
    if not nodes:
        raise DevnetError("no devnet is running", "start one with `crossflow devnet up`")
    targets = [ChainTarget(n.spec.name, n.spec.role, n.spec.chain_id, n.rpc_url) for n in nodes]
    return NetworkSpec(LOCAL_NETWORK, targets, dev_roles(threshold))


def _named_spec(network: str, networks_file: Path, threshold: int | None) -> NetworkSpec:
    if threshold is not None:
        raise ConfigError(
            f"--threshold is for the local devnet; network {network} sets its validators' "
            f"threshold in {networks_file}",
            "drop --threshold, or change validators.threshold there",
        )
    config = load_network(networks_file, network)
    targets = network_chains(network, config, os.environ)
    prompt = getpass.getpass if sys.stdin.isatty() else None
    roles = DeployRoles(
        deployer_key=load_deployer_key(config.deployer, os.environ, prompt),
        validators=config.validators.quorum(),
        oracle_signers=config.oracle_signers.quorum(),
    )
    series = [entry.terms() for entry in config.series]
    return NetworkSpec(network, targets, roles, config.test_tokens, series)


def _print_plan(spec: NetworkSpec, planned: Plan) -> None:
    print(f"plan for network {spec.network}, deployer {spec.roles.deployer}: nothing is sent\n")
    print(_contract_table(planned.report, {True: "deploy", False: "keep"}, "plan"))
    print()
    if planned.report.transactions:
        print(_transaction_table(planned.report, planned))
    else:
        print("nothing to send: every contract, wire and setting is as configured")
    print()
    print(
        render_table(
            [
                "chain",
                "chain id",
                "transactions",
                "gas",
                "gas price (gwei)",
                "cost (ETH)",
                "balance (ETH)",
                "needed (ETH)",
                "funded",
            ],
            [
                [
                    f.target.name,
                    f.target.chain_id,
                    sum(1 for t in planned.report.transactions if t.chain_id == f.target.chain_id),
                    f"{f.gas:,}",
                    gwei(f.gas_price),
                    eth(f.cost),
                    eth(f.balance),
                    eth(f.needed),
                    "yes" if f.covered else "NO",
                ]
                for f in planned.funds
            ],
        )
    )
    total = sum(f.cost for f in planned.funds)
    print(f"\ntotal cost: {eth(total)} ETH at today's gas prices")
    for note in planned.notes:
        print(f"note: {note}")
    print(planned.method)


def _print_run(spec: NetworkSpec, done: Executed, manifest: Path) -> None:
    print(_contract_table(done.report, {True: "deployed", False: "kept"}, "this run"))
    print()
    sent = done.report.transactions
    if sent:
        print(_transaction_table(done.report, None))
    else:
        print("nothing sent: every contract, wire and setting is as configured")
    for note in done.notes:
        print(f"note: {note}")
    counts = {kind: done.report.count(kind) for kind in Kind}
    print(
        f"\nkept {done.report.kept}, deployed {counts[Kind.DEPLOY]}, configured "
        f"{counts[Kind.CONFIGURE]}, repaired {counts[Kind.REPAIR]}; "
        f"{len(sent)} transactions, {eth(sum(t.fee for t in sent))} ETH"
    )
    roles = spec.roles
    print(
        f"validators: {roles.validators.threshold} of {len(roles.validators.addresses)}; "
        f"oracle signers: {roles.oracle_signers.threshold} of "
        f"{len(roles.oracle_signers.addresses)}; deployer: {roles.deployer}; "
        f"manifest: {manifest}"
    )


def _contract_table(report: Report, words: dict[bool, str], header: str) -> str:
    return render_table(
        ["chain", "chain id", "contract", "address", header],
        [[c.chain, c.chain_id, c.key, c.address, words[c.deployed]] for c in report.contracts],
    )


def _transaction_table(report: Report, planned: Plan | None) -> str:
    """Every transaction with its gas and what it cost (in a plan at each chain's gas
    price now, after a run what it paid), chain by chain in the order sent."""
    prices = {f.target.chain_id: f.gas_price for f in planned.funds} if planned else {}
    chains = list(dict.fromkeys(c.chain_id for c in report.contracts))
    sent = sorted(report.transactions, key=lambda t: chains.index(t.chain_id))
    return render_table(
        ["chain", "contract", "transaction", "kind", "gas", "cost (ETH)"],
        [
            [
                t.chain,
                t.contract,
                t.what,
                t.kind,
                f"{t.gas:,}",
                eth(t.gas * prices[t.chain_id] if planned else t.fee),
            ]
            for t in sent
        ],
    )
