"""Backups that restore: `make backup` of a clinic's database and `make restore` under another name give
the same records row for row, the attachments' files, a clean integrity chain, and no reminder sent twice;
a neutralised copy never writes to a patient.

The source is a copy of the test database (demo data) with what a clinic accumulates added and committed:
a signed note, a consent, a file attached to a patient, a reminder already queued.
"""

import hashlib
import os
import subprocess
import sys
import textwrap

import psycopg2
import pytest
from psycopg2 import sql

import odoo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE, RESTORED, NEUTRALISED = 'dental_backup_source', 'dental_backup_restored', 'dental_backup_neutralised'

# Added to the source and committed, as superuser (odoo shell): returns nothing, prints ids.
POPULATE = textwrap.dedent("""
    import sys
    from datetime import timedelta
    from odoo import fields
    sys.path.insert(0, 'bench')
    from common import always_open_calendar
    now = fields.Datetime.now().replace(microsecond=0)
    dentist = env.ref('dental_clinic.user_dentist_1')
    patient = env.ref('dental_clinic.patient_ana_souza')
    note = env['dental.clinical.note'].with_user(dentist).create(
        {'patient_id': patient.id, 'body': '<p>Restauração 16 O.</p>'})
    note.action_sign()
    env['dental.consent'].create({'patient_id': patient.id, 'consent_type': 'email'})
    env['ir.attachment'].create({'name': 'panoramica.txt', 'raw': b'radiografia panoramica ' * 100,
                                 'res_model': 'dental.patient', 'res_id': patient.id})
    calendar = always_open_calendar(env, 'Sempre aberto')
    chair = env['dental.chair'].create({'name': 'Cadeira Backup', 'resource_calendar_id': calendar.id})
    patient.company_id.write({'dental_quiet_hour_start': 0.0, 'dental_quiet_hour_end': 0.0})
    appointment = env['dental.appointment'].create({'patient_id': patient.id, 'dentist_id': dentist.id,
        'chair_id': chair.id, 'start': now + timedelta(hours=30), 'duration': 1.0})
    claimed, _selected, _last = env['dental.reminder']._claim_due(now, 500)
    claimed._process_claimed(now)
    env.cr.commit()
    mails = env['mail.mail'].search_count([('model', '=', 'dental.reminder'), ('res_id', 'in', claimed.ids)])
    print('SOURCE CLAIMED', len(claimed.filtered(lambda r: r.appointment_id == appointment)), 'MAILS', mails)
""")

# Run on a restored copy: the reminders' scheduled work again; prints what it queued and what it verified.
RERUN = textwrap.dedent("""
    from odoo import fields
    now = fields.Datetime.now().replace(microsecond=0)
    before = env['mail.mail'].search_count([])
    claimed, _selected, _last = env['dental.reminder']._claim_due(now, 500)
    claimed._process_claimed(now)
    env.flush_all()
    print('CLAIMED', len(claimed), 'QUEUED', env['mail.mail'].search_count([]) - before)
    problems = env['dental.integrity.chain']._verify()
    print('PROBLEMS', len(problems))
    env.cr.rollback()
""")


def run(*args, stdin=None, check=True):
    result = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=900, cwd=ROOT)
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def make(target, conf, *variables, check=True):
    """A target of the README's Makefile, with this interpreter and the test's configuration."""
    return run(
        'make', '--no-print-directory', target, *variables, f'CONF={conf}', f'PYTHON={sys.executable}', check=check
    )


def backup(conf, dbname, folder):
    """`make backup`; the path of the ZIP it wrote."""
    return make('backup', conf, f'DB={dbname}', f'BACKUP_DIR={folder}').stdout.split(' -> ')[1].split(' (')[0]


def shell(conf, dbname, code):
    return run(
        sys.executable, '-m', 'odoo', 'shell', '-c', conf, '-d', dbname, '--log-level=warn', '--no-http', stdin=code
    ).stdout


def drop(*names):
    conn = psycopg2.connect(dbname='postgres')
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            for name in names:
                cr.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(sql.Identifier(name)))
    finally:
        conn.close()
    for name in names:
        path = odoo.tools.config.filestore(name)
        if os.path.isdir(path):
            subprocess.run(['rm', '-rf', path], check=True)


def table_digests(dbname):
    """Every dental table (and the attachments, messages and mails of dental records): rows and a hash of them."""
    digests = {}
    with psycopg2.connect(dbname=dbname) as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' AND table_name LIKE 'dental\\_%' ORDER BY table_name"
        )
        tables = [name for (name,) in cr.fetchall()]
        for table in tables:
            cr.execute(
                sql.SQL('SELECT count(*), md5(string_agg(md5(t::text), \'\' ORDER BY md5(t::text))) FROM {} t').format(
                    sql.Identifier(table)
                )
            )
            digests[table] = cr.fetchone()
        for table, model_column in (('ir_attachment', 'res_model'), ('mail_message', 'model'), ('mail_mail', None)):
            where = sql.SQL('WHERE {} LIKE %s').format(sql.Identifier(model_column)) if model_column else sql.SQL('')
            cr.execute(
                sql.SQL(
                    'SELECT count(*), md5(string_agg(md5(t::text), \'\' ORDER BY md5(t::text))) FROM {} t {}'
                ).format(sql.Identifier(table), where),
                ['dental.%'] if model_column else [],
            )
            digests[table] = cr.fetchone()
    return digests


def stored_files(dbname):
    with psycopg2.connect(dbname=dbname) as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT store_fname, checksum FROM ir_attachment "
            "WHERE store_fname IS NOT NULL AND res_model LIKE 'dental.%'"
        )
        return cr.fetchall()


@pytest.fixture(scope='module')
def conf(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('conf') / 'odoo.conf')
    make('preflight', path)
    yield path
    drop(SOURCE, RESTORED, NEUTRALISED)


def test_backup_restores_everything_and_sends_nothing_twice(conf, tmp_path):
    drop(SOURCE, RESTORED, NEUTRALISED)
    test_db = odoo.tools.config['db_name']
    # The source: the test database (demo data) restored from its own backup, then a clinic's day added.
    make('restore', conf, f'FILE={backup(conf, test_db, tmp_path / "a")}', f'DB={SOURCE}')
    populated = shell(conf, SOURCE, POPULATE)
    claimed, mails = (int(n) for n in populated.split('SOURCE CLAIMED ')[1].split()[::2][:2])
    assert claimed >= 1 and mails >= 1, populated
    source_digests, source_files = table_digests(SOURCE), stored_files(SOURCE)
    assert source_digests['dental_reminder'][0] >= 1 and source_digests['mail_mail'][0] >= 1
    assert source_files, 'an attachment in the filestore'

    path = backup(conf, SOURCE, tmp_path / 'b')
    assert os.path.basename(path).startswith(f'{SOURCE}_') and path.endswith('.zip')
    make('restore', conf, f'FILE={path}', f'DB={RESTORED}')

    # Row for row, every dental table, the attachments, messages and mails of dental records.
    assert table_digests(RESTORED) == source_digests
    # The files themselves, byte for byte (the filestore's name is the content's SHA-1).
    filestore = odoo.tools.config.filestore(RESTORED)
    for store_fname, checksum in source_files:
        with open(os.path.join(filestore, store_fname), 'rb') as file:
            assert hashlib.sha1(file.read()).hexdigest() == checksum
    # The reminder already queued in the source is not queued again; the chain verifies.
    rerun = shell(conf, RESTORED, RERUN)
    assert 'CLAIMED 0 QUEUED 0' in rerun, rerun
    assert 'PROBLEMS 0' in rerun, rerun

    # A test copy: neutralised, nothing can reach a patient.
    make('restore', conf, f'FILE={path}', f'DB={NEUTRALISED}', 'NEUTRALIZE=1')
    with psycopg2.connect(dbname=NEUTRALISED) as conn, conn.cursor() as cr:
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = 'database.is_neutralized'")
        assert cr.fetchone()[0] == 'true'
        cr.execute("SELECT count(*) FROM dental_reminder_rule WHERE active")
        assert cr.fetchone()[0] == 0
        cr.execute(
            "SELECT count(*) FROM ir_cron c JOIN ir_act_server s ON s.id = c.ir_actions_server_id "
            "WHERE s.model_name LIKE 'dental.%%' AND c.active"
        )
        assert cr.fetchone()[0] == 0


def test_restore_refuses_an_existing_database(conf, tmp_path):
    test_db = odoo.tools.config['db_name']
    result = make('restore', conf, f'FILE={tmp_path}/none.zip', f'DB={test_db}', check=False)
    assert result.returncode != 0 and 'no backup file' in result.stderr
    (tmp_path / 'some.zip').write_bytes(b'PK')
    result = make('restore', conf, f'FILE={tmp_path}/some.zip', f'DB={test_db}', check=False)
    assert result.returncode != 0 and 'exists already' in result.stderr
