"""The first page and the knock page over a slow mobile network, before and after compression.

    .venv/bin/python benchmarks/field_throttled.py [--kbps 400] [--rtt 400] [--keep DIR]

Builds the demo community (``fangkong demo``) in a temporary data folder, runs ``collectstatic``,
and serves it with gunicorn twice: "before" with FANGKONG_COMPRESS=0 (no gzip, plain static names
cached 60 s: the transport as it was) and "after" as shipped (gzip HTML, hashed and compressed
static files cached for a year, the service worker). Headless Chromium, throttled through CDP
(Network.emulateNetworkConditions: --kbps down and up, --rtt ms), times for each side:

- the login page in a new phone (empty cache): navigation to the load event;
- the building leader's knock page of building 564 just after signing in (what is cached from
  the login page is reused, as on a real phone), and the same page opened again (warm).

Each figure is the median of 3 phones. Prints the times, the bytes the browser received, and the
ratio before/after.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "fangkong-demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env):
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def knock_path(env) -> str:
    code = ("from fangkong.registry.models import ScreeningRound; from fangkong.core.models import Building;"
            "r = ScreeningRound.objects.filter(closed_at__isnull=True).order_by('-starts_at').first();"
            "b = Building.objects.get(community=r.community, door_number='564');"
            "print(f'/screening/{r.pk}/knock/?building={b.pk}')")
    out = subprocess.run([PY, "-m", "fangkong", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def one_phone(browser, base, knock, kbps, rtt) -> dict:
    """One new phone: the login page (empty cache), signing in, the knock page, the knock page again."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    context.set_default_timeout(180_000)
    context.set_default_navigation_timeout(180_000)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": rtt, "downloadThroughput": kbps * 1000 / 8,
        "uploadThroughput": kbps * 1000 / 8, "connectionType": "cellular3g"})
    received = [0]
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(0, received[0] + e["encodedDataLength"]))

    def timed(url):
        received[0] = 0
        start = time.perf_counter()
        page.goto(url, wait_until="load")
        return time.perf_counter() - start, received[0]

    figures = {}
    figures["login"], figures["bytes_login"] = timed(base + "/accounts/login/")
    page.fill("input[name=username]", "buildingleader")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")
    page.wait_for_load_state("load")
    figures["knock"], figures["bytes_knock"] = timed(base + knock)
    figures["knock_warm"], _size = timed(base + knock)
    context.close()
    return figures


def measure(base, knock, kbps, rtt, repeat=3):
    from playwright.sync_api import sync_playwright

    runs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for _ in range(repeat):
            runs.append(one_phone(browser, base, knock, kbps, rtt))
        browser.close()
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def serve(env, port):
    env = dict(env, FANGKONG_BIND=f"127.0.0.1:{port}", FANGKONG_WORKERS="4")
    log = open(Path(env["FANGKONG_DATA_DIR"]) / f"serve-{port}.log", "w")
    # Sync workers block on a slow phone: more of them, and time to finish (in production a proxy
    # in front buffers the slow clients).
    server = subprocess.Popen([PY, "-m", "fangkong", "serve", "--timeout", "300"], cwd=ROOT, env=env,
                              stdout=log, stderr=log)
    for _ in range(600):  # a loaded 2-core machine takes a while to start gunicorn
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"the server did not start: see {log.name}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kbps", type=int, default=400)
    parser.add_argument("--rtt", type=int, default=400)
    parser.add_argument("--keep", help="reuse (or keep) this data folder instead of a temporary one")
    args = parser.parse_args()
    data = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="fangkong-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FANGKONG_BROKER_URL")}
    env["FANGKONG_DATA_DIR"] = str(data)
    try:
        if not (data / "fangkong.sqlite3").exists():
            run([PY, "-m", "fangkong", "demo"], env)
        run([PY, "-m", "fangkong", "collectstatic", "--noinput", "-v", "0"], env)
        knock = knock_path(env)
        results = {}
        for side, compress in (("before", "0"), ("after", "1")):
            port = free_port()
            server = serve(dict(env, FANGKONG_COMPRESS=compress), port)
            try:
                results[side] = measure(f"http://127.0.0.1:{port}", knock, args.kbps, args.rtt)
            finally:
                server.terminate()
                server.wait()
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    print(f"network: {args.kbps} kbit/s, {args.rtt} ms RTT; median of 3 phones; knock page {knock}")
    print(f"{'':28}{'before':>10}{'after':>10}{'ratio':>8}")
    for key, label, unit in (("login", "first page (login), cold", "s"), ("knock", "knock page after sign-in", "s"),
                             ("knock_warm", "knock page again", "s"), ("bytes_login", "bytes, first page", "KB"),
                             ("bytes_knock", "bytes, knock page", "KB")):
        b, a = results["before"][key], results["after"][key]
        scale = 1024 if unit == "KB" else 1
        print(f"{label:28}{b / scale:>9.1f}{unit[0]}{a / scale:>9.1f}{unit[0]}{(b / a if a else 0):>7.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
