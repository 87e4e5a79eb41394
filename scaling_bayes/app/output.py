"""Safe output folders: a review appears complete or not at all, and ``--force`` deletes nothing
that is not a previous review.

How a review is written:

1. :func:`check_target` runs before anything is created. An existing folder is replaced only
   with ``force``, and only when it is one of our reviews: it carries our ``manifest.json`` and
   holds nothing the manifest does not list, or it has exactly the layout reviews had before
   manifests (``memo.html``, ``memo.md``, the memo figures, ``numbers.json`` ... see
   :data:`LEGACY_FILES`). Never a symbolic link, the current folder, the home folder, a
   filesystem root, or a folder holding the config or the data (nor any folder above them).
2. :class:`Staging` builds the review in a hidden sibling folder (same parent, so the final move
   is a rename on one filesystem) marked with :data:`MARKER`. If the run fails or is interrupted
   the sibling is removed; one left by a killed process is removed by the next run (only when it
   carries our marker and its process is gone).
3. :meth:`Staging.commit` writes ``manifest.json`` last (file names, sizes, SHA-256, package
   version, converged or not), then swaps the folders with SIGINT and SIGTERM deferred: the old
   review is renamed aside, the new one renamed into place, the old one deleted. The target name
   therefore always holds either the previous review or the complete new one.

The manifest detects damage and accidental edits; it is not a signature (anyone can recompute it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
import uuid
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from .._version import __version__
from ..core.exceptions import ConfigError

__all__ = [
    "LEGACY_FILES",
    "MANIFEST",
    "MARKER",
    "Staging",
    "check_target",
    "read_manifest",
    "remove_review_files",
    "single_review_files",
    "verify_review",
]

MANIFEST = "manifest.json"
#: File inside a folder that is being written; its content is the writer's process id.
MARKER = ".scaling-bayes-partial"
_TOOL = "scaling_bayes"
_STAGE_TAG = ".scaling-bayes-"
_FIGURES = ("fan", "roi", "ladder", "acceptability", "tornado")
#: The files a review wrote before manifests existed (memo in up to two languages with its
#: figures, tables, diagnostics, the saved fit): a folder holding only these, including the memo,
#: is recognised as an old review that ``--force`` may replace (``make demo`` over an old demo).
LEGACY_FILES = frozenset(
    {
        *(f"{stem}.{ext}" for stem in ("memo", "memo_ja") for ext in ("html", "md")),
        *(f"{stem}_{fig}.png" for stem in ("memo", "memo_ja") for fig in _FIGURES),
        "numbers.json",
        "numbers.csv",
        "ladder.csv",
        "posterior_summary.csv",
        "diagnostics.txt",
        "model.nc",
    }
)
_LEGACY_REQUIRED = frozenset({"memo.html", "memo.md"})


# ---------------------------------------------------------------------- before anything
def check_target(
    out: str | os.PathLike[str],
    *,
    force: bool,
    protect: Iterable[str | os.PathLike[str]] = (),
    allow_empty: bool = False,
) -> Path:
    """Check that a review may be written to ``out``; create nothing. Return its absolute path.

    Parameters
    ----------
    out : str or Path
        The output folder.
    force : bool
        Replace an existing folder (only a previous review; see the module docstring).
    protect : iterable of paths
        Files the review reads (config, data): a folder holding them is never replaced.
    allow_empty : bool
        Accept an existing empty folder without ``force`` (the Python API's old contract).

    Raises
    ------
    ConfigError
        Naming the folder, why it cannot be used and what to do.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> check_target(base / "review", force=False) == base / "review"
    True
    >>> _ = (base / "notes.txt").write_text("mine")
    >>> check_target(base, force=True)
    Traceback (most recent call last):
    ...
    scaling_bayes.core.exceptions.ConfigError: --force refuses to replace '...': it has no ...
    """
    out = Path(os.fspath(out))
    target = Path(os.path.abspath(out))
    if out.is_symlink():
        raise ConfigError(
            f"--out '{out}' is a symbolic link (to '{os.readlink(out)}'); a review is never "
            "written through a link: give the real folder's path"
        )
    if not target.exists():
        _check_parent(target, out)
        return target
    if not target.is_dir():
        raise ConfigError(f"--out '{out}' is a file, not a folder; choose another --out")
    entries = list(target.iterdir())
    if not entries and allow_empty and not force:
        return target
    if not force:
        raise ConfigError(f"output folder '{out}' exists; pass --force to replace it")
    _check_protected(target, out, protect)
    if entries:
        reason = _not_ours(target)
        if reason:
            raise ConfigError(
                f"--force refuses to replace '{out}': {reason}. --force replaces only a previous "
                "review written by scaling-bayes; choose another --out or empty the folder yourself"
            )
    _check_deletable(target, out)
    return target


def single_review_files(folder: str | os.PathLike[str]) -> list[Path] | None:
    """The files of one review written straight into ``folder``, or None when it is not one.

    ``scaling-bayes demo`` now writes one review per subfolder; a folder an earlier demo wrote
    holds a single review at its top (with a manifest, or the layout of a review written before
    manifests existed). Only when every file in it is the review's own are they returned: the
    files the demo may remove once its new reviews are in place.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> single_review_files(folder) is None
    True
    >>> for name in ("memo.html", "memo.md"):
    ...     _ = (folder / name).write_text("old")
    >>> sorted(p.name for p in single_review_files(folder))
    ['memo.html', 'memo.md']
    """
    folder = Path(os.fspath(folder))
    if folder.is_symlink() or not folder.is_dir() or not any(folder.iterdir()):
        return None
    if _not_ours(folder) is not None:
        return None
    manifest = read_manifest(folder)
    if manifest is not None:
        names = [f["name"] for f in manifest["files"]] + [MANIFEST]
        return [folder / n for n in names if (folder / n).is_file()]
    return sorted(p for p in _walk(folder) if p.is_file())


def remove_review_files(folder: str | os.PathLike[str], files: Collection[Path]) -> None:
    """Remove ``files`` (from :func:`single_review_files`) and the subfolders they leave empty."""
    folder = Path(os.fspath(folder))
    for path in files:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    for sub in sorted({p.parent for p in files}, key=lambda d: len(d.parts), reverse=True):
        if sub != folder and sub.is_relative_to(folder):
            with contextlib.suppress(OSError):
                sub.rmdir()  # only when empty


def _check_parent(target: Path, out: Path) -> None:
    ancestor = target.parent  # the nearest that exists, or a broken link on the way
    while not ancestor.exists() and not ancestor.is_symlink():
        ancestor = ancestor.parent
    if not ancestor.exists():
        problem = f"'{ancestor}' is a broken link"
    elif not ancestor.is_dir():
        problem = f"'{ancestor}' is a file, not a folder"
    elif not os.access(ancestor, os.W_OK | os.X_OK):
        problem = f"no permission to create files in '{ancestor}'; choose a folder you can write to"
    else:
        return
    raise ConfigError(f"cannot write to output folder '{out}': {problem}")


def _check_protected(target: Path, out: Path, protect) -> None:
    real = target.resolve()
    if real.parent == real:
        raise ConfigError(f"--force refuses to replace '{out}': it is a filesystem root")
    guarded = [
        (Path.cwd().resolve(), "it is (or holds) the current folder"),
        (Path.home().resolve(), "it is (or holds) your home folder"),
    ]
    guarded += [(Path(p).resolve(), f"it holds '{p}', which this review reads") for p in protect]
    for path, why in guarded:
        if path == real or path.is_relative_to(real):
            raise ConfigError(f"--force refuses to replace '{out}': {why}; choose another --out")


def _not_ours(folder: Path) -> str | None:
    """Why ``folder`` is not one of our reviews (None when it is)."""
    manifest = read_manifest(folder)
    present = {p.relative_to(folder).as_posix() for p in _walk(folder)}
    if manifest is not None:
        listed = {f["name"] for f in manifest["files"]} | {MANIFEST, MARKER}
        extra = sorted(present - listed)
        if extra:
            return f"it holds files the review did not write ({', '.join(extra[:5])})"
        return None
    if (folder / MANIFEST).exists():
        return f"its {MANIFEST} is not a scaling-bayes manifest"
    links = [p.name for p in folder.iterdir() if p.is_symlink() or not p.is_file()]
    extra = sorted(present - LEGACY_FILES) + sorted(links)
    if extra:
        return (
            f"it has no {MANIFEST} and holds files a review does not write ({', '.join(extra[:5])})"
        )
    if not _LEGACY_REQUIRED <= present:
        return f"it has no {MANIFEST} and no memo.html and memo.md"
    return None


def _check_deletable(target: Path, out: Path) -> None:
    """Every file can be removed (write access to its folder), checked before anything moves."""
    for folder, dirs, _ in os.walk(target):
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ConfigError(
                f"--force cannot replace '{out}': the files in '{folder}' cannot be deleted "
                "(no write permission); fix the permissions or choose another --out"
            )
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise ConfigError(
            f"--force cannot replace '{out}': no permission to rename folders in "
            f"'{target.parent}'; choose another --out"
        )


def _walk(folder: Path) -> list[Path]:
    out = []
    for root, dirs, files in os.walk(folder):
        out += [Path(root, f) for f in files]
        out += [Path(root, d) for d in dirs if os.path.islink(os.path.join(root, d))]
    return out


# ---------------------------------------------------------------------- manifest
def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of a review folder, or None when it has none (or not ours)."""
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("tool") != _TOOL:
        return None
    files = data.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("name"), str) for f in files
    ):
        return None
    return data


def verify_review(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` is a complete review: a manifest whose every file is intact."""
    manifest = read_manifest(folder)
    if manifest is None or (Path(folder) / MARKER).exists():
        return False
    for entry in manifest["files"]:
        path = Path(folder) / entry["name"]
        if not path.is_file() or path.stat().st_size != entry.get("bytes"):
            return False
        if _sha256(path) != entry.get("sha256"):
            return False
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_manifest(folder: Path, converged: bool) -> Path:
    files = sorted(p for p in _walk(folder) if p.name not in (MANIFEST, MARKER) and p.is_file())
    body = {
        "tool": _TOOL,
        "manifest_version": 1,
        "package_version": __version__,
        "converged": bool(converged),
        "written_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": [
            {
                "name": p.relative_to(folder).as_posix(),
                "bytes": p.stat().st_size,
                "sha256": _sha256(p),
            }
            for p in files
        ],
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------- staging
class Staging:
    """A hidden sibling folder a review is built in, swapped into place by :meth:`commit`.

    Use as a context manager: leaving the block without :meth:`commit` (an error, Ctrl-C)
    removes the sibling and leaves ``target`` as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "review"
    >>> with Staging(target) as stage:
    ...     _ = (stage.path / "memo.md").write_text("# memo")
    >>> target.exists()
    False
    >>> with Staging(target) as stage:
    ...     _ = (stage.path / "memo.md").write_text("# memo")
    ...     _ = stage.commit(converged=True)
    >>> sorted(p.name for p in target.iterdir()), verify_review(target)
    (['manifest.json', 'memo.md'], True)
    """

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.target = Path(os.path.abspath(os.fspath(target)))
        self.path: Path | None = None
        self.committed = False
        self.leftover: tuple[Path, OSError] | None = None

    def __enter__(self) -> Staging:
        _clean_stale(self.target)
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(
                tempfile.mkdtemp(
                    prefix=f".{self.target.name}{_STAGE_TAG}new-", dir=self.target.parent
                )
            )
            (self.path / MARKER).write_text(str(os.getpid()))
        except OSError as err:
            self._discard()
            raise ConfigError(f"cannot write to output folder '{self.target}': {err}") from err
        return self

    def __exit__(self, kind, error, trace) -> None:
        # never swallows the exception: a failed review leaves nothing behind and re-raises
        if not self.committed:
            self._discard()

    def _discard(self) -> None:
        if self.path is not None and self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)

    def commit(self, *, converged: bool) -> Path:
        """Write the manifest (last), then move the folder into place; return the target."""
        if self.path is None or self.committed:
            raise RuntimeError("commit() needs an open, uncommitted Staging")
        _write_manifest(self.path, converged)
        backup = None
        with _deferred_signals():
            if os.path.lexists(self.target):
                backup = self.target.with_name(
                    f".{self.target.name}{_STAGE_TAG}old-{uuid.uuid4().hex[:8]}"
                )
                os.rename(self.target, backup)
                with contextlib.suppress(OSError):
                    (backup / MARKER).write_text(str(os.getpid()))
            try:
                os.rename(self.path, self.target)
            except OSError:
                if backup is not None:
                    os.rename(backup, self.target)
                    with contextlib.suppress(OSError):
                        (self.target / MARKER).unlink()
                raise
            (self.target / MARKER).unlink()
            self.committed = True
            if backup is not None:
                try:
                    shutil.rmtree(backup)
                except OSError as err:
                    self.leftover = (backup, err)
        return self.target


def _clean_stale(target: Path) -> None:
    """Remove siblings a killed run left behind: our marker, and their process is gone."""
    prefix = f".{target.name}{_STAGE_TAG}"
    if not target.parent.is_dir():
        return
    for entry in target.parent.iterdir():
        if not entry.name.startswith(prefix) or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            pid = int((entry / MARKER).read_text().strip())
        except (OSError, ValueError):
            continue  # not ours, or not marked: leave it
        if pid != os.getpid() and _alive(pid):
            continue  # another run is writing it
        shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _deferred_signals():
    """Hold SIGINT and SIGTERM during the folder swap; deliver them right after.

    A Python-level handler (not a thread signal mask) because any thread may receive the signal
    while the main thread runs the Python handler.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in received:
            signal.raise_signal(sig)
