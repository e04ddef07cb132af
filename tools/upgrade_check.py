#!/usr/bin/env python3
"""Upgrade safety: install the previous release with demo data, upgrade it to this code, compare.

Usage: upgrade_check.py CONFIG DB [--tag v18.0.1.0.0]

1. `git worktree add` the previous release (tag) into a temporary folder, install
   dental_clinic with its demo data from it into DB (dropped first).
2. Snapshot in SQL every row of every dental_* table (patients, appointments,
   treatments, clinical notes with their text, signature and hash, reminder logs when the
   release has them, ...), the dental settings of every company and the calendar
   event of every appointment.
3. `-u dental_clinic` with this checkout's code; every snapshotted row must still be
   there with the same values (columns dropped on purpose by a migration excepted,
   listed in EXPECTED_CHANGES), every appointment still has its calendar event.
4. Uninstall dental_clinic (and its bridges): no orphan menu, cron, calendar event
   of an appointment, sequence, model or table is left. Reinstall: works, demo back.
Exit code 1 with the differences on any failure. Connection settings come from CONFIG.
"""

import configparser
import os
import subprocess
import sys
import tempfile
import time

import psycopg2
from psycopg2 import sql

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Columns a migration rewrites on purpose: (table, column) -> why.
EXPECTED_CHANGES = {
    ('calendar_event', 'name'): '18.0.1.1.0: appointment events no longer carry the patient name',
}
IGNORED_COLUMNS = {'write_date', 'write_uid'}
failures = []


def log(message):
    print(f'upgrade_check: {message}', flush=True)


def fail(message):
    failures.append(message)
    print(f'upgrade_check: FAIL {message}', flush=True)


def odoo(config, db, *args, stdin=None):
    cmd = [
        sys.executable,
        '-m',
        'odoo',
        '-c',
        config,
        '-d',
        db,
        '--log-level=warn',
        '--http-port=0',
        '--stop-after-init',
        *args,
    ]
    if args and args[0] == 'shell':
        cmd = [sys.executable, '-m', 'odoo', 'shell', '-c', config, '-d', db, '--log-level=warn', '--no-http']
    result = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=600)
    errors = [line for line in result.stderr.splitlines() if ' ERROR ' in line or ' CRITICAL ' in line]
    if result.returncode or errors:
        print(result.stdout[-3000:], result.stderr[-5000:], sep='\n', file=sys.stderr)
        raise SystemExit(f'upgrade_check: {" ".join(args[:2])} failed on {db}')
    return result.stdout


def connect(options, db):
    return psycopg2.connect(
        host=options.get('db_host') or None,
        port=options.get('db_port') or None,
        user=options.get('db_user') or None,
        password=options.get('db_password') or None,
        dbname=db,
    )


def drop(options, db):
    conn = connect(options, 'postgres')
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(sql.Identifier(db)))
    conn.close()


def rows(cr, table, columns=None):
    if columns is None:
        cr.execute('SELECT column_name FROM information_schema.columns WHERE table_name = %s', [table])
        columns = sorted(c for (c,) in cr.fetchall() if c not in IGNORED_COLUMNS)
    cr.execute(
        sql.SQL('SELECT {} FROM {}').format(sql.SQL(', ').join(map(sql.Identifier, columns)), sql.Identifier(table))
    )
    key = columns.index('id') if 'id' in columns else None
    data = {}
    for index, row in enumerate(cr.fetchall()):
        data[row[key] if key is not None else index] = dict(zip(columns, row))
    return columns, data


def snapshot(options, db):
    with connect(options, db) as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' AND table_name LIKE 'dental\\_%%' ORDER BY 1"
        )
        tables = [t for (t,) in cr.fetchall()]
        snap = {table: rows(cr, table) for table in tables}
        cr.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'res_company' "
            "AND (column_name LIKE 'dental\\_%%' OR column_name LIKE 'reminder\\_%%' OR column_name = 'id')"
        )
        snap['res_company'] = rows(cr, 'res_company', sorted(c for (c,) in cr.fetchall()))
        cr.execute("SELECT id FROM calendar_event WHERE res_model = 'dental.appointment'")
        ids = [i for (i,) in cr.fetchall()]
        snap['calendar_event'] = (['id', 'name', 'start', 'stop', 'active', 'res_id'], {})
        if ids:
            cr.execute('SELECT id, name, start, stop, active, res_id FROM calendar_event WHERE id = ANY(%s)', [ids])
            snap['calendar_event'] = (
                snap['calendar_event'][0],
                {r[0]: dict(zip(snap['calendar_event'][0], r)) for r in cr.fetchall()},
            )
    return snap


def compare(before, after):
    for table, (columns, old_rows) in before.items():
        if table not in after:
            fail(f'table {table} ({len(old_rows)} rows) is gone after the upgrade')
            continue
        new_columns, new_rows = after[table]
        lost_columns = set(columns) - set(new_columns)
        for column in sorted(lost_columns):
            if (table, column) not in EXPECTED_CHANGES:
                fail(f'column {table}.{column} is gone after the upgrade')
        missing = set(old_rows) - set(new_rows)
        if missing:
            fail(f'{table}: {len(missing)} row(s) lost, ids {sorted(missing)[:10]}')
        changed = 0
        for row_id, old in old_rows.items():
            new = new_rows.get(row_id)
            if new is None:
                continue
            for column, value in old.items():
                if column in lost_columns or (table, column) in EXPECTED_CHANGES:
                    continue
                if new[column] != value:
                    changed += 1
                    if changed <= 10:
                        fail(f'{table}#{row_id}.{column} changed: {value!r} -> {new[column]!r}')
        log(f'{table}: {len(old_rows)} row(s) checked, {changed} change(s)')


def scalar(cr, query, params=None):
    cr.execute(query, params)
    return cr.fetchone()[0]


# Released versions and their commits, for clones that did not fetch the tags.
RELEASE_COMMITS = {'v18.0.1.0.0': 'd51bc6ef09250e0d583b2e54369761882e8cb60c'}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    config, db = args[0], args[1]
    tag = sys.argv[sys.argv.index('--tag') + 1] if '--tag' in sys.argv else 'v18.0.1.0.0'
    parser = configparser.ConfigParser()
    parser.read(config)
    options = dict(parser['options'])
    started = time.monotonic()
    if subprocess.run(
        ['git', '-C', REPO, 'rev-parse', '--verify', '--quiet', f'{tag}^{{commit}}'], capture_output=True
    ).returncode:
        # A clone without tags (CI's) still knows the release's commit.
        if tag not in RELEASE_COMMITS:
            raise SystemExit(f'upgrade_check: no git tag {tag} (the previous release); `git fetch --tags`')
        log(f'no tag {tag} in this clone: using its commit {RELEASE_COMMITS[tag][:10]}')
        tag = RELEASE_COMMITS[tag]
    with tempfile.TemporaryDirectory(prefix='dental_upgrade_') as tmp:
        previous = os.path.join(tmp, 'previous')
        subprocess.run(['git', '-C', REPO, 'worktree', 'add', '--detach', '--quiet', previous, tag], check=True)
        try:
            paths = [p for p in options['addons_path'].split(',') if os.path.realpath(p) != os.path.realpath(REPO)]
            previous_config = os.path.join(tmp, 'previous.conf')
            parser['options']['addons_path'] = ','.join([*paths, previous])
            with open(previous_config, 'w', encoding='utf-8') as handle:
                parser.write(handle)
            drop(options, db)
            log(f'installing dental_clinic {tag} with demo data into {db}')
            odoo(previous_config, db, '-i', 'dental_clinic')
        finally:
            subprocess.run(['git', '-C', REPO, 'worktree', 'remove', '--force', previous], check=False)
    before = snapshot(options, db)
    with connect(options, db) as conn, conn.cursor() as cr:
        version = scalar(cr, "SELECT latest_version FROM ir_module_module WHERE name = 'dental_clinic'")
        notes = scalar(cr, "SELECT count(*) FROM dental_clinical_note")
    log(
        f'{db} at dental_clinic {version}: {len(before["dental_patient"][1])} patients, '
        f'{len(before["dental_appointment"][1])} appointments, {notes} clinical notes; upgrading with -u'
    )
    odoo(config, db, '-u', 'dental_clinic')
    after = snapshot(options, db)
    compare(before, after)
    with connect(options, db) as conn, conn.cursor() as cr:
        new_version = scalar(cr, "SELECT latest_version FROM ir_module_module WHERE name = 'dental_clinic'")
        if new_version == version:
            fail(f'the upgrade left dental_clinic at {version}')
        unsynced = scalar(
            cr,
            """
            SELECT count(*) FROM dental_appointment a
            LEFT JOIN calendar_event e ON e.id = a.calendar_event_id
            WHERE e.id IS NULL OR e.res_model != 'dental.appointment' OR e.res_id != a.id
               OR e.start != a.start OR e.stop != a.stop""",
        )
        if unsynced:
            fail(f'{unsynced} appointment(s) without their calendar event in sync after the upgrade')
        # The name search's word index is filled for the patients that existed before it.
        unindexed = scalar(
            cr,
            """
            SELECT count(*) FROM dental_patient p
            WHERE p.search_name IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM dental_patient_word w WHERE w.patient_id = p.id AND w.search_name = p.search_name)""",
        )
        if unindexed:
            fail(f'{unindexed} patient(s) missing from the name search\'s word index after the upgrade')
    log(f'upgraded {version} -> {new_version} in {time.monotonic() - started:.0f} s')
    uninstall_reinstall(config, options, db)
    log(f'done in {time.monotonic() - started:.0f} s')
    if failures:
        print(f'upgrade_check: {len(failures)} failure(s)', file=sys.stderr)
        sys.exit(1)


def uninstall_reinstall(config, options, db):
    with connect(options, db) as conn, conn.cursor() as cr:
        events = scalar(cr, "SELECT count(*) FROM calendar_event WHERE res_model = 'dental.appointment'")
    # The Apps button's method, on records still within their retention: refused, nothing removed.
    refused = odoo(
        config,
        db,
        'shell',
        stdin=(
            "try:\n"
            "    env['ir.module.module'].search([('name', '=', 'dental_clinic')]).button_immediate_uninstall()\n"
            "except Exception as exc:\n"
            "    print('REFUSED:', type(exc).__name__, str(exc).splitlines()[0])\n"
        ),
    )
    with connect(options, db) as conn, conn.cursor() as cr:
        state = scalar(cr, "SELECT state FROM ir_module_module WHERE name = 'dental_clinic'")
    if 'REFUSED: UserError' not in refused or state != 'installed':
        fail(f'uninstall with records kept was not refused (state {state}): {refused.strip()[-300:]}')
    else:
        log(f'uninstall refused while records are kept: {refused.split("REFUSED: UserError ", 1)[1].strip()[:120]}…')
    log(f'uninstalling dental_clinic ({events} appointment events), allowed in Settings by an administrator')
    odoo(
        config,
        db,
        'shell',
        stdin=(
            "settings = env['res.config.settings'].create({'dental_uninstall_allowed': True})\n"
            "settings.execute()\n"
            "env['ir.module.module'].search([('name', '=', 'dental_clinic')]).button_immediate_uninstall()\n"
            "env.cr.commit()\n"
        ),
    )
    checks = {
        'module still installed': "SELECT count(*) FROM ir_module_module WHERE name LIKE 'dental\\_clinic%%' "
        "AND state != 'uninstalled'",
        'menus': "SELECT count(*) FROM ir_model_data WHERE module LIKE 'dental\\_clinic%%' AND model = 'ir.ui.menu'",
        'menus on dental actions': "SELECT count(*) FROM ir_ui_menu m JOIN ir_act_window a "
        "ON m.action = 'ir.actions.act_window,' || a.id WHERE a.res_model LIKE 'dental.%%'",
        'crons': "SELECT count(*) FROM ir_cron c JOIN ir_act_server s ON s.id = c.ir_actions_server_id "
        "WHERE s.model_name LIKE 'dental.%%'",
        'calendar events of appointments': "SELECT count(*) FROM calendar_event WHERE res_model = 'dental.appointment'",
        'sequences': "SELECT count(*) FROM ir_sequence WHERE code LIKE 'dental.%%'",
        'models': "SELECT count(*) FROM ir_model WHERE model LIKE 'dental.%%'",
        'tables': "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_name LIKE 'dental\\_%%'",
        'xml ids': "SELECT count(*) FROM ir_model_data WHERE module LIKE 'dental\\_clinic%%' "
        "AND model != 'ir.module.module'",
        'database functions': "SELECT count(*) FROM pg_proc WHERE proname LIKE 'dental\\_%%'",
        'triggers': "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'dental\\_%%'",
        'res_company columns': "SELECT count(*) FROM information_schema.columns WHERE table_name = 'res_company' "
        "AND column_name LIKE 'dental\\_%%'",
    }
    with connect(options, db) as conn, conn.cursor() as cr:
        for label, query in checks.items():
            count = scalar(cr, query)
            if count:
                fail(f'after uninstall: {count} orphan {label}')
            else:
                log(f'after uninstall: no {label}')
    log('reinstalling dental_clinic')
    odoo(config, db, '-i', 'dental_clinic')
    with connect(options, db) as conn, conn.cursor() as cr:
        state = scalar(cr, "SELECT state FROM ir_module_module WHERE name = 'dental_clinic'")
        patients = scalar(cr, 'SELECT count(*) FROM dental_patient')
        events = scalar(cr, "SELECT count(*) FROM calendar_event WHERE res_model = 'dental.appointment'")
        appointments = scalar(cr, 'SELECT count(*) FROM dental_appointment')
    if state != 'installed' or not patients or events != appointments:
        fail(f'reinstall: state {state}, {patients} patients, {appointments} appointments, {events} events')
    else:
        log(f'reinstalled: {patients} patients, {appointments} appointments with their {events} events')


if __name__ == '__main__':
    main()
