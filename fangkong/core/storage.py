"""Static files with hashed names and gzip/brotli copies (whitenoise), in the demo as in production."""

import logging
import os
from pathlib import Path

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

log = logging.getLogger(__name__)


def _newest_source(root: Path) -> float:
    """The latest change to any of the project's own static files (its apps' static folders)."""
    newest = 0.0
    for folder in root.glob("**/static"):
        for dirpath, _dirs, files in os.walk(folder):
            for name in files:
                newest = max(newest, os.stat(os.path.join(dirpath, name)).st_mtime)
    return newest


class StaticStorage(CompressedManifestStaticFilesStorage):
    """The manifest storage, except that without a usable manifest a file keeps its plain name
    (served by whitenoise's finders) instead of failing the page: before the first
    ``collectstatic`` (a fresh clone, the test suite), or when a static file was changed after
    it (a developer's edit must not be hidden behind yesterday's hashed copy). Once collected,
    every URL is hashed and phones cache it for a year."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.hashed_files and not settings.PRODUCTION:
            manifest = Path(self.path(self.manifest_name))
            if _newest_source(Path(settings.BASE_DIR)) > manifest.stat().st_mtime:
                log.warning("static files changed after collectstatic: plain names until it runs again")
                self.hashed_files = {}

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)
