#!/usr/bin/env python3
"""Check what the addon needs before running it, and print the Odoo config it runs with.

Usage: preflight.py CONFIG_PATH DB_HOST DB_PORT DB_USER [DB_PASSWORD]

Writes an Odoo configuration file (addons path = Odoo's addons + this
repository) and exits 1 with one line saying what is missing and how to fix it
when Odoo 18 is not importable or PostgreSQL is not reachable.
"""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(message):
    print(f"dental_clinic: {message}", file=sys.stderr)
    sys.exit(1)


def check_gevent():
    """The prefork server's websocket process runs on gevent: check it starts with this Python."""
    probe = subprocess.run(
        [sys.executable, '-c', 'from gevent import monkey; monkey.patch_all()'],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode:
        last = (probe.stderr.strip().splitlines() or ['gevent failed'])[-1]
        fail(
            f"Odoo's websocket process (gevent) cannot start with {sys.executable}: {last}. An old setuptools "
            "cannot read the metadata of recent zope packages: `pip install --upgrade 'setuptools>=70,<81'`."
        )


def main():
    config_path, host, port, user = sys.argv[1:5]
    password = sys.argv[5] if len(sys.argv) > 5 else ''
    try:
        import odoo
        from odoo import release
    except ImportError:
        fail(
            "Odoo 18.0 is not importable by this python3: install Odoo 18.0 (e.g. `pip install -e /path/to/odoo` "
            "with its requirements.txt), then run this command again."
        )
    if release.version_info[0] != 18:
        fail(f"Odoo {release.version} is installed, but this addon needs Odoo 18.0.")
    try:
        import psycopg2

        psycopg2.connect(
            host=host, port=port, user=user, password=password or None, dbname='postgres', connect_timeout=5
        ).close()
    except Exception as exc:  # noqa: BLE001 - any failure means the same thing to the user
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        fail(
            f"PostgreSQL is not reachable at {host}:{port} as user {user!r} ({first_line}): start it or set "
            f"DB_HOST/DB_PORT/DB_USER/DB_PASSWORD."
        )
    if os.environ.get('WORKERS', '0') not in ('', '0'):
        check_gevent()
    odoo_root = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
    addons = [os.path.join(odoo_root, 'odoo', 'addons'), os.path.join(odoo_root, 'addons'), REPO]
    addons = [path for path in addons if os.path.isdir(path)]
    with open(config_path, 'w', encoding='utf-8') as config:
        config.write("[options]\n")
        config.write(f"addons_path = {','.join(addons)}\n")
        config.write(f"db_host = {host}\ndb_port = {port}\ndb_user = {user}\ndb_password = {password}\n")
        config.write("admin_passwd = admin\n")
        if os.environ.get('GC_THRESHOLDS'):
            # The addon's post-load hook reads it (dental_clinic/__init__.py, docs/deployment.md).
            config.write(f"dental_gc_thresholds = {os.environ['GC_THRESHOLDS']}\n")


if __name__ == '__main__':
    main()
