#!/usr/bin/env python3
"""Export every patient's record of a database to a folder (before an uninstall, a move, an audit).

Usage: export_clinic.py ODOO_CONF DB DIR

One ZIP per patient (JSON + PDF, as the patient's "Export Data" button makes it, and logged the same
way) under DIR/company_<id>/, and DIR/index.csv with each file's SHA-256. Committed every 20 patients.
"""

import sys
import time

import odoo

BATCH = 20


def main():
    conf, dbname, folder = sys.argv[1:4]
    odoo.tools.config.parse_config(['-c', conf, '-d', dbname, '--log-level=warn'])
    registry = odoo.modules.registry.Registry(dbname)
    started = time.monotonic()
    rows = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {'lang': 'pt_BR'})
        Patient = env['dental.patient'].with_context(active_test=False)
        patients = Patient.search([], order='company_id, id')
        for start in range(0, len(patients), BATCH):
            rows += patients[start : start + BATCH]._dental_export_to_folder(folder)
            cr.commit()
        Patient._dental_write_export_index(folder, rows)
    print(f'export-clinic: {len(rows)} patients of {dbname} in {folder} ({time.monotonic() - started:.0f} s)')


if __name__ == '__main__':
    main()
