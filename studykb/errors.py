"""Errors a user can act on: each carries one clear line and an exit code."""

from __future__ import annotations


class StudykbError(Exception):
    """An error shown to the user as one line; ``exit_code`` is the process status."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInputError(StudykbError):
    """Input (a deck, a reading list, the settings file) that cannot be used as it is.

    ``problems`` holds one line per problem: file, card or line, field, message."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else f"{len(problems)} problems")
        self.problems = problems


class NotFoundError(StudykbError):
    exit_code = 1
