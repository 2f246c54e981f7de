"""A minimal QMP (QEMU Machine Protocol) client over a UNIX socket. Standard library only."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any


class QmpError(RuntimeError):
    """QEMU answered a command with an error, closed the socket, or did not answer in time."""


class Qmp:
    """One QMP connection: ``execute(command, **arguments)`` returns the command's ``return``."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(str(path))
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QmpError(f"no QMP socket at {path} after {timeout} s") from None
                time.sleep(0.02)
        self.sock.settimeout(timeout)
        self.reader = self.sock.makefile("r", encoding="utf-8")
        self._message()  # the greeting
        self.execute("qmp_capabilities")

    def _message(self) -> dict[str, Any]:
        line = self.reader.readline()
        if not line:
            raise QmpError("QEMU closed the QMP connection")
        message: dict[str, Any] = json.loads(line)
        return message

    def execute(self, command: str, **arguments: Any) -> Any:
        request: dict[str, Any] = {"execute": command}
        if arguments:
            request["arguments"] = arguments
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        while True:
            message = self._message()
            if "event" in message:
                continue
            if "error" in message:
                raise QmpError(f"{command}: {message['error'].get('desc', message['error'])}")
            return message.get("return")

    def wait_for_migration(self, timeout: float = 120.0) -> dict[str, Any]:
        """Poll ``query-migrate`` until it completes; a failed migration raises with QEMU's reason."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info: dict[str, Any] = self.execute("query-migrate")
            status = info.get("status")
            if status == "completed":
                return info
            if status in ("failed", "cancelled"):
                raise QmpError(f"migration {status}: {info.get('error-desc', 'no reason given')}")
            time.sleep(0.05)
        raise QmpError(f"migration did not complete in {timeout} s")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()
