"""DESIGN §7.1 as `crossflow conservation` checks it, in the status's terms: WAD
integers become exact Decimals, and each token is named by the manifest's symbol
for it."""

from __future__ import annotations

from web3 import Web3

from relayer.chains.compiler import Contracts
from relayer.chains.manifest import Manifest, contract_name
from relayer.conservation.check import Line, check_conservation
from relayer.market.units import from_wad
from relayer.status.model import ConservationLine, ConservationStatus, QuoteConservation


def read_conservation(manifest: Manifest, contracts: Contracts) -> ConservationStatus:
    """Needs every chain up: the vaults and both ends of every channel are read."""
    report = check_conservation(manifest, contracts)
    quote = report.quote
    return ConservationStatus(
        holds=report.holds,
        lines=[_line(manifest, line) for line in report.lines],
        quote=QuoteConservation(
            pools=from_wad(quote.pools),
            cash=from_wad(quote.cash),
            bad_debt=from_wad(quote.bad_debt),
            accounts=quote.accounts,
            holds=quote.holds,
        ),
    )


def _line(manifest: Manifest, line: Line) -> ConservationLine:
    return ConservationLine(
        chain=line.chain,
        domain=line.domain,
        token=_symbol(manifest, line.domain, line.token),
        token_address=line.token,
        is_quote=line.is_quote,
        vault_balance=from_wad(line.vault_balance),
        reserves=from_wad(line.reserves),
        committed=from_wad(line.committed),
        pool=from_wad(line.pool),
        credits=None if line.credits is None else from_wad(line.credits),
        credits_in_flight=from_wad(line.credits_in_flight),
        payouts_in_flight=from_wad(line.payouts_in_flight),
        holds=line.holds,
        problems=list(line.problems),
    )


def _symbol(manifest: Manifest, domain: int, token: str) -> str:
    """`USD` for the token the manifest records as `FaucetToken:USD`, else the address."""
    for key, address in manifest.chain(domain).contracts.items():
        if Web3.to_checksum_address(address) == token and ":" in key:
            return key.removeprefix(contract_name(key) + ":")
    return token
