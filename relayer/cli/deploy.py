"""`crossflow deploy`: the mailboxes, the price feeds, the options market and the
collateral vaults with their test tokens, wired to each other and recorded in the
manifest."""

from __future__ import annotations

import argparse
from pathlib import Path

from relayer.chains import devkeys, devnet
from relayer.chains.compiler import load_contracts
from relayer.chains.manifest import load_manifest, manifest_path
from relayer.deploy.deployer import ChainTarget
from relayer.deploy.everything import deploy_everything
from relayer.errors import ConfigError, DevnetError
from relayer.settings import Settings
from relayer.table import render_table


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    deploy = commands.add_parser(
        "deploy",
        help="deploy the mailboxes, price feeds, market and vaults, and write the manifest",
    )
    deploy.add_argument("--network", help="only 'local' (the devnet) for now")
    deploy.add_argument("--threshold", type=int, default=2, help="M of the 3 dev validators")
    deploy.set_defaults(handler=_deploy)


def _deploy(args: argparse.Namespace, settings: Settings) -> int:
    network = args.network or settings.network
    if network != "local":
        raise ConfigError(
            f"network {network!r} has no deploy configuration yet",
            "deploy to the local devnet with --network local",
        )
    nodes = devnet.read_state(settings.devnet.state_dir / "state.json")
    if not nodes:
        raise DevnetError("no devnet is running", "start one with `crossflow devnet up`")
    targets = [ChainTarget(n.spec.name, n.spec.role, n.spec.chain_id, n.rpc_url) for n in nodes]
    before = _recorded(settings.manifest_dir, network)
    manifest = deploy_everything(
        targets,
        network=network,
        manifest_dir=settings.manifest_dir,
        settings=settings,
        threshold=args.threshold,
        contracts=load_contracts(),
    )
    print(
        render_table(
            ["chain", "chain id", "contract", "address", "this run"],
            [
                [
                    c.name,
                    c.chain_id,
                    n,
                    a,
                    "kept" if (c.genesis_hash, n, a) in before else "deployed",
                ]
                for c in manifest.chains
                for n, a in c.contracts.items()
            ],
        )
    )
    print(
        f"\nvalidators: {args.threshold} of {len(devkeys.VALIDATOR_KEYS)}; oracle signers: "
        f"{devkeys.ORACLE_THRESHOLD} of {len(devkeys.ORACLE_SIGNER_KEYS)}; "
        f"manifest: {manifest_path(settings.manifest_dir, network)}"
    )
    return 0


def _recorded(manifest_dir: Path, network: str) -> set[tuple[str, str, str]]:
    """(chain genesis, key, address) of every contract the manifest held before."""
    try:
        manifest = load_manifest(manifest_dir, network)
    except ConfigError:
        return set()
    return {(c.genesis_hash, k, a) for c in manifest.chains for k, a in c.contracts.items()}
