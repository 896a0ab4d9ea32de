"""API tokens of employees."""

from acd_points.api import tokens
from tests.builders import sequence


def issue_token(employee, name="ERP"):
    """(token, raw secret) of a new API token of `employee`."""
    return tokens.issue(employee=employee, name=name)


def another_api_token(world):
    """A new API token of `world`'s operator, with a name of its own."""
    return issue_token(world.operator, name=f"ERP {next(sequence.numbers)}")[0]
