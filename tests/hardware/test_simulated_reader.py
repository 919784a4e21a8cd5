"""SimulatedReader and send_tap over a real unix socket in tmp_path."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk import localsocket
from kiosk.hardware.reader import HardwareError, ReaderBase, ReaderHealth
from kiosk.hardware.simulated import NoKioskListening, SimulatedReader, send_tap
from tests.hardware.recorder import Recorder

Start = Callable[[ReaderBase, Recorder], ReaderBase]
NOBODY = 65534


@pytest.fixture
def sock(tmp_path: Path) -> Path:
    return tmp_path / "run" / "tap.sock"


@pytest.fixture
def listening(sock: Path, recorder: Recorder, running: Start) -> SimulatedReader:
    reader = SimulatedReader(sock)
    running(reader, recorder)
    recorder.wait_health(ReaderHealth.OK)
    return reader


def test_a_tap_reaches_the_kiosk_normalised(listening: SimulatedReader, recorder: Recorder) -> None:
    assert send_tap(listening.socket_path, "04:a1:b2:c3:d4:e5:f6") == "04A1B2C3D4E5F6"
    assert send_tap(listening.socket_path, "deadbeef") == "DEADBEEF"
    assert recorder.wait_badges(2) == ["04A1B2C3D4E5F6", "DEADBEEF"]


def test_the_socket_is_for_the_kiosks_user_only(listening: SimulatedReader) -> None:
    mode = listening.socket_path.stat().st_mode
    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) == 0o600


SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to connect as another user")
@pytest.mark.skipif(SYSTEM_PYTHON is None, reason="needs a python another user can run")
def test_another_user_is_refused_even_if_the_file_mode_is_loosened(
    recorder: Recorder, running: Start
) -> None:
    with tempfile.TemporaryDirectory() as shared:
        os.chmod(shared, 0o755)  # tmp_path is private to root; nobody must reach the socket
        sock = Path(shared) / "tap.sock"
        running(SimulatedReader(sock), recorder)
        recorder.wait_health(ReaderHealth.OK)
        client = [str(SYSTEM_PYTHON), "-I", "-c", CLIENT, str(sock)]
        tight = subprocess.run(client, user=NOBODY, capture_output=True, text=True, check=False)
        assert tight.stdout.strip() == "PermissionError"  # the file mode keeps them out
        sock.chmod(0o666)
        loose = subprocess.run(client, user=NOBODY, capture_output=True, text=True, check=False)
        assert "ERR only the kiosk's user may tap" in loose.stdout  # and so does the peer check
    assert recorder.badges == []


CLIENT = """
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
    try:
        s.sendall(b"TAP DEADBEEF\\n")
    except BrokenPipeError:
        pass  # the kiosk may answer and hang up before we have spoken
    print(s.recv(200).decode())
except OSError as exc:
    print(type(exc).__name__)
"""


def test_no_kiosk_listening_is_a_clear_error(sock: Path) -> None:
    with pytest.raises(NoKioskListening, match=r"no kiosk is listening on .*kiosk run"):
        send_tap(sock, "DEADBEEF")
    sock.parent.mkdir(parents=True)
    sock.touch()  # a stale file, nobody behind it
    with pytest.raises(NoKioskListening):
        send_tap(sock, "DEADBEEF")


@pytest.mark.parametrize("uid", ["", "hello", "DEADBEE", "04A1B2C3D4E5F6A7"])
def test_a_malformed_uid_is_refused_before_connecting(sock: Path, uid: str) -> None:
    with pytest.raises(ValueError, match="not a badge UID"):
        send_tap(sock, uid)


@pytest.mark.parametrize(
    ("line", "answer"),
    [(b"TAP nonsense\n", b"ERR 'nonsense' is not a badge UID"), (b"HELLO\n", b"ERR expected")],
)
def test_the_kiosk_checks_what_it_is_sent(
    listening: SimulatedReader, recorder: Recorder, line: bytes, answer: bytes
) -> None:
    with socket.socket(socket.AF_UNIX) as raw:
        raw.connect(str(listening.socket_path))
        raw.sendall(line)
        assert raw.recv(200).startswith(answer)
    assert recorder.badges == []


def test_a_stale_socket_file_is_replaced(sock: Path, recorder: Recorder, running: Start) -> None:
    sock.parent.mkdir(parents=True)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(sock))
    stale.close()  # the file stays, nobody listens: a kiosk that was killed
    running(SimulatedReader(sock), recorder)
    recorder.wait_health(ReaderHealth.OK)
    assert send_tap(sock, "DEADBEEF") == "DEADBEEF"


def test_a_second_kiosk_on_the_same_socket_does_not_steal_it(
    listening: SimulatedReader, recorder: Recorder, running: Start
) -> None:
    second = Recorder()
    running(SimulatedReader(listening.socket_path), second)
    assert "another kiosk is already listening" in second.wait_health(ReaderHealth.NOT_RESPONDING)
    send_tap(listening.socket_path, "DEADBEEF")
    assert recorder.wait_badges(1) == ["DEADBEEF"]
    assert second.badges == []


def test_stop_removes_the_socket(listening: SimulatedReader) -> None:
    listening.stop()
    assert not listening.socket_path.exists()
    assert listening.health is ReaderHealth.STOPPED


def test_a_refusing_kiosk_is_reported(sock: Path) -> None:
    sock.parent.mkdir(parents=True)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(sock))
        server.listen(1)
        server.settimeout(2)

        def refuse() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(100)
                conn.sendall(b"ERR busy\n")

        thread = threading.Thread(target=refuse)
        thread.start()
        with pytest.raises(HardwareError, match="the kiosk refused the tap: busy"):
            send_tap(sock, "DEADBEEF")
        thread.join()


def test_the_socket_file_appears_only_once_it_is_listening(tmp_path: Path) -> None:
    """Made under a name of its own and renamed into place, so a client that finds the file
    connects (before, a tap sent just as the kiosk started could be told nobody was there)."""
    path = tmp_path / "tap.sock"
    server = localsocket.listen(path, 1, 0.1)
    try:
        assert [p.name for p in tmp_path.iterdir()] == ["tap.sock"]  # nothing left behind
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        client = socket.socket(socket.AF_UNIX)
        client.connect(str(path))  # refused if the file were there before listen()
        client.close()
    finally:
        localsocket.close(server, path)
    assert not path.exists()
