"""The deployer's private key for a named network: from an environment variable, or
decrypted from a Web3 Secret Storage keystore (`cast wallet import`, geth). The key
stays a SecretStr; no message here ever carries it or the password."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from eth_account import Account
from pydantic import SecretStr

from relayer.deploy.networks import DeployerEntry
from relayer.errors import ConfigError

Prompt = Callable[[str], str]
KEYSTORE_HELP = "`cast wallet import NAME --interactive` writes one to ~/.foundry/keystores/NAME"


class DeployerKeyNotSet(ConfigError):
    def __init__(self, variable: str) -> None:
        super().__init__(
            f"the deployer key is read from {variable}, which is not set",
            f"export {variable}=0x<private key>, or give the network a keystore",
        )


class NotAPrivateKey(ConfigError):
    def __init__(self, source: str) -> None:
        super().__init__(
            f"{source} does not hold a private key",
            "it must be 32 bytes in hex (64 hex digits, 0x optional)",
        )


class KeystoreUnreadable(ConfigError):
    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"cannot use the keystore {path}: {detail}", f"fix the path; {KEYSTORE_HELP}"
        )


class KeystorePasswordMissing(ConfigError):
    def __init__(self, path: Path, variable: str) -> None:
        super().__init__(
            f"no password for the keystore {path}: {variable} is not set and there is no "
            "terminal to ask on",
            f"export {variable}, or run crossflow deploy on a terminal",
        )


class KeystoreWrongPassword(ConfigError):
    def __init__(self, path: Path, source: str) -> None:
        super().__init__(
            f"the password from {source} does not open the keystore {path}",
            "give the password the keystore was created with",
        )


def load_deployer_key(
    deployer: DeployerEntry, environ: Mapping[str, str], prompt: Prompt | None = None
) -> SecretStr:
    """The key `deployer` points at; `prompt` (a terminal's getpass) asks for a
    keystore password that `environ` does not hold."""
    if deployer.keystore is not None:
        return _decrypt(deployer.keystore, deployer.password_env, environ, prompt)
    variable = str(deployer.key_env)  # DeployerEntry holds exactly one of the two
    value = environ.get(variable, "").strip()
    if not value:
        raise DeployerKeyNotSet(variable)
    return _checked(SecretStr(value), variable)


def _decrypt(
    path: Path, password_env: str, environ: Mapping[str, str], prompt: Prompt | None
) -> SecretStr:
    try:
        keystore = json.loads(path.read_text())
    except FileNotFoundError as err:
        raise KeystoreUnreadable(path, "the file does not exist") from err
    except OSError as err:
        raise KeystoreUnreadable(path, f"cannot read it ({err.strerror})") from err
    except ValueError as err:
        raise KeystoreUnreadable(path, "it is not JSON") from err
    if not isinstance(keystore, dict) or not ({"crypto", "Crypto"} & set(keystore)):
        raise KeystoreUnreadable(path, "it is not a Web3 Secret Storage keystore (no crypto)")
    password = environ.get(password_env)
    source = password_env
    if password is None:
        if prompt is None:
            raise KeystorePasswordMissing(path, password_env)
        password, source = prompt(f"password for {path}: "), "the prompt"
    try:
        key = Account.decrypt(keystore, password)
    except ValueError as err:
        if "MAC mismatch" in str(err):
            raise KeystoreWrongPassword(path, source) from err
        raise KeystoreUnreadable(path, str(err)) from err
    except (KeyError, TypeError) as err:
        raise KeystoreUnreadable(path, f"a field is missing or malformed ({err})") from err
    return _checked(SecretStr("0x" + bytes(key).hex()), f"the keystore {path}")


def _checked(key: SecretStr, source: str) -> SecretStr:
    try:
        Account.from_key(key.get_secret_value())
    except (ValueError, TypeError):
        # Not chained: the parser's message may quote the value.
        raise NotAPrivateKey(source) from None
    return key
