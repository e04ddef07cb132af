#!/usr/bin/env python3
"""Back a clinic's database up, and restore it, in Odoo's own backup format.

Usage:
  backup.py backup  ODOO_CONF DB DIR                 -> DIR/DB_YYYY-MM-DD_HH-MM-SS.zip
  backup.py restore ODOO_CONF FILE DB [--neutralize] -> a new database DB from FILE

The ZIP is what Odoo's database manager (/web/database/manager) makes and restores: ``dump.sql``
(pg_dump), ``filestore/`` (attachments, signatures, PDFs) and ``manifest.json`` (versions, modules).
``--neutralize`` is for a test or training copy: Odoo's neutralisation (scheduled actions and outgoing
mail servers off, the database flagged) plus the addon's (reminder rules off), so that the copy never
writes to a patient. A restore for disaster recovery keeps everything as it was: the reminders' log
travels with the data, so the scheduled action does not send again what was sent before the backup.
"""

import os
import sys
import time
from datetime import datetime, timezone

import odoo
from odoo.service import db as db_service


def fail(message):
    print(f'dental_clinic: {message}', file=sys.stderr)
    sys.exit(1)


def backup(dbname, folder):
    if not db_service.exp_db_exist(dbname):
        fail(f'there is no database {dbname!r} to back up (DB=...).')
    os.makedirs(folder, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime('%Y-%m-%d_%H-%M-%S')
    path = os.path.join(os.path.abspath(folder), f'{dbname}_{stamp}.zip')
    started = time.monotonic()
    with open(f'{path}.part', 'wb') as stream:
        db_service.dump_db(dbname, stream, 'zip')
    os.replace(f'{path}.part', path)
    size = os.path.getsize(path) / 2**20
    print(f'backup: {dbname} -> {path} ({size:.1f} MiB) in {time.monotonic() - started:.1f} s')
    return path


def restore(path, dbname, neutralize=False):
    if not os.path.isfile(path):
        fail(f'no backup file {path!r} (FILE=...).')
    if db_service.exp_db_exist(dbname):
        fail(f'database {dbname!r} exists already: restore under another name (DB=...) or drop it first.')
    started = time.monotonic()
    # copy=False: the same database (its uuid kept), as after a loss; a neutralised copy gets a new uuid.
    db_service.restore_db(dbname, path, copy=neutralize, neutralize_database=neutralize)
    kind = 'neutralised copy (no crons, no outgoing mail, no reminders)' if neutralize else 'restored'
    print(f'restore: {path} -> {dbname}, {kind}, in {time.monotonic() - started:.1f} s')


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in ('backup', 'restore'):
        fail(__doc__.split('\n\n')[1])
    action, conf = sys.argv[1:3]
    odoo.tools.config.parse_config(['-c', conf, '--log-level=warn'])
    if action == 'backup':
        backup(sys.argv[3], sys.argv[4])
    else:
        restore(sys.argv[3], sys.argv[4], neutralize='--neutralize' in sys.argv[5:])


if __name__ == '__main__':
    main()
