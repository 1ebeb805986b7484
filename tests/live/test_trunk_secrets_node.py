"""A `seatline up` node keeps trunk passwords sealed on disk (issue 11, part of finding 15).

A password given to the API is on disk only as ciphertext and never comes back from it; a
plaintext password an older version left is sealed when the node starts; the node reads
them again after a restart (its key is kept in the data directory).
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

from .node import Node

SECRET = "carrier-secret-7f3a"


def stored_passwords(data_dir: Path) -> dict[str, str | None]:
    """The trunks' password column as the SQLite file holds it (read while no node runs:
    another process's SQLite locks must not be disturbed)."""
    with closing(sqlite3.connect(data_dir / "seatline.db")) as connection:
        return dict(connection.execute("SELECT name, password FROM trunks").fetchall())


def on_disk(data_dir: Path) -> bytes:
    """Every byte the node keeps in its data directory (database, its log, the key file)."""
    return b"".join(path.read_bytes() for path in sorted(data_dir.iterdir()) if path.is_file())


async def test_trunk_passwords_are_sealed_on_disk_and_never_returned(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    node = Node(data)
    await node.start(demo=True)
    try:
        admin = await asyncio.to_thread(node.login, "admin@demo", "demo-admin")
        trunk = {
            "name": "carrier",
            "direction": "outbound",
            "outbound_host": "127.0.0.1",
            "username": "acct",
            "password": SECRET,
            "outbound_prefixes": ["+1555"],
        }
        created = await asyncio.to_thread(node.send, "POST", "/api/trunks", admin, trunk)
        listed = await asyncio.to_thread(node.get, "/api/trunks", admin)
        assert "password" not in created
        assert all("password" not in row for row in listed)
    finally:
        await node.stop()
    stored = stored_passwords(data)["carrier"]
    assert stored is not None and stored.startswith("enc:v1:")
    assert SECRET.encode() not in on_disk(data)

    # As an older version would have left it: a plaintext password. The next start seals it.
    with closing(sqlite3.connect(data / "seatline.db")) as connection, connection:
        connection.execute("UPDATE trunks SET password = 'legacy-secret' WHERE name = 'carrier'")
    await node.start(demo=False)
    await node.stop()
    stored = stored_passwords(data)["carrier"]
    assert stored is not None and stored.startswith("enc:v1:"), node.log()
    assert b"legacy-secret" not in on_disk(data)

    # The key is the data directory's: a restarted node reads the trunk again.
    await node.start(demo=False)
    try:
        admin = await asyncio.to_thread(node.login, "admin@demo", "demo-admin")
        listed = await asyncio.to_thread(node.get, "/api/trunks", admin)
        assert "carrier" in [row["name"] for row in listed]
    finally:
        await node.stop()
    assert "could not re-read trunks" not in node.log()
    assert "cannot be decrypted" not in node.log()
