"""Errors about a node name it without the secrets hosted RPC URLs carry."""

from __future__ import annotations

import pytest

from relayer.chains.chain import connect
from relayer.errors import NodeUnreachable, without_secrets


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
        ("https://eth-sepolia.g.alchemy.com/v2/SECRETKEY", "https://eth-sepolia.g.alchemy.com/…"),
        ("https://sepolia.infura.io/v3/SECRETKEY", "https://sepolia.infura.io/…"),
        ("https://rpc.example.org/?apikey=SECRETKEY", "https://rpc.example.org/…"),
        ("https://user:SECRETKEY@rpc.example.org", "https://rpc.example.org/…"),
        ("not a url", "the RPC URL"),
    ],
)
def test_an_rpc_url_is_shown_without_its_key(url: str, shown: str) -> None:
    assert without_secrets(url) == shown


def test_an_unreachable_node_is_named_without_its_key() -> None:
    with pytest.raises(NodeUnreachable) as raised:
        connect("http://127.0.0.1:9/v2/SECRETKEY", timeout=1)
    assert "SECRETKEY" not in str(raised.value)
    assert "http://127.0.0.1:9/…" in str(raised.value)
