"""Write files so that readers see the old content or the new, never a partial file.

``with atomic_path(target) as tmp:`` — write ``tmp`` (same folder as ``target``), and on
leaving the block it is flushed to disk, renamed over ``target``, and the rename itself is
flushed (the folder is fsynced, where the platform allows it), so the new content survives a
power loss; on an exception the temporary file is removed and ``target`` is untouched.

Permissions are those of an ordinary new file: ``0o666`` less the process umask (``0o644``
under the usual umask ``022``, ``0o600`` under ``077``); when ``target`` already exists its
permission bits are kept, as an editor saving over it would.

Example::

    import pathlib, tempfile
    from ebm_core.atomic_files import atomic_path

    target = pathlib.Path(tempfile.mkdtemp()) / "config.json"
    with atomic_path(target) as tmp:
        tmp.write_text("{}")
    assert target.read_text() == "{}"
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it over ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_temporary(target)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        yield tmp
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)


def fsync_directory(folder: str | os.PathLike[str]) -> bool:
    """Flush ``folder``'s entries (a rename or a new name in it) to disk.

    POSIX needs this for a rename to survive a power loss. Returns ``False``, doing nothing,
    where the platform or file system cannot open or fsync a folder (Windows, some network
    and FUSE file systems).
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return False
    try:
        os.fsync(fd)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _create_temporary(target: Path) -> Path:
    """Create an empty, new ``.<name>.<random><suffix>`` next to ``target``.

    Unlike :func:`tempfile.mkstemp` (always ``0o600``) the file is created with mode ``0o666``
    and the operating system applies the umask (and any default ACL), like any new file.
    """
    suffix = target.suffix or ".tmp"
    while True:
        candidate = target.parent / f".{target.name}.{secrets.token_hex(6)}{suffix}"
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
