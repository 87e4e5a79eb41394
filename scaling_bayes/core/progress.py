"""Progress of long operations: a bar in a terminal or a notebook, silence anywhere else.

Fitting several models (backtests, law comparisons, parallel fits) and the value of information
take seconds to minutes. They show a bar when someone is watching and nothing when output goes to
a file, a pipe, a test or a batch log, the behaviour of tqdm and of PyMC's own bar. Every such
function takes ``progressbar``:

- ``None`` (the default): shown when standard error is a terminal or the code runs in a Jupyter
  kernel, unless the environment variable ``SCALING_BAYES_PROGRESS`` says otherwise (``1``,
  ``true``, ``on``, ``always`` to force it; ``0``, ``false``, ``off``, ``never`` to silence it);
- ``True``: always shown (in a log, as one line when the work ends);
- ``False``: never shown.

The bar is written to standard error, so a command's output on standard output (``--json``)
stays clean. In a terminal it is drawn by rich (a dependency of PyMC) and removed when the work
ends; in a notebook it is an HTML ``<progress>`` element updated in place through IPython's
display machinery (no widget library needed).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO, TypeVar

from .display import escape
from .exceptions import ConfigError

_T = TypeVar("_T")

__all__ = [
    "PROGRESS_ENV",
    "ProgressBar",
    "check_progressbar",
    "progress",
    "progress_mode",
    "track",
]

#: Environment variable that forces the bar on or off when ``progressbar`` is None.
PROGRESS_ENV = "SCALING_BAYES_PROGRESS"
_ENV_ON = ("1", "true", "yes", "on", "always")
_ENV_OFF = ("0", "false", "no", "off", "never")
#: Least time between two redraws of a notebook bar (each redraw is a message to the browser).
_NOTEBOOK_INTERVAL_S = 0.2


def check_progressbar(value: object, name: str = "progressbar") -> bool | None:
    """``value`` as True, False or None, or a :class:`ConfigError` naming ``name``.

    Examples
    --------
    >>> check_progressbar(None), check_progressbar(False)
    (None, False)
    >>> check_progressbar("yes")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scaling_bayes.core.exceptions.ConfigError: progressbar must be True, False or None ...
    """
    if value is None or isinstance(value, bool):
        return value
    raise ConfigError(
        f"{name} must be True, False or None (None shows it only in a terminal or a notebook); "
        f"got {value!r}"
    )


def _env_setting() -> bool | None:
    raw = os.environ.get(PROGRESS_ENV)
    if raw is None or not raw.strip():
        return None
    value = raw.strip().lower()
    if value in _ENV_ON:
        return True
    if value in _ENV_OFF:
        return False
    raise ConfigError(
        f"environment variable {PROGRESS_ENV}={raw!r} is not understood; set it to one of "
        f"{', '.join(_ENV_ON)} (show progress) or {', '.join(_ENV_OFF)} (hide it), or unset it"
    )


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython's ZMQ shell), without importing IPython."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def progress_mode(progressbar: bool | None = None, *, stream: TextIO | None = None) -> str | None:
    """How progress would be shown: ``"terminal"``, ``"notebook"``, ``"plain"`` or None (not).

    ``"plain"`` is a bar forced on where nobody watches: one line when the work ends.

    Raises
    ------
    ConfigError
        ``progressbar`` not True, False or None, or :data:`PROGRESS_ENV` set to something else
        than on/off words.

    Examples
    --------
    >>> import io
    >>> progress_mode(False), progress_mode(True, stream=io.StringIO())
    (None, 'plain')
    """
    wanted = check_progressbar(progressbar)
    if wanted is None:
        wanted = _env_setting()
    if wanted is False:
        return None
    stream = sys.stderr if stream is None else stream
    if _in_notebook():
        return "notebook"
    if _is_terminal(stream):
        return "terminal"
    return "plain" if wanted else None


class ProgressBar:
    """Counts finished steps; shows nothing. The bars that draw derive from it.

    Attributes
    ----------
    total : int
    description : str
    completed : int
    active : bool
        Whether anything is drawn.
    """

    active = False

    def __init__(self, total: int, description: str) -> None:
        self.total = int(total)
        self.description = str(description)
        self.completed = 0

    def advance(self, steps: int = 1) -> None:
        """Count ``steps`` more finished steps."""
        self.completed += int(steps)
        self._draw()

    def _draw(self) -> None:
        pass

    def close(self) -> None:
        """End the display (called by :func:`progress` on exit)."""


class _RichBar(ProgressBar):
    """rich's bar on ``stream``: live in a terminal, one final line elsewhere."""

    active = True

    def __init__(self, total: int, description: str, stream, *, live: bool) -> None:
        super().__init__(total, description)
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = Console(
            file=stream,
            force_jupyter=False,
            force_terminal=None if live else False,
            force_interactive=None if live else False,
        )
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            # Gone from a terminal when done; kept (as the one line written) in a log, where
            # nothing is redrawn, so no refresh thread either.
            transient=live,
            auto_refresh=live,
        )
        self._task = self._progress.add_task(self.description, total=self.total)
        self._progress.start()

    def _draw(self) -> None:
        self._progress.update(self._task, completed=self.completed)

    def close(self) -> None:
        self._progress.stop()


class _NotebookBar(ProgressBar):
    """An HTML ``<progress>`` in the notebook's output, updated in place."""

    active = True

    def __init__(self, total: int, description: str) -> None:
        super().__init__(total, description)
        from IPython.display import HTML, display

        self._html = HTML
        self._start = self._last = time.perf_counter()
        self._handle = display(HTML(self._markup()), display_id=True)

    def _markup(self) -> str:
        elapsed = time.perf_counter() - self._start
        return (
            f'<div class="sb-progress"><progress value="{self.completed}" max="{self.total}" '
            f'style="width:240px;vertical-align:middle"></progress> '
            f"{escape(self.description)} {self.completed}/{self.total} ({elapsed:.1f} s)</div>"
        )

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if force or now - self._last >= _NOTEBOOK_INTERVAL_S or self.completed >= self.total:
            self._last = now
            if self._handle is not None:
                self._handle.update(self._html(self._markup()))

    def close(self) -> None:
        self._draw(force=True)


@contextmanager
def progress(
    total: int, description: str, *, progressbar: bool | None = None, stream: TextIO | None = None
) -> Iterator[ProgressBar]:
    """A progress bar for ``total`` steps, shown as :func:`progress_mode` decides.

    Parameters
    ----------
    total : int
        Steps of the work.
    description : str
        Short label in front of the bar.
    progressbar : bool or None
        None: shown in a terminal or notebook only; True: always; False: never.
    stream : file-like, optional
        Where the bar is written (default: standard error).

    Yields
    ------
    ProgressBar
        Call ``advance()`` after each step; ``active`` says whether anything is drawn.

    Examples
    --------
    >>> import io
    >>> log = io.StringIO()
    >>> with progress(3, "fits", progressbar=True, stream=log) as bar:
    ...     for _ in range(3):
    ...         bar.advance()
    >>> "fits" in log.getvalue() and "3/3" in log.getvalue()
    True
    >>> with progress(3, "fits", progressbar=False, stream=log) as bar:
    ...     bar.active
    False
    """
    mode = progress_mode(progressbar, stream=stream)
    stream = sys.stderr if stream is None else stream
    if mode == "notebook":
        bar: ProgressBar = _NotebookBar(total, description)
    elif mode in ("terminal", "plain"):
        bar = _RichBar(total, description, stream, live=mode == "terminal")
    else:
        bar = ProgressBar(total, description)
    try:
        yield bar
    finally:
        bar.close()


def track(
    items: Iterable[_T],
    description: str,
    *,
    total: int | None = None,
    progressbar: bool | None = None,
    stream: TextIO | None = None,
) -> Iterator[_T]:
    """Yield ``items`` one by one, advancing a bar after each (see :func:`progress`).

    Examples
    --------
    >>> [x * 2 for x in track([1, 2, 3], "doubling", progressbar=False)]
    [2, 4, 6]
    """
    if total is None:
        items = list(items)
        total = len(items)
    with progress(total, description, progressbar=progressbar, stream=stream) as bar:
        for item in items:
            yield item
            bar.advance()
