"""The ``fangkong`` console command.

    fangkong demo [--rebuild]   migrate and build the demo community (kept between runs)
    fangkong serve              serve with gunicorn on FANGKONG_BIND (default 127.0.0.1:8000)
    fangkong <django command>   any of Django's management commands (migrate, shell, ...)
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "fangkong"
    if len(argv) > 1 and argv[1] == "serve":
        serve(argv[2:])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def serve(extra: list[str]) -> None:
    """Run gunicorn with the project's WSGI app; whitenoise serves the static files."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    if settings.PRODUCTION:
        call_command("collectstatic", interactive=False, verbosity=0)
    bind = os.environ.get("FANGKONG_BIND", "127.0.0.1:8000")
    workers = os.environ.get("FANGKONG_WORKERS", "2")
    args = ["gunicorn", "fangkong.wsgi:application", "--bind", bind, "--workers", workers,
            # The path only: query strings carry search terms (names, ID digits), never logged.
            "--access-logfile", "-", "--access-logformat", '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)s',
            *extra]
    from django.db import connections
    from gunicorn.app.wsgiapp import run

    # The workers are forked from this process: none may inherit its database connection (with
    # persistent connections they would share one socket and read each other's answers).
    connections.close_all()
    sys.argv = args
    print(f"Fangkong: http://{bind}/", flush=True)
    run()


if __name__ == "__main__":
    main()
