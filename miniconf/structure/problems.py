"""Problems found in sitedata: each one names a file, a line and a field."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{where}: {prefix}{what}"

    def github_annotation(self) -> str:
        """GitHub Actions workflow command, so the problem shows on the PR's diff.

        GitHub's escaping rules: the message escapes '%', CR and LF; property values
        (file, line, title) also ',' and ':', which would otherwise end the property.
        """
        kind = "warning" if self.severity is Severity.WARNING else "error"
        title = f"{self.field}" if self.field else "sitedata"
        properties = f"file={_escape_property(self.path)},line={max(self.line, 1)}"
        properties += f",title={_escape_property(title)}"
        return f"::{kind} {properties}::{_escape_data(str(self))}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def display_path(path: Path) -> str:
    """The path as the organizer typed it: relative to the working directory when inside it."""
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()
