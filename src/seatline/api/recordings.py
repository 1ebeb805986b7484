"""Recordings and voicemail on disk, as the API shows and serves them.

Records keep the absolute path the switch wrote; the API never shows it. It shows the path
relative to the data directory (or nothing, for a path outside it) and a download URL. A
download serves only a regular `.wav` file under `DATA_DIR/recordings/<tenant's slug>/` once
every symlink is resolved, so a record pointing anywhere else (an older layout, a row edited by
hand, a link to another tenant's file) serves nothing, answered like a missing recording.
"""

from __future__ import annotations

import os
from pathlib import Path

from seatline.store.errors import NotFound

__all__ = ["servable_recording", "shown_path"]


def _absolute(path: str | Path) -> Path:
    # Lexical only: showing a path must not depend on (or touch) the file system.
    return Path(os.path.normpath(Path(path).absolute()))


def shown_path(stored: str | None, data_dir: Path) -> str | None:
    """Return a stored path relative to the data directory, or None when it is outside."""
    if not stored:
        return None
    try:
        return _absolute(stored).relative_to(_absolute(data_dir)).as_posix()
    except ValueError:
        return None


def servable_recording(stored: str | None, data_dir: Path, slug: str, what: str) -> Path:
    """Return the file to send for a record's `what` (recording, voicemail) or raise NotFound."""
    if not stored:
        raise NotFound(f"the contact has no {what}")
    root = (data_dir / "recordings" / slug).resolve()
    try:
        path = Path(stored).resolve(strict=True)
    except (OSError, RuntimeError):
        raise NotFound(f"the {what} file is missing") from None
    if not path.is_relative_to(root) or path.suffix.lower() != ".wav" or not path.is_file():
        raise NotFound(f"the {what} is not available")
    return path
