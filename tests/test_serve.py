"""`fangkong serve`, as the README's run command starts it: gunicorn with whitenoise."""

import os
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_pages_and_static_files(tmp_path):
    port = free_port()
    env = dict(os.environ, FANGKONG_DATA_DIR=str(tmp_path), FANGKONG_BIND=f"127.0.0.1:{port}",
               FANGKONG_WORKERS="1")
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = subprocess.Popen([sys.executable, "-m", "fangkong", "serve"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180  # a fresh database migrates first; a loaded CI machine is slow
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
                    page = response.read().decode()
                    headers = response.headers
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "server did not answer within 180 s"
                time.sleep(0.5)
        assert "csrfmiddlewaretoken" in page
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/vendor/htmx.min.js", timeout=5) as response:
            assert response.status == 200 and len(response.read()) > 10_000
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    # The access log carries paths, never query strings (they hold search terms).
    assert "/accounts/login/" in output
