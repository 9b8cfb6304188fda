"""Scan throughput through the production server against PostgreSQL.

    .venv/bin/python benchmarks/testing_scan_throughput.py
    .venv/bin/python benchmarks/testing_scan_throughput.py --clients 32 --scans 8000 --workers 5

What it does:
1. creates a PostgreSQL database (FANGKONG_BENCH_PG names the server, default
   postgres://postgres@127.0.0.1:5432/postgres) and builds a community of --persons persons with
   their person codes, a 20-in-1 testing round, a sampler and the sampler's API token;
2. starts ``fangkong serve`` (gunicorn, FANGKONG_WORKERS=--workers, persistent database
   connections; the serve command closes its own before gunicorn forks) on a free port on
   127.0.0.1; FANGKONG_BENCH_LOG=path keeps the server's log;
3. runs a load generator in this process (asyncio, standard library only) with --clients
   concurrent clients on loopback, each request on its own connection (gunicorn's sync workers
   close after each answer):
   - ceiling: ``GET /api/`` with the token (authentication, middleware and a JSON answer, no work);
   - single scans: ``POST /api/testrounds/{id}/scan/``, every client its own people and tubes,
     a new tube every 20 people; every answer must be 201 ``accepted``;
   - batches: ``POST /api/testrounds/{id}/scans/`` of --batch scans each, from 4 clients;
   bounded by count and by --seconds per phase;
4. checks the samples in the database, stops the server and drops the database.

Printed: requests/s, p50 and p99 latency for each phase, scans/s, and the ratios to the targets of
issue 4 (>= 1,000 single scans/s, p99 < 100 ms, >= 1/4 of the ceiling, batches >= 20,000 scans/s).
The load generator shares the machine's cores with the server; the figures say so. Also the CPU
each phase used per request (Linux /proc): the gunicorn workers, the PostgreSQL backends serving
them and the load generator. The ratio of the ceiling's server CPU to a scan's is the share of the
ceiling that scans would reach on a machine doing nothing else.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import testing_common as common  # noqa: E402

ROOT = common.ROOT
POOL = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def request(port, method, path, token, body=None):
    """One HTTP/1.1 request on a new connection; (status, body bytes, seconds)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = json.dumps(body).encode() if body is not None else b""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
            f"Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
            f"Connection: close\r\n\r\n").encode()
    writer.write(head + data)
    await writer.drain()
    raw = await reader.read(-1)
    writer.close()
    elapsed = time.perf_counter() - started
    header, _sep, payload = raw.partition(b"\r\n\r\n")
    status = int(header.split(b" ", 2)[1]) if header else 0
    if b"transfer-encoding: chunked" in header.lower():
        payload = _unchunk(payload)
    return status, payload, elapsed


def _unchunk(payload: bytes) -> bytes:
    out, rest = b"", payload
    while rest:
        size_line, _sep, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out


async def run_phase(port, clients, jobs_per_client, make, seconds):
    """``make(client, i)`` -> (method, path, body, check(status, payload) -> ok). Returns stats."""
    latencies, failures = [], []
    deadline = time.perf_counter() + seconds

    async def client(c):
        for i in range(jobs_per_client[c]):
            if time.perf_counter() > deadline:
                return
            method, path, body, check = make(c, i)
            try:
                status, payload, elapsed = await request(port, method, path, TOKEN, body)
            except OSError as error:
                failures.append((0, str(error).encode()))
                continue
            latencies.append(elapsed)
            if not check(status, payload):
                failures.append((status, payload[:200]))

    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in range(clients)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {"requests": len(latencies), "wall": wall, "rps": len(latencies) / wall,
            "p50": statistics.median(latencies) * 1000 if latencies else 0,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0,
            "failures": failures}


TOKEN = ""


def _cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (Linux /proc), 0 when it is gone or unknown."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class CpuMeter:
    """CPU used during a phase by the server's workers, the database's backends serving them and
    this load generator, per request. On a machine shared with other work, requests per second
    say how busy it was as much as what the code costs; CPU per request says what the code costs."""

    def __init__(self, server_pid: int, dbname: str):
        self.server_pid, self.dbname = server_pid, dbname

    def _pids(self) -> dict[str, list[int]]:
        try:
            with open(f"/proc/{self.server_pid}/task/{self.server_pid}/children") as handle:
                workers = [int(pid) for pid in handle.read().split()]
        except OSError:
            workers = []
        out = subprocess.run(["psql", common.PG_ADMIN, "-Atc",
                              f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.dbname}'"],
                             capture_output=True, text=True).stdout
        return {"workers": workers, "postgres": [int(pid) for pid in out.split()]}

    def start(self):
        self.before = {kind: {pid: _cpu_seconds(pid) for pid in pids} for kind, pids in self._pids().items()}
        self.client = time.process_time()
        return self

    def stop(self, requests: int) -> dict:
        client = time.process_time() - self.client
        used = {}
        for kind, pids in self._pids().items():
            before = self.before.get(kind, {})
            used[kind] = sum(_cpu_seconds(pid) - before.get(pid, 0.0) for pid in set(pids) | set(before)
                             if _cpu_seconds(pid) or pid not in before)
        used["client"] = client
        return {kind: seconds * 1000 / max(requests, 1) for kind, seconds in used.items()}


def main() -> int:
    global TOKEN
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--scans", type=int, default=8000, help="single scans in all")
    parser.add_argument("--batches", type=int, default=20, help="batch requests in all (4 clients)")
    parser.add_argument("--batch", type=int, default=1000, help="scans per batch")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("FANGKONG_WORKERS", 5)))
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    persons = args.scans + args.batches * args.batch + 100
    dbname = f"fk_bench_scan_{os.getpid()}"
    url = common.createdb(dbname)
    data_dir = tempfile.mkdtemp(prefix="fk-scan-")
    server = None
    try:
        common.setup_django(data_dir, url)
        from django.db import connections
        from rest_framework.authtoken.models import Token

        from fangkong.testing import codes
        from fangkong.testing.models import PersonCode, Sample

        community, round_, users, person_ids = common.build(persons, pool_size=POOL, code=f"s{os.getpid()}")
        TOKEN = Token.objects.create(user=users["sampler"]).key
        keys = dict(PersonCode.objects.filter(person_id__in=person_ids).values_list("person_id", "key"))
        texts = [codes.token(PersonCode(key=keys[pk], version=1)) for pk in person_ids]
        with connections["default"].cursor() as cursor:
            # Statistics, as a database in service has them: without, the planner guesses that the
            # tables just filled by COPY are empty, and looks persons up by community, not by id.
            cursor.execute("ANALYZE")
        connections.close_all()

        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "FANGKONG_DATA_DIR": data_dir, "FANGKONG_BIND": f"127.0.0.1:{port}",
               "FANGKONG_WORKERS": str(args.workers), "FANGKONG_DB_CONN_MAX_AGE": "600"}
        log = open(os.environ.get("FANGKONG_BENCH_LOG", os.devnull), "w")  # noqa: SIM115 - the server's stderr
        # ``python -m fangkong`` from the checkout's root serves that checkout's code, whichever
        # virtualenv it runs in (its console script would serve the installed copy).
        server = subprocess.Popen([sys.executable, "-m", "fangkong", "serve"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(200):
            try:
                status, _payload, _t = asyncio.run(request(port, "GET", "/api/", TOKEN))
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        print(f"fangkong serve: {args.workers} gunicorn workers, PostgreSQL, {os.cpu_count()} cores shared with "
              f"the load generator; {args.clients} clients", flush=True)

        clients = args.clients
        ok200 = lambda status, payload: status == 200  # noqa: E731

        # Warm up every worker (imports, connections).
        asyncio.run(run_phase(port, clients, [10] * clients, lambda c, i: ("GET", "/api/", None, ok200), 30))

        per = args.scans // clients
        meter = CpuMeter(server.pid, dbname).start()
        ceiling = asyncio.run(run_phase(port, clients, [per] * clients,
                                        lambda c, i: ("GET", "/api/", None, ok200), args.seconds))
        ceiling["cpu"] = meter.stop(ceiling["requests"])

        scan_url = f"/api/testrounds/{round_.pk}/scan/"

        def single(c, i):
            n = c * per + i
            body = {"tube_code": f"C{c:02d}T{i // POOL:05d}", "person_code": texts[n], "client_id": f"s-{n}"}
            return "POST", scan_url, body, lambda status, payload: status == 201

        meter.start()
        singles = asyncio.run(run_phase(port, clients, [per] * clients, single, args.seconds))
        singles["cpu"] = meter.stop(singles["requests"])

        batch_url = f"/api/testrounds/{round_.pk}/scans/"
        base = clients * per
        batch_clients = 4
        per_batch_client = args.batches // batch_clients

        def batch(c, i):
            start = base + (c * per_batch_client + i) * args.batch
            scans = [{"tube_code": f"B{c}X{i:03d}T{k // POOL:04d}", "person_code": texts[start + k],
                      "client_id": f"b-{start + k}"} for k in range(args.batch)]

            def check(status, payload):
                return status == 200 and all(a["code"] == "accepted" for a in json.loads(payload)["answers"])

            return "POST", batch_url, {"scans": scans}, check

        meter.start()
        batches = asyncio.run(run_phase(port, batch_clients, [per_batch_client] * batch_clients, batch,
                                        args.seconds * 2))
        batches["cpu"] = meter.stop(batches["requests"] * args.batch)
        from django.db import connection

        connection.connect()
        samples = Sample.objects.filter(round_id=round_.pk).count()
        connections.close_all()
    finally:
        if server:
            server.terminate()
            server.wait(20)
        common.dropdb(dbname)

    single_scans = singles["requests"]
    batch_scans = batches["requests"] * args.batch
    batch_rate = batch_scans / batches["wall"]
    print(f"ceiling  GET /api/          {ceiling['rps']:8.0f} req/s   p50 {ceiling['p50']:6.1f} ms   "
          f"p99 {ceiling['p99']:6.1f} ms   ({ceiling['requests']} requests)")
    print(f"single   POST .../scan/     {singles['rps']:8.0f} scans/s p50 {singles['p50']:6.1f} ms   "
          f"p99 {singles['p99']:6.1f} ms   ({single_scans} scans, {len(singles['failures'])} not accepted)")
    print(f"batch    POST .../scans/    {batch_rate:8.0f} scans/s p50 {batches['p50']:6.1f} ms   "
          f"p99 {batches['p99']:6.1f} ms   ({batches['requests']} batches of {args.batch}, "
          f"{len(batches['failures'])} with a refusal)")
    print(f"samples in the database: {samples} (expected {single_scans + batch_scans})")
    print("CPU per request (per scan for batches): server workers + PostgreSQL backends | load generator")
    for name, phase in (("ceiling", ceiling), ("single", singles), ("batch", batches)):
        cpu = phase["cpu"]
        print(f"  {name:8s} {cpu['workers']:7.2f} + {cpu['postgres']:6.2f} = {cpu['workers'] + cpu['postgres']:7.2f} ms"
              f"   | {cpu['client']:5.2f} ms")
    print("ratios")
    print(f"  single scans / 1,000 per s target     {singles['rps'] / 1000:5.2f}")
    print(f"  p99 / 100 ms target                    {singles['p99'] / 100:5.2f}  (below 1 holds)")
    print(f"  single scans / ceiling                 {singles['rps'] / ceiling['rps']:5.2f}  (target >= 0.25)")
    server_cpu = {name: phase["cpu"]["workers"] + phase["cpu"]["postgres"] for name, phase in
                  (("ceiling", ceiling), ("single", singles))}
    if server_cpu["single"]:
        print(f"  ceiling's server CPU / a scan's        {server_cpu['ceiling'] / server_cpu['single']:5.2f}"
              "  (the same ratio, whatever else the machine runs)")
    print(f"  batch scans / 20,000 per s target      {batch_rate / 20000:5.2f}")
    print(f"  batch scans / single scans             {batch_rate / singles['rps']:5.2f}")
    for failure in (singles["failures"] + batches["failures"])[:3]:
        print("  failure:", failure)
    held = (singles["rps"] >= 1000 and singles["p99"] < 100 and singles["rps"] >= ceiling["rps"] / 4
            and batch_rate >= 20000 and samples == single_scans + batch_scans)
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
