"""get_logger, LoggingRich and DEFAULT_VERBOSITY: the original re-exports
these from its author's `klogr` package (a rich-text logger). Here they are
a thin adapter over the standard `logging` module, so they need no extra
dependency: messages go to the standard logger of that name ("pixelcache"
by default), and the application decides, as usual, where they are shown
(logging.basicConfig(level=logging.INFO) shows them all)."""
from __future__ import annotations

import logging
from typing import Any

#: The level get_logger() uses when asked for a verbosity without naming one
#: (logging.INFO).
DEFAULT_VERBOSITY: int = logging.INFO


class LoggingRich:
    """A logger with klogr's call style over a standard logging.Logger:
    log(msg, stack_offset=...) logs at INFO (klogr's log() takes the message
    first, logging's takes the level first); debug / info / success /
    warning / error / critical / exception take the message as logging's
    do. `logger` is the underlying logging.Logger."""

    __slots__ = ("logger",)

    def __init__(self, name: str = "pixelcache", verbosity: int | str | None = None) -> None:
        self.logger = logging.getLogger(name)
        if verbosity is not None:
            self.logger.setLevel(verbosity)

    def log(self, msg: object, *args: Any, level: int = logging.INFO, stack_offset: int = 2, **kwargs: Any) -> None:
        """Logs `msg` at `level` (INFO); `stack_offset` picks the caller
        frame reported (as logging's stacklevel)."""
        self.logger.log(level, msg, *args, stacklevel=stack_offset, **kwargs)

    def debug(self, msg: object, *args: Any, **kwargs: Any) -> None:
        """Logs at DEBUG."""
        self.logger.debug(msg, *args, stacklevel=2, **kwargs)

    def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
        """Logs at INFO."""
        self.logger.info(msg, *args, stacklevel=2, **kwargs)

    def success(self, msg: object, *args: Any, **kwargs: Any) -> None:
        """Logs at INFO (klogr prints it in green)."""
        self.logger.info(msg, *args, stacklevel=2, **kwargs)

    def warning(self, msg: object, *args: Any, **kwargs: Any) -> None:
        """Logs at WARNING."""
        self.logger.warning(msg, *args, stacklevel=2, **kwargs)

    def error(self, msg: object, *args: Any, **kwargs: Any) -> None:
        """Logs at ERROR."""
        self.logger.error(msg, *args, stacklevel=2, **kwargs)

    def critical(self, msg: object, *args: Any, **kwargs: Any) -> None:
        """Logs at CRITICAL."""
        self.logger.critical(msg, *args, stacklevel=2, **kwargs)

    def exception(self, msg: object, *args: Any, **kwargs: Any) -> None:
        """Logs at ERROR with the current exception's traceback."""
        self.logger.exception(msg, *args, stacklevel=2, **kwargs)

    def setLevel(self, level: int | str) -> None:  # noqa: N802 - logging's name
        """Sets the underlying logger's level."""
        self.logger.setLevel(level)

    def __repr__(self) -> str:
        return f"LoggingRich({self.logger.name!r}, level={logging.getLevelName(self.logger.getEffectiveLevel())})"


def get_logger(name: str = "pixelcache", verbosity: int | str | None = None) -> LoggingRich:
    """A LoggingRich over logging.getLogger(name); `verbosity` (a logging
    level such as DEFAULT_VERBOSITY, or its name) sets that logger's level."""
    return LoggingRich(name, verbosity)
