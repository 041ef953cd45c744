"""`crossflow status` through the console script: tables and JSON from a live
deployment, exit 1 once a chain is stopped, and one-line errors when there is no
manifest or no chain answers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from relayer.deploy.everything import deploy_everything
from relayer.settings import Settings
from relayer.testbed.net import restartable_chains, targets
from tests.console import CROSSFLOW, assert_one_line_error, clean_environment

pytestmark = pytest.mark.e2e


def crossflow(manifest_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CROSSFLOW), *args],
        env=clean_environment(CROSSFLOW_MANIFEST_DIR=str(manifest_dir), CROSSFLOW_NETWORK="test"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_status_shows_the_deployment_and_fails_once_a_chain_stops(
    anvil_binary: Path, tmp_path: Path
) -> None:
    with restartable_chains(anvil_binary, [41337, 41338], tmp_path / "nodes") as nodes:
        deploy_everything(
            targets(nodes.chains), network="test", manifest_dir=tmp_path, settings=Settings()
        )
        drawn = crossflow(tmp_path, "status")
        assert drawn.returncode == 0, drawn.stderr
        for title in ("Chains of test", "Contracts", "Messages per route", "Conservation"):
            assert title in drawn.stdout
        assert drawn.stdout.rstrip().endswith("ok")

        healthy = json.loads(crossflow(tmp_path, "status", "--json", "--accounts", "3").stdout)
        assert healthy["ok"] is True
        assert [c["up"] for c in healthy["chains"]] == [True, True]
        assert healthy["conservation"]["holds"] is True

        nodes.stop(0)
        stopped = crossflow(tmp_path, "status", "--json")
        assert stopped.returncode == 1, stopped.stderr
        shown = json.loads(stopped.stdout)
        assert [c["up"] for c in shown["chains"]] == [False, True]
        assert shown["ok"] is False
        assert shown["conservation"] is None

        nodes.stop(1)
        assert_one_line_error(crossflow(tmp_path, "status"), "no chain of network 'test' answers")
    assert_one_line_error(
        crossflow(tmp_path, "status", "--network", "nowhere"), "no deployment manifest"
    )
