"""``fangkong issue-briefing``: the same command as issue_briefing, under the name the scheduler uses."""

from .issue_briefing import Command  # noqa: F401
