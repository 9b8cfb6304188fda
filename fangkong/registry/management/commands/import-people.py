"""fangkong import-people FILE --community CODE [--dry-run] [--create-places] [--user USERNAME] [--json]

Exit code 0 when every row was taken, 1 when some were reported (refused, or taken with a
warning: the error report's path is printed), 2 when the file could not be read (nothing was
written, no report left). With --json the summary is printed as one JSON object: rows, taken,
refused, warnings, and each refused or warned row's row number, column, code and message."""

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fangkong.core.models import Community
from fangkong.registry.ledger.importer import import_people
from fangkong.registry.ledger.reader import LedgerError
from fangkong.registry.ledger.report import masked_copy


class Command(BaseCommand):
    help = "Import people from a ledger (.xlsx, .xls or .csv) into a community."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--community", required=True, help="the community's code")
        parser.add_argument("--dry-run", action="store_true", help="report only, write nothing")
        parser.add_argument("--create-places", action="store_true",
                            help="create missing buildings and households instead of reporting their rows")
        parser.add_argument("--user", help="import as this user, within that user's buildings")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
        parser.add_argument("--error-report", help="where to write the error report "
                            "(default: FILE.errors.xlsx beside the file)")

    def handle(self, *args, **options):
        try:
            community = Community.objects.get(code=options["community"])
        except Community.DoesNotExist:
            raise CommandError(f"No community with the code {options['community']!r}.", returncode=2) from None
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user {options['user']!r}.", returncode=2) from None
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.", returncode=2)
        report = Path(options["error_report"] or path.with_name(path.stem + ".errors.xlsx"))
        report.unlink(missing_ok=True)
        try:
            result = import_people(path, community, user, dry_run=options["dry_run"],
                                   create_places=options["create_places"], report_path=report,
                                   progress=self._progress if options["verbosity"] > 1 else None)
        except LedgerError as error:
            report.unlink(missing_ok=True)
            if options["json"]:
                self.stdout.write(json.dumps({"error": {"code": error.code, "message": error.message}},
                                             ensure_ascii=False))
                sys.exit(2)
            raise CommandError(error.message, returncode=2) from None
        if result.error_report:
            # Beside the input file, where anyone with the folder reads it: masked like every
            # export (the whole rows stay in the ledger the operator already holds).
            masked_copy(result.error_report, out=result.error_report)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, default=str))
        else:
            self.stdout.write(result.summary())
            if result.error_report:
                self.stdout.write(f"{result.error_report}")
        if result.error_report:
            sys.exit(1)

    def _progress(self, processed, total):
        self.stderr.write(f"{processed}/{total}")
