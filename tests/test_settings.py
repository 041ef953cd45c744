from __future__ import annotations

from pathlib import Path

import pytest

from relayer.errors import InvalidConfig
from relayer.settings import load_settings


@pytest.fixture(autouse=True)
def in_empty_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_are_two_chains_on_the_documented_ports() -> None:
    devnet = load_settings().devnet
    assert (devnet.chains, devnet.base_chain_id, devnet.base_port) == (2, 31337, 8545)
    assert devnet.base_port + devnet.port_step == 9545
    assert devnet.block_time is None


def test_reads_crossflow_toml_from_the_working_directory(tmp_path: Path) -> None:
    write(tmp_path / "crossflow.toml", "[devnet]\nchains = 3\nblock_time = 2\n")
    devnet = load_settings().devnet
    assert (devnet.chains, devnet.block_time) == (3, 2.0)


def test_environment_overrides_the_file_key_by_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(tmp_path / "custom.toml", "[devnet]\nchains = 3\nbase_port = 20000\n")
    monkeypatch.setenv("CROSSFLOW_DEVNET__BASE_PORT", "18545")
    devnet = load_settings(config).devnet
    assert (devnet.chains, devnet.base_port) == (3, 18545)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[devnet\nchains = 2\n", "not valid TOML"),
        ("[devnet]\nchainz = 2\n", "devnet.chainz: Extra inputs are not permitted"),
        ("[devnet]\nchains = 0\n", "devnet.chains: Input should be greater than or equal to 1"),
        ("[devnet]\nbase_port = 'x'\n", "devnet.base_port"),
    ],
)
def test_rejects_bad_config_with_the_offending_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    config = write(tmp_path / "bad.toml", text)
    with pytest.raises(InvalidConfig, match=expected.replace(".", r"\.")) as caught:
        load_settings(config)
    assert str(config) in str(caught.value)


def test_names_the_line_of_a_toml_syntax_error(tmp_path: Path) -> None:
    config = write(tmp_path / "bad.toml", "[devnet]\nchains = 2\nblock_time = \n")
    with pytest.raises(InvalidConfig, match="line 3"):
        load_settings(config)


def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfig, match="does not exist"):
        load_settings(tmp_path / "missing.toml")
