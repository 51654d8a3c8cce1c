"""A private Dovecot IMAP server for tests: its own config, base_dir, passwd-file user and Maildir, all in
one temporary folder, listening on a free loopback port with plaintext login and no TLS.

Every Dovecot process runs as the user running the tests (root in CI, the developer otherwise), so no
system user, service or file outside the temporary folder is touched.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
IMAP = "/usr/lib/dovecot/imap"


@dataclass(frozen=True)
class DovecotServer:
    root: Path
    host: str
    port: int
    username: str
    password: str
    process: subprocess.Popen[bytes]
    cafile: Path | None = None  # the self-signed certificate clients must trust, when TLS is on

    def url(self, mailbox: str = "INBOX") -> str:
        scheme = "imaps" if self.cafile else "imap"
        return f"{scheme}://{self.username}:{self.password}@{self.host}:{self.port}/{mailbox}"

    def log_tail(self, lines: int = 40) -> str:
        log = self.root / "dovecot.log"
        if not log.exists():
            return "(no log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def installed() -> bool:
    """dovecot-core gives the master; the IMAP server itself comes with dovecot-imapd."""
    return all(os.access(p, os.X_OK) for p in (DOVECOT, IMAP, "/usr/bin/openssl"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _login_user(user: str) -> str:
    """Dovecot refuses to run its login processes as root; as root, use its own unprivileged user."""
    if os.getuid() != 0:
        return user
    for candidate in ("dovenull", "nobody"):
        try:
            pwd.getpwnam(candidate)
            return candidate
        except KeyError:
            continue
    raise RuntimeError("running as root, but neither user dovenull nor nobody exists for Dovecot's login")


def _mail_user(user: str) -> str:
    """Dovecot never lets mail be accessed as root; as root, store the test mail as an unprivileged user."""
    if os.getuid() != 0:
        return user
    for candidate in ("dovecot", "nobody"):
        try:
            pwd.getpwnam(candidate)
            return candidate
        except KeyError:
            continue
    raise RuntimeError("running as root, but neither user dovecot nor nobody exists to own the test mail")


def _certificate(root: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (openssl comes with dovecot-core)."""
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert


def _config(root: Path, port: int, user: str, group: str, mail_user: str, tls: bool) -> str:
    # chroot needs root; an unprivileged developer runs the login and anvil processes unchrooted.
    no_chroot = "" if os.getuid() == 0 else "chroot ="
    ssl = f"ssl = required\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem" if tls else "ssl = no"
    # Every service runs as the current user (first_valid_uid = 0 lets that be root in CI), except two that
    # Dovecot never runs as root: the login process (dovenull, chrooted into base_dir/login by the master,
    # so it needs no access to the temporary folder) and mail access (the dovecot user owns the Maildir).
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
# A test of a wrong password must not slow down the logins of the tests after it.
# (with the anvil-auth-penalty listener switched off below).
auth_failure_delay = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {_login_user(user)}
first_valid_uid = 0
first_valid_gid = 0
mail_uid = {mail_user}
mail_gid = {grp.getgrgid(pwd.getpwnam(mail_user).pw_gid).gr_name}
mail_home = {root}/home/%u
mail_location = maildir:{root}/mail/%u
mail_fsync = always
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  {no_chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {0 if tls else port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port if tls else 0}
  }}
}}
service anvil {{
  {no_chroot}
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
"""


def start(
    root: Path | None = None,
    *,
    username: str = "tester",
    password: str = "secret",
    tls: bool = False,
    timeout: float = 15.0,
) -> DovecotServer:
    """Write a config under `root` (a new temporary folder by default), start Dovecot in the foreground,
    and wait until the port greets. The folder is not pytest's tmp_path: that one is private to the user
    running the tests, and as root the mail is stored by an unprivileged user."""
    root = root or Path(tempfile.mkdtemp(prefix="dovecot-"))
    user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    mail_user = _mail_user(user)
    mail_uid, mail_gid = pwd.getpwnam(mail_user).pw_uid, pwd.getpwnam(mail_user).pw_gid
    root.chmod(0o711)  # the mail user must be able to reach its folders below it
    for sub in ("run", "state"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for sub in (root / "mail", root / "home", root / "home" / username):
        sub.mkdir(parents=True, exist_ok=True)
        os.chown(sub, mail_uid, mail_gid)
    # passwd-file refuses UID 0, so the user's uid/gid are left empty and mail_uid/mail_gid say who it is.
    (root / "users").write_text(f"{username}:{{PLAIN}}{password}:::::\n")
    port = _free_port()
    conf = root / "dovecot.conf"
    cafile = _certificate(root) if tls else None
    conf.write_text(_config(root, port, user, group, mail_user, tls))
    with open(root / "dovecot.stderr", "wb") as stderr:
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
        )
    server = DovecotServer(root, "127.0.0.1", port, username, password, process, cafile)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = (root / "dovecot.stderr").read_text(errors="replace")
            raise RuntimeError(f"dovecot exited with {process.returncode}: {err}\n{server.log_tail()}")
        try:
            if _greets(server):
                return server
        except OSError:
            pass
        time.sleep(0.05)
    stop(server)
    raise RuntimeError(f"dovecot did not accept connections on port {port}\n{server.log_tail()}")


def _greets(server: DovecotServer) -> bool:
    with socket.create_connection((server.host, server.port), timeout=0.5) as sock:
        if server.cafile is None:
            return sock.recv(200).startswith(b"* OK")
        context = ssl.create_default_context(cafile=str(server.cafile))
        with context.wrap_socket(sock, server_hostname=server.host) as tls:
            return tls.recv(200).startswith(b"* OK")


def stop(server: DovecotServer) -> None:
    """Stop the master and every child it started (they share its process group)."""
    if server.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=5)


def remove(server: DovecotServer) -> None:
    shutil.rmtree(server.root, ignore_errors=True)
