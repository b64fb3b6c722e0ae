"""`policybot staff add|list|remove|reset`: the staff accounts, from the command line of the machine the bot runs
on (whoever can run it can read var/ anyway). Every command is written to the audit log, as the operating-system
user who ran it, so the log shows who gave whom an account."""
from __future__ import annotations

import argparse
import getpass
import socket
import sys

from knowledge.config import Settings

from . import accounts, audit_log, passwords
from .accounts import AccountBook, AccountError


def add_parsers(sub: argparse._SubParsersAction, settings_of) -> None:
    """Adds `staff` and its commands to the `policybot` parser; `settings_of(args)` gives the Settings."""
    p = sub.add_parser("staff", help="staff accounts for the /staff pages: once one exists, browsers log in with a"
                                     " name and password instead of the shared token")
    ssub = p.add_subparsers(dest="staff_command", required=True)
    for name, says in (("add", "make an account; prints a generated password once (or reads one: --password-stdin)"),
                       ("reset", "give an account a new password; ends its open sessions")):
        p = ssub.add_parser(name, help=says)
        p.add_argument("name", help="the person's name, as the audit log shows it")
        p.add_argument("--password-stdin", action="store_true",
                       help=f"read the password from standard input (at least {passwords.MIN_CHARS} characters)")
        p.set_defaults(func=lambda args: _run(args, settings_of(args)))
    p = ssub.add_parser("list", help="the accounts, oldest first, with when each password was last set")
    p.set_defaults(func=lambda args: _run(args, settings_of(args)))
    p = ssub.add_parser("remove", help="delete an account; ends its open sessions")
    p.add_argument("name")
    p.set_defaults(func=lambda args: _run(args, settings_of(args)))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    return run(args.staff_command, getattr(args, "name", ""), settings, getattr(args, "password_stdin", False))


def run(command: str, name: str, settings: Settings, password_stdin: bool = False) -> int:
    """One `policybot staff` command; its exit status (0 done, 1 refused, 2 bad input)."""
    book = AccountBook(accounts.db_path(settings))
    try:
        if command == "list":
            found = book.accounts()
            for account in found:
                print(f"{account.name}\tadded {account.created}\tpassword set {account.updated}")
            print(f"{len(found)} staff accounts" + ("" if found else ": the shared token logs browsers in"
                                                    " (`policybot staff add NAME` makes the first account)"),
                  file=sys.stderr)
            _audit(settings, "staff.list", "", {"accounts": len(found)})
            return 0
        if command == "remove":
            account = book.remove(name)
            _audit(settings, "staff.remove", account.name)
            left = "" if book.exist() else "; no accounts are left, so the shared token logs browsers in again"
            print(f"removed {account.name}: their sessions have ended{left}")
            return 0
        password = _password(command, password_stdin)
        account = book.add(name, password) if command == "add" else book.reset(name, password)
    except AccountError as exc:
        _audit(settings, f"staff.{command}.refused", name, {"why": str(exc)})
        print(f"policybot staff {command}: {exc}", file=sys.stderr)
        return 1
    except _BadPassword as exc:
        _audit(settings, f"staff.{command}.refused", name, {"why": str(exc)})
        print(f"policybot staff {command}: {exc}", file=sys.stderr)
        return 2
    _audit(settings, f"staff.{command}", account.name, {"password": "read" if password_stdin else "generated"})
    did = "added" if command == "add" else "new password for"
    if password_stdin:
        print(f"{did} {account.name}" + ("" if command == "add" else ": their old sessions have ended"))
    else:
        print(f"{did} {account.name}; their password (shown only now, give it to them privately):\n{password}")
    return 0


class _BadPassword(ValueError):
    pass


def _password(command: str, from_stdin: bool) -> str:
    if not from_stdin:
        return passwords.generated()
    text = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    problem = passwords.problem(text)
    if problem:
        raise _BadPassword(f"{problem} (on standard input; or leave out --password-stdin for a generated one)")
    return text


def _audit(settings: Settings, action: str, target: str, detail: dict | None = None) -> None:
    who = f"{_user()} (command line)"
    audit_log.record(audit_log.db_path(settings), who, socket.gethostname(), action, target, detail)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        return "unknown user"
