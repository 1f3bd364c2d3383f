"""Settings of a server the tests hold: its /held/ request (held_urls) and, if asked, one
worker's start wait until the test creates a file. INDAGINE_TEST_HELD names the folder of those
files; INDAGINE_TEST_HOLD_START=N holds the N-th process to load these settings (the first is
`indagine serve`'s own set-up, then each worker as it starts)."""

import os
import time
from pathlib import Path

from indagine.site.settings import *  # noqa: F403

ROOT_URLCONF = "held_urls"
HELD = Path(os.environ["INDAGINE_TEST_HELD"])


def wait_for_file(path: Path, timeout: float = 60) -> None:
    """Until `path` exists (or `timeout` seconds pass: a test that forgot it fails, not hangs)."""
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def _arrival() -> int:
    """This process's rank among those that loaded these settings (1, 2, ...)."""
    rank = 1
    while True:
        try:
            os.close(os.open(HELD / f"loaded-{rank}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return rank
        except FileExistsError:
            rank += 1


if _arrival() == int(os.environ.get("INDAGINE_TEST_HOLD_START", "0")):
    (HELD / "start-held").touch()
    wait_for_file(HELD / "start-go")
