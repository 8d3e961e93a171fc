"""Errors that camsight expects and reports in one line (exit code 2), never as a traceback."""

from __future__ import annotations


class CamsightError(Exception):
    """An expected failure with a message that says what is wrong and what to do."""

    exit_code = 2


class ConfigError(CamsightError):
    """The configuration file is missing, unreadable or invalid."""


class SourceError(CamsightError):
    """A video file, folder or stream cannot be opened or decoded."""


class ModelError(CamsightError):
    """A model file is missing or does not match its checksum."""


class StoreError(CamsightError):
    """The database or media folder cannot be used."""


class QueryError(CamsightError):
    """A search query cannot be understood."""
