"""gunicorn settings for benchmarks/testing_scan_throughput.py (passed with ``fangkong serve -c``).

``fangkong serve`` runs ``migrate`` in the master before gunicorn forks, so every worker inherits
the master's open database connection. With persistent connections (CONN_MAX_AGE > 0) the
workers would then all talk over that one socket and read each other's results. Until the serve
command closes its connections before forking, each worker forgets the inherited connection here
(without closing it: closing would end it for the master too) and opens its own."""

_inherited = []


def post_fork(server, worker):
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            _inherited.append(connection.connection)  # kept, never used nor closed, in this worker
            connection.connection = None
