"""``ukm admin …``: cash server administration from the command line (first admin, tills)."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from ukm_actors.config import load_config
from ukm_actors.db import Database

NAME = "admin"
HELP = "administer a cash server's database (employees, tills)"
DESCRIPTION = """\
Work on the cash server's database directly (it is migrated first), for
what has to happen before anyone can log into the admin API.

  ukm admin create-employee --config server.toml --login anna --role admin
  ukm admin set-password    --config server.toml --login anna
  ukm admin list-employees  --config server.toml
  ukm admin register-till   --config server.toml --store 17 --number 3
  ukm admin new-secret      --config server.toml --node marketing
  ukm admin login-locks     --config server.toml
  ukm admin unlock          --config server.toml --login anna

Roles: admin (everything, incl. employees and tills), manager (directories,
cashiers, restrictions), viewer (reads only). The password is asked for
on the terminal, or taken from the environment variable UKM_ADMIN_PASSWORD.
login-locks lists logins and addresses slowed down or locked after failed
logins; unlock --login NAME (or --address IP) lifts one (docs/security.md).
register-till prints the till's node id and bridge secret (put the secret
in the till's [bridge] secret). new-secret issues a new bridge secret for a
registered node (the old one stops working at once): put it in that node's
[bridge] secret and restart it (docs/security.md).
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    for name, text in (
        ("create-employee", "create a server employee"),
        ("set-password", "change an employee's password"),
        ("list-employees", "list the server employees"),
        ("register-till", "register a till and print its bridge secret"),
        ("new-secret", "issue a new bridge secret for a registered node"),
        ("login-locks", "list logins and addresses with failed logins, the locked first"),
        ("unlock", "lift the lock of a login or an address after failed logins"),
    ):
        s = sub.add_parser(name, help=text, description=text)
        s.add_argument(
            "--config", "-c", type=Path, required=True, help="the cash server's TOML file"
        )
        if name in ("create-employee", "set-password"):
            s.add_argument("--login", required=True)
        if name == "create-employee":
            s.add_argument("--role", required=True, choices=("admin", "manager", "viewer"))
            s.add_argument("--name", default="")
        if name == "new-secret":
            s.add_argument("--node", required=True, help="the node id (e.g. till-17-3, marketing)")
        if name == "unlock":
            which = s.add_mutually_exclusive_group(required=True)
            which.add_argument("--login", help="the employee's login")
            which.add_argument("--address", help="the client address (as in login-locks)")
        if name == "register-till":
            s.add_argument("--store", required=True, help="the store's code")
            s.add_argument(
                "--number", type=int, required=True, help="the till's number in its store"
            )


def _password() -> str:
    env = os.environ.get("UKM_ADMIN_PASSWORD")
    if env:
        return env
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("ukm admin: the passwords differ")
    return first


def _new_secret(db: Database, node_id: str, who: str) -> str:
    """A new generated secret for ``node_id`` (kind, store, enabled kept), audited."""
    from ukm_actors.bridge.peers import PeerError, new_secret
    from ukm_actors.nodes.server.admin.audit import audit

    try:
        with db.write() as session:
            secret = new_secret(session, node_id)
            audit(session, who, "peer.secret", node_id)
    except PeerError as exc:
        raise SystemExit(f"ukm admin: {exc.message}") from None
    return secret


def _login_locks(db: Database, args: argparse.Namespace, who: str, lock_minutes: float) -> int:
    """``login-locks`` (list) and ``unlock`` (lift one, audited)."""
    from ukm_actors.nodes.server.admin import logins
    from ukm_actors.nodes.server.admin.audit import audit

    if args.admin_command == "login-locks":
        with db.read() as session:
            rows = logins.locks(session, logins.Policies(logins.login_policy(lock_minutes)))
        for r in rows:
            state = "LOCKED" if r["locked"] else "waiting" if r["wait_s"] else ""
            wait = "until lifted" if r["wait_s"] is None else f"{r['wait_s']:g} s"
            wait = wait if state else ""
            print(f"{r['kind']:<8} {r['key']:<40} {r['failures']:>4} failures  {state} {wait}")
        if not rows:
            print("no failed logins")
        return 0
    kind, key = ("login", args.login) if args.login else ("address", args.address)
    with db.write() as session:
        lifted = logins.lift(session, kind, key)
        if lifted:
            audit(session, who, "login.unlock", f"{kind}:{key}")
    print(f"{kind} {key}: {'unlocked' if lifted else 'had no failed logins'}")
    return 0 if lifted else 1


def run(args: argparse.Namespace) -> int:
    from ukm_actors.nodes.server.admin import auth
    from ukm_actors.nodes.server.admin.audit import audit
    from ukm_actors.nodes.server.admin.tables import Employee
    from ukm_actors.nodes.server.bootstrap import open_server_db
    from ukm_actors.nodes.server.catalog.tills import register_till

    config = load_config(args.config, role="server")
    db = open_server_db(config)
    who = f"cli:{getpass.getuser()}"
    try:
        cmd = args.admin_command
        if cmd == "list-employees":
            from sqlalchemy import select

            with db.read() as session:
                for e in session.execute(select(Employee).order_by(Employee.login)).scalars():
                    state = "" if e.enabled else "  (disabled)"
                    print(f"{e.login:<24} {e.role:<8} {e.name}{state}")
            return 0
        if cmd == "register-till":
            with db.write() as session:
                reg = register_till(session, args.store, args.number, by=who, kind="admin")
                audit(session, who, "till.register", reg.node_id, None, {"created": reg.created})
            print(f"node id: {reg.node_id}\nsecret:  {reg.secret}")
            return 0
        if cmd in ("login-locks", "unlock"):
            return _login_locks(db, args, who, config.server.login_lock_minutes)
        if cmd == "new-secret":
            secret = _new_secret(db, args.node, who)
            print(f"node id: {args.node}\nsecret:  {secret}")
            return 0
        password = _password()
        with db.write() as session:
            if cmd == "create-employee":
                e = auth.create_employee(session, args.login, password, args.role, args.name)
                audit(session, who, "employee.create", e.login, None, {"role": e.role})
            else:
                auth.set_password(session, args.login, password)
                audit(session, who, "employee.password", args.login)
        print(f"{args.login}: done")
        return 0
    finally:
        db.dispose()
