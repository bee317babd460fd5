"""The ``ebm`` console script's launcher sets ``GOMP_SPINCOUNT=10000`` before torch loads, and
only when the user has not chosen a wait policy (each case in a fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import ebm_launcher

REPO = Path(__file__).resolve().parents[2]

# Runs `ebm --version` through the launcher and reports what torch would have seen: the policy
# and whether torch was already imported when the launcher set it.
_PROBE = """
import json, os, sys
import ebm_launcher
torch_before = "torch" in sys.modules
sys.argv = ["ebm", "--version"]
try:
    code = ebm_launcher.main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"policy": os.environ.get("OMP_WAIT_POLICY"),
                  "spin": os.environ.get("GOMP_SPINCOUNT"), "torch_before": torch_before,
                  "torch_after": "torch" in sys.modules, "code": code}))
"""


def _probe(policy: str | None, spin: str | None = None) -> dict:
    env = dict(os.environ)
    env.pop("OMP_WAIT_POLICY", None)
    env.pop("GOMP_SPINCOUNT", None)
    if policy is not None:
        env["OMP_WAIT_POLICY"] = policy
    if spin is not None:
        env["GOMP_SPINCOUNT"] = spin
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_sets_a_bounded_spin_before_torch_when_unset() -> None:
    seen = _probe(None)
    assert seen == {"policy": None, "spin": "10000", "torch_before": False, "torch_after": True, "code": 0}


@pytest.mark.parametrize("policy", ["ACTIVE", "passive"])
def test_keeps_the_users_policy(policy: str) -> None:
    assert _probe(policy) | {"torch_after": None} == {
        "policy": policy, "spin": None, "torch_before": False, "torch_after": None, "code": 0}


def test_keeps_the_users_spin_count() -> None:
    assert _probe(None, spin="0")["spin"] == "0"


def test_importing_ebm_core_leaves_the_policy_alone() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    code = "import os, ebm_core; print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('GOMP_SPINCOUNT'))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    assert out.stdout.strip() == "None None"


def test_console_script_points_at_the_launcher() -> None:
    """The installed ``ebm`` console script (not just pyproject.toml's text) enters the launcher."""
    scripts = [ep for ep in entry_points(group="console_scripts") if ep.name == "ebm"]
    assert [ep.value for ep in scripts] == ["ebm_launcher:main"]
    assert scripts[0].load() is ebm_launcher.main


from tests.docstring_examples import example_tests  # noqa: E402

test_every_module_has_an_example, test_example_runs = example_tests(["ebm_launcher"])
