"""Atomic writes: the usual permissions under the umask, the folder fsynced after the rename,
the target untouched and no temporary file left behind on failure."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterator

import pytest
import torch

from ebm_core import atomic_files
from ebm_core.atomic_files import atomic_path, fsync_directory


@pytest.fixture
def restore_umask() -> Iterator[None]:
    """The test may change the process umask; the old one is restored after it."""
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_get_0666_less_the_umask(tmp_path: Path, restore_umask: None, mask: int, expected: int) -> None:
    os.umask(mask)
    with atomic_path(tmp_path / "config.json") as tmp:
        tmp.write_text("{}")
    with atomic_path(tmp_path / "checkpoint.pt") as tmp:
        torch.save({"step": 1}, tmp)
    assert _mode(tmp_path / "config.json") == expected
    assert _mode(tmp_path / "checkpoint.pt") == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt", "config.json"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_replacing_a_file_keeps_its_permissions(tmp_path: Path, restore_umask: None) -> None:
    os.umask(0o022)
    target = tmp_path / "metrics.json"
    target.write_text("old")
    target.chmod(0o640)
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert (target.read_text(), _mode(target)) == ("new", 0o640)


def test_failure_leaves_the_target_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "samples.pt"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["samples.pt"]


def test_the_folder_is_fsynced_after_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src, dst) -> None:
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(atomic_files.os, "fsync", fsync)
    monkeypatch.setattr(atomic_files.os, "replace", replace)
    with atomic_path(tmp_path / "a.txt") as tmp:
        tmp.write_text("x")
    expected = ["fsync file", "rename", "fsync folder"] if os.name == "posix" else ["fsync file", "rename"]
    assert events == expected


def test_a_folder_that_cannot_be_fsynced_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(22, "Invalid argument")  # what some network file systems answer
        real_fsync(fd)

    monkeypatch.setattr(atomic_files.os, "fsync", fsync)
    assert fsync_directory(tmp_path) is False
    with atomic_path(tmp_path / "a.txt") as tmp:
        tmp.write_text("x")
    assert (tmp_path / "a.txt").read_text() == "x"
