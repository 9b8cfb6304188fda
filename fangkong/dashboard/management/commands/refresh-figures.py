"""``fangkong refresh-figures``: the same command as refresh_figures, under the name the scheduler uses."""

from .refresh_figures import Command  # noqa: F401
