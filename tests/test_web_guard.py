"""Issue #22 item 3: the board resists guessing and session games, and bounds what a client can
make it hold.  A real uvicorn (configured as ``xl2report serve`` configures it) on 127.0.0.2
with a password, driven by httpx over real sockets.

- 40 wrong passwords sent 8 at a time: at most 10 are checked, the rest get 429 with a Chinese
  message and ``Retry-After``, and the right password during the lockout does not sign in;
  every failure and the lockout are in the sign-in log with the time and the address.
- A cookie saved before signing out no longer opens the board, nor one saved before a restart.
- A non-ASCII CSRF token, a non-ASCII session cookie and a 23-digit row id are 4xx, never 500.
- An upload is refused as soon as it passes the request cap, a file over 20 MB is refused with
  its real size, and at most a few uploads are read at once.
- A connection that never finishes its request head is closed (1,500 of them, measured).
- An outbox that disappears while the board runs: the board says so and takes nothing.
"""

from __future__ import annotations

import re
import shutil
import socket
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("uvicorn", reason="网页组件（uvicorn）未安装：pip install 'xl2report[web]'")
import contextlib

import httpx

from inbox_helpers import write_valid
from web_helpers import ServerThread, csrf_of, free_port, make_config
from xl2report.web.app import create_app
from xl2report.web.signin import MAX_FAILURES

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

HOST = "127.0.0.2"
PASSWORD = "pk7-正确的密码"


def _board(tmp_path: Path, **kw: object):  # type: ignore[no-untyped-def]
    config = make_config(tmp_path, port=free_port(), host=HOST, password=PASSWORD, **kw)
    return config, ServerThread(create_app(config), config.port, host=HOST)


GUESSER, OTHER = "127.0.0.3", "127.0.0.4"  # client addresses (loopback has them all)


def _client(server: ServerThread, source: str = GUESSER) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Origin": server.url}, timeout=60,
                        follow_redirects=False,
                        transport=httpx.HTTPTransport(local_address=source))  # fmt: skip


def _sign_in(client: httpx.Client, password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf": token, "password": password})


def test_guessing_is_cut_off_after_ten_and_the_right_password_waits_too(tmp_path: Path) -> None:
    config, server = _board(tmp_path)
    with server, _client(server) as client:
        token = csrf_of(client.get("/login").text)
        cookies = dict(client.cookies)

        def guess(n: int) -> httpx.Response:
            with _client(server) as one:
                one.cookies.update(cookies)
                return one.post("/login", data={"csrf": token, "password": f"guess-{n}"})

        answers = []
        with ThreadPoolExecutor(8) as pool:
            for batch in range(5):  # 40 wrong passwords, 8 at a time
                answers += list(pool.map(guess, range(batch * 8, batch * 8 + 8)))
        checked = [a for a in answers if a.status_code == 403]
        locked = [a for a in answers if a.status_code == 429]
        assert len(checked) <= MAX_FAILURES == 10 and len(checked) + len(locked) == 40
        assert all("密码错误次数过多" in a.text for a in locked)
        assert all(0 < int(a.headers["Retry-After"]) <= 15 * 60 for a in locked)

        right = client.post("/login", data={"csrf": token, "password": PASSWORD})
        assert right.status_code == 429 and "set-cookie" not in right.headers
        assert client.get("/").status_code == 303  # still not signed in
        with _client(server, OTHER) as colleague:  # another PC is not locked out
            assert _sign_in(colleague).status_code == 303
    log = (config.outbox / ".xl2report" / "logs" / "signin.log").read_text(encoding="utf-8")
    failures = [line for line in log.splitlines() if "登录失败" in line]
    assert len(failures) == len(checked) and all(GUESSER in line for line in failures)
    assert re.search(
        rf"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\S* 已锁定：{re.escape(GUESSER)}", log, re.M
    )


def test_signing_out_and_restarting_end_the_session(tmp_path: Path) -> None:
    _config, server = _board(tmp_path)
    with server, _client(server) as client:
        assert _sign_in(client).status_code == 303
        saved = client.cookies["xl2r_session"]
        assert client.get("/").status_code == 200
        kept = dict(client.cookies)
        with _client(server) as copy:  # the cookie copied elsewhere before signing out
            copy.cookies.update(kept)
            assert copy.get("/").status_code == 200
            token = csrf_of(client.get("/").text)
            assert client.post("/logout", data={"csrf": token}).status_code == 303
            assert copy.get("/").status_code == 303  # the copy no longer opens the board
        assert _sign_in(client).status_code == 303
        before_restart = dict(client.cookies)
    assert saved != before_restart["xl2r_session"]  # a new id on every sign-in
    _config, again = _board(tmp_path)  # the same outbox, a fresh board
    with again, _client(again) as client:
        client.cookies.update(before_restart)
        assert client.get("/").status_code == 303


def test_malformed_tokens_cookies_and_ids_are_refused_not_errors(tmp_path: Path) -> None:
    config, server = _board(tmp_path)
    write_valid(config.inbox / "甲.xlsx", "甲镇人民政府", seed=1)
    with server, _client(server) as client:
        login = client.get("/login")
        bad_token = client.post("/login", data={"csrf": "令牌\u202e", "password": PASSWORD})
        assert bad_token.status_code == 403 and "校验码" in bad_token.text
        with _client(server) as odd:
            raw = "xl2r_session=会话.1.9999999999.签名".encode()
            odd_get = odd.get("/", headers={"Cookie": raw})  # type: ignore[dict-item]
            assert odd_get.status_code == 400 and "Cookie" in odd_get.text
            odd_post = odd.post("/logout", data={"csrf": csrf_of(login.text)},
                                headers={"Cookie": raw})  # type: ignore[dict-item]  # fmt: skip
            assert 400 <= odd_post.status_code < 500
        assert _sign_in(client).status_code == 303
        for path in ("/download/99999999999999999999999/original", "/preview/99999999999999999999999.png",
                     "/download/-1/report", "/download/１２/report", "/unit?org=%00&year=²０２４",
                     "/?page=９&year=２０２４&state=x&q=%E2%80%AE"):  # fmt: skip
            answer = client.get(path)
            assert answer.status_code != 500 and answer.status_code < 500, (
                path,
                answer.status_code,
            )
        token = csrf_of(client.get("/").text)
        for row in ("99999999999999999999999", "²", "１"):
            answer = client.post("/unit/review", data={"csrf": token, "row": row, "code": "x"})
            assert 400 <= answer.status_code < 500, (row, answer.status_code)


def _post_upload(
    server: ServerThread, client: httpx.Client, name: str, size: int
) -> httpx.Response:
    token = csrf_of(client.get("/").text)
    return client.post("/upload", data={"csrf": token},
                       files=[("files", (name, b"PK" + b"\0" * (size - 2), "application/octet-stream"))])  # fmt: skip


def test_uploads_are_capped_as_they_stream_and_sizes_are_told_right(tmp_path: Path) -> None:
    config, server = _board(tmp_path)
    with server, _client(server) as client:
        assert _sign_in(client).status_code == 303
        answer = _post_upload(server, client, "大文件.xlsx", 21_000_000)  # 21 MB: not "20.0 MB"
        assert answer.status_code == 303
        board = client.get(answer.headers["location"]).text
        assert "“大文件.xlsx”有 21.0 MB，超过每个文件 20 MB 的上限" in board
        assert not list((config.inbox / "网页上传").glob("*大文件*"))
        # A request over the cap is refused from its declared length, before its body is read
        # (a raw socket: it declares 600 MB and sends a few bytes).
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        head = (f"POST /upload HTTP/1.1\r\nHost: {HOST}:{config.port}\r\nOrigin: {server.url}\r\n"
                f"Cookie: {cookie}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                f"Content-Length: 600000000\r\n\r\n--x\r\n").encode()  # fmt: skip
        started = time.monotonic()
        answer = _raw(HOST, config.port, head)
        assert answer.startswith(b"HTTP/1.1 413") and b"600.0 MB" in answer
        # Without a declared length (chunked) nothing is read either.
        chunked = head.replace(b"Content-Length: 600000000", b"Transfer-Encoding: chunked")
        chunked = chunked.replace(b"\r\n\r\n--x\r\n", b"\r\n\r\n5\r\n--x\r\n\r\n")
        assert _raw(HOST, config.port, chunked).startswith(b"HTTP/1.1 411")
        assert time.monotonic() - started < 10


def _raw(host: str, port: int, data: bytes) -> bytes:
    """Send ``data`` on a new connection and read one whole answer."""
    with socket.create_connection((host, port), timeout=20) as s:
        s.sendall(data)
        out = b""
        while True:
            head, _, body = out.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length: (\d+)", head)
            if _ and length and len(body) >= int(length.group(1)):
                return out
            piece = s.recv(65536)
            if not piece:
                return out
            out += piece


def test_at_most_a_few_uploads_are_read_at_once(tmp_path: Path) -> None:
    config = make_config(tmp_path, max_parallel_uploads=1)
    with TestClient(create_app(config), base_url="http://127.0.0.1:8765",
                    follow_redirects=False) as client:  # fmt: skip
        web = client.app.state.web  # type: ignore[attr-defined]
        token = csrf_of(client.get("/").text)
        web.uploads_reading = 1  # another upload is being read right now
        busy = client.post("/upload", data={"csrf": token}, headers={"Origin": "http://127.0.0.1:8765"},
                           files=[("files", ("a.xlsx", b"PK", "x"))])  # fmt: skip
        assert busy.status_code == 503 and busy.headers["Retry-After"] and "请过几秒" in busy.text
        web.uploads_reading = 0


def test_slow_request_heads_are_closed(tmp_path: Path) -> None:
    """1,500 connections that send their request head a byte at a time: all closed by the
    server once the head deadline passes (2 s here; 10 s in ``serve``)."""
    config, server = _board(tmp_path, header_timeout=2.0)
    count = 1500
    with server:
        socks = []
        for _ in range(count):
            s = socket.create_connection((HOST, config.port), timeout=10)
            s.sendall(b"GET / HTTP/1.1\r\nHost: ")
            socks.append(s)
        started = time.monotonic()
        open_after: list[int] = []

        def still_open() -> int:
            alive = 0
            for s in socks:
                s.setblocking(False)
                try:
                    alive += s.recv(1) != b""
                except BlockingIOError:
                    alive += 1
                except OSError:
                    pass
            return alive

        for _ in range(3):  # keep trickling, as slowloris does
            time.sleep(1)
            for s in socks:
                with contextlib.suppress(OSError):
                    s.send(b"x")
        deadline = time.monotonic() + 20
        while (alive := still_open()) and time.monotonic() < deadline:
            time.sleep(0.5)
        open_after.append(alive)
        for s in socks:
            s.close()
        closed_in = time.monotonic() - started
        assert open_after == [0], f"{open_after[0]} of {count} still open after {closed_in:.1f} s"
        # The board still answers afterwards.
        with _client(server) as client:
            assert client.get("/login").status_code == 200


def test_a_vanished_outbox_stops_the_board_instead_of_a_new_ledger(tmp_path: Path) -> None:
    config, server = _board(tmp_path)
    with server, _client(server) as client:
        assert _sign_in(client).status_code == 303
        token = csrf_of(client.get("/").text)
        moved = tmp_path / "outbox-moved"
        shutil.move(str(config.outbox), moved)
        page = client.get("/")
        assert page.status_code == 503 and "不见了" in page.text
        data = write_valid(tmp_path / "x.xlsx", "甲镇人民政府", seed=2).read_bytes()
        up = client.post("/upload", data={"csrf": token}, files=[("files", ("x.xlsx", data, "x"))])
        assert up.status_code == 503
        time.sleep(1.5)  # the processing thread's own pass, too
        assert not config.outbox.exists()  # no new outbox, no empty ledger
        assert not (config.inbox / "网页上传").exists()
        shutil.move(str(moved), config.outbox)
        assert client.get("/").status_code == 200  # back: it works again


def test_bidi_overrides_are_removed_from_stored_and_shown_names(tmp_path: Path) -> None:
    config = make_config(tmp_path, wait_seconds=20)
    data = write_valid(tmp_path / "x.xlsx", "甲镇人民政府", seed=3).read_bytes()
    with TestClient(create_app(config), base_url="http://127.0.0.1:8765",
                    follow_redirects=False) as client:  # fmt: skip
        token = csrf_of(client.get("/").text)
        answer = client.post("/upload", data={"csrf": token}, headers={"Origin": "http://127.0.0.1:8765"},
                             files=[("files", ("甲镇\u202egnp.xlsx", data, "x"))])  # fmt: skip
        board = client.get(answer.headers["location"]).text
    stored = [p.name for p in (config.inbox / "网页上传").iterdir()]
    assert len(stored) == 1 and "\u202e" not in stored[0] and stored[0].endswith("甲镇gnp.xlsx")
    assert "\u202e" not in board and "甲镇gnp.xlsx" in board
