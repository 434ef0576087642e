"""Errors that the shells turn into clear messages and exit codes."""


class PhalanxError(Exception):
    """Base of every error Phalanx raises on purpose; its message is shown to the user as is."""


class InputError(PhalanxError):
    """An input that cannot be used; the message names the file and, where known, the record."""

    def __init__(self, message: str, *, path: str | None = None, record: int | None = None) -> None:
        where = path or ""
        if record is not None:
            where = f"{where}:{record}"
        super().__init__(f"{where}: {message}" if where else message)
        self.path = path
        self.record = record


class ConfigError(PhalanxError):
    """A configuration file or value that is wrong; names the file and the key."""
