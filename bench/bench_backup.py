#!/usr/bin/env python3
"""Backup and restore times (`make backup`, `make restore`) for the demo database and a bench database of
BENCH_BACKUP_PATIENTS patients (default 100,000) with BENCH_BACKUP_APPOINTMENTS past appointments (default
1,000,000), populated with the other benchmarks' helpers; each restored copy is checked row for row.

Usage: BENCH_DB=dental_clinic_bench DEMO_DB=dental_clinic python3 bench/bench_backup.py
"""

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools'))

import backup as backup_tool  # noqa: E402
import bench_appointments  # noqa: E402
import bench_search_scale  # noqa: E402
from common import BENCH_DB, bench_env, print_table  # noqa: E402

import odoo  # noqa: E402
from odoo.service import db as db_service  # noqa: E402

PATIENTS = int(os.environ.get('BENCH_BACKUP_PATIENTS', 100_000))
APPOINTMENTS = int(os.environ.get('BENCH_BACKUP_APPOINTMENTS', 1_000_000))
COUNTED = ('dental_patient', 'dental_appointment', 'dental_treatment', 'dental_clinical_note', 'ir_attachment')


def counts(dbname):
    with odoo.sql_db.db_connect(dbname).cursor() as cr:
        found = {}
        for table in COUNTED:
            cr.execute(f'SELECT count(*) FROM {table}')  # noqa: S608 - fixed table names
            found[table] = cr.fetchone()[0]
        cr.execute('SELECT pg_database_size(current_database())')
        found['size'] = cr.fetchone()[0]
        return found


def measure(dbname):
    restored = f'{dbname}_restored'
    if db_service.exp_db_exist(restored):
        db_service.exp_drop(restored)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = backup_tool.backup(dbname, folder)
        backup_s = time.perf_counter() - started
        size = os.path.getsize(path)
        started = time.perf_counter()
        backup_tool.restore(path, restored)
        restore_s = time.perf_counter() - started
    before, after = counts(dbname), counts(restored)
    db_service.exp_drop(restored)
    same = all(before[t] == after[t] for t in COUNTED)
    return [
        dbname,
        f'{before["dental_patient"]:,}',
        f'{before["dental_appointment"]:,}',
        f'{before["size"] / 2**20:,.0f} MiB',
        f'{size / 2**20:,.1f} MiB',
        f'{backup_s:.1f} s',
        f'{restore_s:.1f} s',
        'same rows' if same else f'DIFFERENT: {before} vs {after}',
    ]


def main():
    rows = []
    with bench_env() as env:
        chairs, patients = bench_appointments.setup(env)
        bench_search_scale.populate_patients(env, PATIENTS)
        bench_appointments.populate(env, chairs, patients, APPOINTMENTS)
        env.cr.commit()
    demo = os.environ.get('DEMO_DB')
    if demo and db_service.exp_db_exist(demo):
        rows.append(measure(demo))
    rows.append(measure(BENCH_DB))
    print_table(
        'make backup / make restore (Odoo ZIP: dump.sql + filestore + manifest)',
        ['database', 'patients', 'appointments', 'DB size', 'ZIP', 'backup', 'restore', 'restored copy'],
        rows,
    )


if __name__ == '__main__':
    main()
