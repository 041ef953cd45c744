"""Private keys from the settings, with the dev keys standing in on the local devnet."""

from __future__ import annotations

from collections.abc import Sequence

from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import SecretStr

from relayer.errors import MissingKey

LOCAL_NETWORK = "local"


def load_accounts(
    configured: Sequence[SecretStr],
    network: str,
    dev_defaults: Sequence[SecretStr],
    *,
    what: str,
    variable: str,
) -> list[LocalAccount]:
    """The configured keys; on the local devnet the well-known dev keys stand in.
    Raises MissingKey when there are none, or when one is not a private key."""
    keys = list(configured) or (list(dev_defaults) if network == LOCAL_NETWORK else [])
    if not keys:
        raise MissingKey(what, variable)
    accounts: list[LocalAccount] = []
    for key in keys:
        try:
            accounts.append(Account.from_key(key.get_secret_value()))
        except (ValueError, TypeError) as err:
            raise MissingKey(f"valid {what} (one is not a private key)", variable) from err
    return accounts
