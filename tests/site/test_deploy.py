"""The production set-up of docs/deploy.md, checked by running it: the systemd units pass
`systemd-analyze verify` and start `indagine` commands the CLI accepts; the environment file sets
only settings indagine reads, and its secret key is one `indagine serve` refuses; the backup
unit's own command lines write a backup and prune the old ones; and deploy/Caddyfile, run by a
real Caddy (its internal CA, on test ports), serves two real `indagine serve` over HTTPS:
health, a respondent's page, an organiser's dashboard, and one server killed without a request
lost.

The unit files name the installed paths (/opt/indagine, /etc/indagine, /var/backups/indagine);
the tests put this checkout's `indagine` and temporary folders in their place, and fail when a
path they replace is not in the file, so that they never check a file other than the one shipped.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import httpx
import pytest

from browser.server import (
    SLUG,
    ProductionServer,
    free_port,
    postgres_base_url,
    server_env,
    throwaway_database,
)
from indagine.cli import _parser
from indagine.commands.serve import STOP_SECONDS
from indagine.site.config import SETTINGS, email_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/indagine/.venv/bin/indagine"  # where docs/deploy.md installs the command
HERE = str(Path(sys.executable).with_name("indagine"))  # this checkout's command
ENV_FILE = "/etc/indagine/indagine.env"
BACKUPS = "/var/backups/indagine"
INSTANCES = ("8001", "8002")  # the servers docs/deploy.md enables, Caddy's upstreams
UNITS = (
    "indagine-init.service",
    "indagine-serve@.service",
    "indagine-worker.service",
    "indagine-backup.service",
    "indagine-backup.timer",
)
DEADLINE = 60  # seconds, for anything waited on

TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY_FIELD = re.compile(r'name="_key" value="([^"]+)"')
PASSWORD = re.compile(r"user 'admin', password '([^']+)'")
PROFILE = {"org_type": "bpo", "role": "it", "cc_size": "lt50", "sector": "telco"}

needs_postgres = pytest.mark.skipif(
    postgres_base_url() is None,
    reason="the set-up of docs/deploy.md runs on PostgreSQL: the PostgreSQL pass runs this",
)
needs_caddy = pytest.mark.skipif(
    shutil.which("caddy") is None,
    reason="caddy is not installed (Debian: apt-get install caddy; `./run test` installs it)",
)


# What the files say


def unit(name: str) -> configparser.ConfigParser:
    """A unit file as sections of settings. systemd's syntax is an INI file's, but a key may
    come more than once (each ExecStartPost= adds a command): non-strict, the last one wins,
    so no unit here repeats a key whose earlier values matter (checked below)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys keep their case
    text = (DEPLOY / name).read_text()
    keys = [line.split("=", 1)[0] for line in text.splitlines() if re.match(r"^\w+=", line)]
    assert [k for k in set(keys) if keys.count(k) > 1] == [], name
    parser.read_string(text)
    return parser


def expand(value: str, instance: str = "") -> str:
    """systemd's specifiers, of those a command line here uses: %i (the instance) and %%."""
    unknown = set(re.findall(r"%[^i%]", value.replace("%%", "")))
    assert unknown == set(), f"specifiers this test does not expand: {unknown}"
    return value.replace("%i", instance).replace("%%", "%")


def indagine_argv(command: str) -> list[str]:
    """The `indagine` arguments of a unit's command line: straight (`/opt/.../indagine init`)
    or as `/bin/sh -ec 'exec /opt/.../indagine ...'` (the backup, for its dated file name)."""
    argv = shlex.split(command)
    if argv[:2] == ["/bin/sh", "-ec"]:
        script = shlex.split(argv[2])
        assert script[0] == "exec", argv[2]
        argv = script[1:]
    assert argv[0] == INSTALLED, command
    return argv[1:]


def env_example() -> dict[str, str]:
    """deploy/indagine.env.example as systemd's EnvironmentFile= reads it. Hand-parsed, as no
    library reads systemd's format: the file uses none of its quoting or line continuation
    (checked here), so VARIABLE=value a line, # comments and blank lines are all of it."""
    found: dict[str, str] = {}
    for line in (DEPLOY / "indagine.env.example").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z_]+", name), line
        assert value == value.strip() and not value.startswith(("'", '"')), line
        assert not value.endswith("\\"), line
        found[name] = value
    return found


def site_address() -> str:
    """The public name deploy/Caddyfile serves (the first line that opens a block)."""
    for line in (DEPLOY / "Caddyfile").read_text().splitlines():
        if line.endswith("{") and not line.startswith(("#", "\t", " ")):
            return line.removesuffix("{").strip()
    raise AssertionError("no site block in deploy/Caddyfile")


def test_units_pass_systemd_analyze_verify(tmp_path):
    """systemd's own check of the units: syntax, known keys and values, the command exists and
    is executable, the timer's service is there. It says what is wrong on stderr and may still
    exit 0, so any line about these units fails the test."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    assert Path(HERE).is_file()
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        if name.endswith(".service"):
            assert INSTALLED in text, name
        (tmp_path / name).write_text(text.replace(INSTALLED, HERE))
    names = [str(tmp_path / n.replace("@.", f"@{INSTANCES[0]}.")) for n in UNITS]
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", "--recursive-errors=no", *names],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    said = [line for line in (done.stdout + done.stderr).splitlines() if "indagine" in line]
    assert (done.returncode, said) == (0, []), done.stdout + done.stderr


def test_units_run_commands_the_cli_accepts():
    """Each unit's command line parses with `indagine`'s own parser (what a typo in a
    subcommand or an option would fail), as the user indagine, with the environment file."""
    commands: dict[str, argparse.Namespace] = {}
    for name in UNITS:
        if not name.endswith(".service"):
            continue
        service = unit(name)["Service"]
        assert (service["User"], service["Group"]) == ("indagine", "indagine"), name
        assert service["EnvironmentFile"] == ENV_FILE, name
        instance = INSTANCES[0] if "@" in name else ""
        args = _parser().parse_args(indagine_argv(expand(service["ExecStart"], instance)))
        commands[args.command] = args
    assert set(commands) == {"init", "serve", "worker", "backup"}
    serve = commands["serve"]
    assert (serve.host, serve.port) == ("127.0.0.1", int(INSTANCES[0]))
    # systemd waits this long after SIGTERM; `indagine serve` is gone within STOP_SECONDS + 2
    assert int(unit("indagine-serve@.service")["Service"]["TimeoutStopSec"]) > STOP_SECONDS + 2
    assert commands["backup"].output.startswith(f"{BACKUPS}/")
    backup = unit("indagine-backup.service")["Service"]
    assert BACKUPS in backup["ReadWritePaths"].split()  # ProtectSystem=strict: writable there
    for name in ("indagine-serve@.service", "indagine-worker.service"):
        wants = unit(name)["Unit"]
        assert "indagine-init.service" in wants["Wants"].split(), name
        assert "indagine-init.service" in wants["After"].split(), name
    timer = unit("indagine-backup.timer")
    assert "Unit" not in timer["Timer"]  # so it starts indagine-backup.service
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_env_example_sets_only_settings_indagine_reads():
    settings = env_example()
    declared = {s.name for s in SETTINGS}
    documented = (ROOT / "docs" / "settings.md").read_text()
    assert sorted(set(settings) - declared) == []
    assert [name for name in settings if f"`{name}`" not in documented] == []
    database = dj_database_url.parse(settings["DATABASE_URL"])
    assert (database["ENGINE"], database["HOST"]) == (
        "django.db.backends.postgresql",
        "/run/postgresql",
    )
    assert database["NAME"] == database["USER"] == "indagine"  # peer authentication
    mail = email_settings(settings["INDAGINE_EMAIL_URL"])
    assert (mail["EMAIL_PORT"], mail["EMAIL_USE_TLS"]) == (587, True)
    # one public name: the one Caddy serves, the links in emails, the host and origin allowed
    name = site_address()
    assert settings["INDAGINE_ALLOWED_HOSTS"] == name
    assert settings["INDAGINE_BASE_URL"] == settings["INDAGINE_CSRF_TRUSTED_ORIGINS"]
    assert urlsplit(settings["INDAGINE_BASE_URL"])[:2] == ("https", name)
    assert (settings["INDAGINE_TRUSTED_PROXIES"], settings["INDAGINE_SECURE_COOKIES"]) == (
        "127.0.0.1",
        "1",
    )


def test_serve_refuses_the_example_secret_key(tmp_path):
    """Copied as it is, the environment file cannot serve: its key is a placeholder."""
    settings = env_example() | {"INDAGINE_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "indagine.cli", "serve", "--port", str(free_port())],
        env=server_env(tmp_path, None) | settings,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith("error SERVE_WEAK_SECRET_KEY:"), done.stderr
    assert not any(tmp_path.iterdir())  # refused before anything was set up


def test_docs_deploy_names_what_the_files_hold():
    """docs/deploy.md installs the files under the names the units and Caddy use."""
    guide = (ROOT / "docs" / "deploy.md").read_text()
    for text in (INSTALLED.removesuffix("/.venv/bin/indagine"), ENV_FILE, BACKUPS, *UNITS):
        assert text in guide, text
    for port in INSTANCES:
        assert f"indagine-serve@{port}" in guide, port
    assert "/healthz" in guide and "/readyz" in guide


@needs_caddy
def test_caddyfile_adapts_to_two_servers_with_a_health_check():
    done = subprocess.run(
        ["caddy", "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"level":"warn"' not in done.stderr, done.stderr  # e.g. not as `caddy fmt` writes it
    server = json.loads(done.stdout)["apps"]["http"]["servers"]["srv0"]
    (route,) = server["routes"]
    assert route["match"] == [{"host": [site_address()]}]
    proxies = list(_handlers(route, "reverse_proxy"))
    assert len(proxies) == 1
    (proxy,) = proxies
    assert [u["dial"] for u in proxy["upstreams"]] == [f"127.0.0.1:{p}" for p in INSTANCES]
    assert proxy["health_checks"]["active"]["uri"] == "/healthz"
    assert proxy["load_balancing"]["try_duration"] > 0  # a refused request goes to the other
    assert "logs" not in server  # no access log: it would tie personal links to times


def _handlers(route: dict, kind: str) -> Iterator[dict]:
    for handler in route.get("handle", []):
        if handler["handler"] == kind:
            yield handler
        for inner in handler.get("routes", []):
            yield from _handlers(inner, kind)


# Running them


def production_env(data_dir: Path, database_url: str) -> dict[str, str]:
    """The environment the units give `indagine`: the example file, with this test's database,
    data folder and a key of its own."""
    settings = env_example() | {
        "DATABASE_URL": database_url,
        "INDAGINE_DATA_DIR": str(data_dir),
        "INDAGINE_SECRET_KEY": secrets.token_urlsafe(50),
    }
    return server_env(data_dir, database_url) | settings


def run_unit_command(command: str, env: dict[str, str], paths: dict[str, str]) -> str:
    """Run one of a unit's command lines as systemd would (no shell unless it starts one), the
    installed paths replaced by this test's; its output."""
    for installed, here in paths.items():
        assert installed in command, (installed, command)
        command = command.replace(installed, here)
    done = subprocess.run(
        shlex.split(command), env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
@needs_postgres
def test_backup_unit_writes_a_backup_and_keeps_fourteen_days(tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    old, recent, other = (
        backups / "indagine-20000101-033000.tar.gz",
        backups / "indagine-20000102-033000.tar.gz",
        backups / "notes.txt",
    )
    day = 24 * 3600
    for path, age in ((old, 15 * day), (recent, 2 * day), (other, 30 * day)):
        path.write_text("an older backup")
        os.utime(path, (time.time() - age, time.time() - age))
    init = expand(unit("indagine-init.service")["Service"]["ExecStart"])
    service = unit("indagine-backup.service")["Service"]
    with throwaway_database("indagine_deploy_backup") as database_url:
        assert database_url is not None
        env = production_env(tmp_path / "data", database_url)
        run_unit_command(init, env, {INSTALLED: HERE})
        paths = {INSTALLED: HERE, BACKUPS: str(backups)}
        said = run_unit_command(expand(service["ExecStart"]), env, paths)
        run_unit_command(expand(service["ExecStartPost"]), env, {BACKUPS: str(backups)})
    made = [p for p in backups.iterdir() if p not in (old, recent, other)]
    assert len(made) == 1 and re.fullmatch(r"indagine-\d{8}-\d{6}\.tar\.gz", made[0].name), made
    assert str(made[0]) in said
    assert made[0].stat().st_mode & 0o777 == 0o600
    with tarfile.open(made[0]) as archive:
        names = archive.getnames()
    assert names[0] == "manifest.json" and "database/indagine.pgdump" in names, names
    assert sorted(p.name for p in backups.iterdir()) == sorted(
        [made[0].name, recent.name, other.name]
    )


@contextmanager
def caddy(tmp_path: Path, upstreams: list[int]) -> Iterator[tuple[int, int]]:
    """deploy/Caddyfile run by Caddy: this test's servers as its upstreams, certificates from
    Caddy's internal CA (not installed into any trust store), listening on 127.0.0.1 on free
    ports (HTTP, HTTPS), its state in `tmp_path`; stopped after."""
    http, https = free_port(), free_port()
    port = dict(zip(INSTANCES, map(str, upstreams), strict=True))
    text, count = re.subn(
        r"\b127\.0\.0\.1:(\d+)\b",
        lambda found: f"127.0.0.1:{port[found[1]]}",
        (DEPLOY / "Caddyfile").read_text(),
    )
    assert count == len(INSTANCES)
    options = (
        "{\n\tadmin off\n\tskip_install_trust\n\tlocal_certs\n\tdefault_bind 127.0.0.1\n"
        f"\thttp_port {http}\n\thttps_port {https}\n\tstorage file_system {tmp_path}/state\n}}\n\n"
    )
    config = tmp_path / "Caddyfile"
    config.write_text(options + text)
    home = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    log = (tmp_path / "caddy.log").open("w")
    process = subprocess.Popen(
        ["caddy", "run", "--config", str(config), "--adapter", "caddyfile"],
        env=os.environ | home,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield http, https
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


class Through:
    """An HTTPS client that reaches Caddy on 127.0.0.1 under the public name: the TLS name
    (SNI) and Host header a browser would send, Caddy's internal CA not verified."""

    def __init__(self, name: str, port: int) -> None:
        self.base = f"https://127.0.0.1:{port}"
        self.origin = f"https://{name}:{port}"
        self.sni = {"sni_hostname": name}
        self.client = httpx.Client(verify=False, timeout=30, headers={"Host": f"{name}:{port}"})

    def get(self, path: str, **options) -> httpx.Response:
        return self.client.get(self.base + path, extensions=self.sni, **options)

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        """A form sent as a browser sends it: with its Origin."""
        headers = {"Origin": self.origin}
        return self.client.post(self.base + path, data=data, headers=headers, extensions=self.sni)

    def close(self) -> None:
        self.client.close()


def wait_for_https(through: Through, path: str, log: Path) -> httpx.Response:
    deadline = time.monotonic() + DEADLINE
    while True:
        try:
            reply = through.get(path)
            if reply.status_code == 200:
                return reply
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(
                f"Caddy did not serve {path} within {DEADLINE} s:\n{log.read_text()}"
            )
        time.sleep(0.1)


@pytest.mark.slow
@needs_postgres
@needs_caddy
def test_caddy_serves_two_servers_over_https_and_survives_one_killed(tmp_path):
    """The set-up of docs/deploy.md on one machine: `indagine init` (indagine-init.service),
    then two `indagine serve` on one data folder and one database, with the example
    environment; deploy/Caddyfile in front."""
    name = site_address()
    with ExitStack() as stack:
        database_url = stack.enter_context(throwaway_database("indagine_deploy_caddy"))
        assert database_url is not None
        env = production_env(tmp_path / "data", database_url)
        init = expand(unit("indagine-init.service")["Service"]["ExecStart"])
        password = PASSWORD.search(run_unit_command(init, env, {INSTALLED: HERE}))
        assert password
        # the example's settings; the data folder and the database are ProductionServer's own
        settings = {
            k: v for k, v in env.items() if k.startswith("INDAGINE_") and k != "INDAGINE_DATA_DIR"
        }
        servers = [
            ProductionServer(tmp_path / "data", database_url, 1, 2, settings) for _ in INSTANCES
        ]
        for server in servers:
            stack.callback(server.kill)
        with ThreadPoolExecutor(len(servers)) as pool:  # side by side, as systemd starts them
            for started in [pool.submit(s.start, timeout=DEADLINE) for s in servers]:
                started.result()
        http, https = stack.enter_context(caddy(tmp_path, [s.port for s in servers]))
        through = Through(name, https)
        stack.callback(through.close)

        # Health, as a monitor asks it; plain HTTP is sent to HTTPS.
        assert wait_for_https(through, "/healthz", tmp_path / "caddy.log").text == "ok"
        ready = through.get("/readyz")
        assert (ready.status_code, ready.text) == (200, "ok")
        plain = httpx.get(f"http://127.0.0.1:{http}/s/{SLUG}/", headers={"Host": name})
        assert plain.status_code == 308
        assert plain.headers["location"].startswith(f"https://{name}")

        # A respondent: the cookies are Secure, and the page's form goes through the CSRF check
        # (Django knows the request came over HTTPS from the proxy's X-Forwarded-Proto).
        first = through.get(f"/s/{SLUG}/")
        assert first.status_code == 200
        assert all("Secure" in c for c in first.headers.get_list("set-cookie")), first.headers
        token, key = TOKEN_FIELD.search(first.text), KEY_FIELD.search(first.text)
        assert token and key
        page = {"csrfmiddlewaretoken": token[1], "_key": key[1], "_page": "0", "_action": "next"}
        sent = through.post(f"/s/{SLUG}/", page | PROFILE)
        assert (sent.status_code, sent.headers.get("location")) == (302, f"/s/{SLUG}/?page=1")
        (stored,) = servers[0].responses()
        assert stored.answers == PROFILE

        # An organiser: logged in over HTTPS, the dashboard's ETag survives Caddy's compression,
        # so its every-15-seconds refresh gets 304 while nothing changed.
        login = TOKEN_FIELD.search(through.get("/accounts/login/").text)
        assert login
        form = {"csrfmiddlewaretoken": login[1], "username": "admin"}
        assert through.post("/accounts/login/", form | {"password": password[1]}).status_code == 302
        dashboard = through.get(f"/manage/{SLUG}/results/", params={"fragment": "1"})
        assert dashboard.status_code == 200 and dashboard.headers.get("content-encoding")
        again = through.get(
            f"/manage/{SLUG}/results/",
            params={"fragment": "1"},
            headers={"If-None-Match": dashboard.headers["ETag"]},
        )
        assert again.status_code == 304

        # One server killed: every request is still answered, by the other.
        servers[0].kill()
        replies = [through.get(path) for path in ("/healthz", f"/s/{SLUG}/") * 4]
        assert [r.status_code for r in replies] == [200] * 8
