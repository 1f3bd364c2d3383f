"""What `indagine serve` refuses before any server process starts: debug mode, a secret key
anyone could guess, an uploads bucket without its keys, a port another server holds. Each
refusal is one line with its code."""

from __future__ import annotations

import errno
import socket
import sys

from indagine.site.config import flag, secret_key, setting
from indagine.web.refusals import Code, Refused

# Words of the keys people copy from examples and tutorials. A generated key (50 random bytes,
# 67 characters of base64) holds one of them by chance about once in ten million.
PLACEHOLDERS = ("changeme", "change-me", "change_me", "secret", "insecure", "placeholder")


class ServeCode(Code):
    DEBUG = "SERVE_DEBUG"
    WEAK_SECRET_KEY = "SERVE_WEAK_SECRET_KEY"
    PORT_IN_USE = "SERVE_PORT_IN_USE"
    BAD_ADDRESS = "SERVE_BAD_ADDRESS"
    UPLOADS_BUCKET_KEYS = "SERVE_UPLOADS_BUCKET_KEYS"


def check_settings() -> None:
    """Refuse debug mode, an uploads bucket without its keys and a weak secret key (none yet is
    fine: `serve` generates one)."""
    if flag("INDAGINE_DEBUG"):
        raise Refused(
            ServeCode.DEBUG,
            "INDAGINE_DEBUG is on, and its error pages show the settings and the code to "
            "anyone: unset it to serve",
        )
    check_uploads_store()
    found = secret_key()
    if found is None:
        return
    key, where = found
    weakness = key_weakness(key)
    if weakness:
        mend = (
            "unset it to use a generated key, or set 50 or more random characters"
            if where == "INDAGINE_SECRET_KEY"
            else "delete the file to have a new one generated"
        )
        raise Refused(
            ServeCode.WEAK_SECRET_KEY,
            f"the secret key of {where} {weakness}, so sessions and links could be forged: {mend}",
        )


def check_uploads_store() -> None:
    """Refuse a bucket named without the keys to it. Without them boto3 would look for others
    (its environment variables, ~/.aws, the machine's role): a server would then store
    respondents' files with whatever credentials it happens to find, or fail at the first
    upload, long after it started."""
    if not setting("INDAGINE_UPLOADS_S3_BUCKET"):
        return
    names = ("INDAGINE_UPLOADS_S3_ACCESS_KEY", "INDAGINE_UPLOADS_S3_SECRET_KEY")
    missing = [name for name in names if not setting(name)]
    if missing:
        raise Refused(
            ServeCode.UPLOADS_BUCKET_KEYS,
            f"INDAGINE_UPLOADS_S3_BUCKET is set but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not: set the bucket's access key and its "
            "secret, or unset the bucket to keep uploads in the data folder",
        )


def key_weakness(key: str) -> str:
    """Why `key` is too easy to guess ('' when it is not): Django's deployment check
    (security.W009: under 50 characters, under 5 different ones, django-insecure-), and the
    placeholders of examples."""
    lowered = key.lower()
    if lowered.startswith("django-insecure-"):
        return "is Django's development key (django-insecure-...)"
    word = next((w for w in PLACEHOLDERS if w in lowered), None)
    if word:
        return f"is a placeholder (it contains '{word}')"
    if len(key) < 50:
        return f"is {len(key)} character(s) long, under 50"
    if len(set(key)) < 5:
        return "has fewer than 5 different characters"
    return ""


def claim_port(host: str, port: int) -> socket.socket | None:
    """Refuse a port that something listens on, or that another `indagine serve` is starting on.

    The claim is a lock (Linux: an abstract socket named after the port) that the server keeps
    through `exec` for as long as it runs; the caller marks it inheritable just before. Binding
    to test the port is not enough alone: granian's workers listen with SO_REUSEPORT, which
    lets a second granian share the port silently, and they bind it only once they have loaded
    the site, seconds after the check."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise Refused(ServeCode.BAD_ADDRESS, f"{host}: {error.strerror}") from error
    lock = _lock(port)
    with socket.socket(family, kind, proto) as probe:
        # SO_REUSEADDR, as the servers set it: a restart is not refused for the connections of
        # the server just stopped (TIME_WAIT), only for a socket that listens
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if lock is not None:
                lock.close()
            if error.errno == errno.EADDRINUSE:
                raise Refused(
                    ServeCode.PORT_IN_USE,
                    f"port {port} on {host} is in use by another server: stop it, or serve "
                    "with another --port",
                ) from error
            raise Refused(ServeCode.BAD_ADDRESS, f"{host}:{port}: {error.strerror}") from error
    return lock


def _lock(port: int) -> socket.socket | None:
    """This machine's lock of `port` for indagine (None where there are no abstract sockets)."""
    if not sys.platform.startswith("linux"):
        return None
    lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        lock.bind(f"\0indagine-serve-port-{port}")
    except OSError as error:
        lock.close()
        raise Refused(
            ServeCode.PORT_IN_USE,
            f"port {port} is taken by another `indagine serve` on this machine: stop it, or "
            "serve with another --port",
        ) from error
    return lock
