"""Lambda's telemetry log frames, read back: type u32 | length u32 | timestamp_us u64 | message."""

from __future__ import annotations

import os


def read_frames(fd: int) -> list[tuple[str, int, str]]:
    """(type as hex, timestamp in microseconds, message) of every frame written to `fd` until EOF."""
    data = b""
    while chunk := os.read(fd, 65536):
        data += chunk
    frames = []
    while data:
        kind, length, stamp = data[:4], int.from_bytes(data[4:8], "big"), int.from_bytes(data[8:16], "big")
        frames.append((kind.hex(), stamp, data[16:16 + length].decode()))
        data = data[16 + length:]
    return frames
