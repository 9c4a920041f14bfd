"""Fixtures of the Python package's tests: a fresh registry in a temporary folder, the
`mreg` binary (MREG_BINARY) to read and write it beside the package, and git's identity."""

import json
import os
import subprocess

import pytest

import mreg

AUTHOR = "Ada Lovelace <ada@example.com>"


@pytest.fixture(autouse=True)
def git_identity(monkeypatch, tmp_path):
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Ada Lovelace")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "ada@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Ada Lovelace")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "ada@example.com")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    # MLflow's default tracking store is ./mlruns: never the source tree
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def registry_path(tmp_path):
    path = tmp_path / "registry"
    mreg.Registry.init(str(path), registry_id="acme/models")
    return path


@pytest.fixture
def registry(registry_path):
    return mreg.Registry.open(str(registry_path))


def mreg_binary():
    binary = os.environ.get("MREG_BINARY")
    if not binary:
        pytest.skip("MREG_BINARY is not set: the path of the mreg binary, for the CLI tests")
    return binary


def run_mreg(registry_path, *args, check=True):
    """Runs `mreg --repo REGISTRY ARGS`; returns the completed process."""
    proc = subprocess.run([mreg_binary(), "--repo", str(registry_path), *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"mreg {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


def mreg_json(registry_path, *args):
    return json.loads(run_mreg(registry_path, "-o", "json", *args).stdout)


def git(path, *args) -> str:
    return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, check=True).stdout


def commits(path) -> int:
    return int(git(path, "rev-list", "--count", "HEAD"))
