"""18.0.1.3.0: every entry of the clinical record counts towards the retention date (findings, plans,
draft notes, consents, the anamnesis, at the later of their own date and their creation): the stored
date of every patient is computed again."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    patients = env['dental.patient'].with_context(active_test=False).search([])
    env.add_to_compute(patients._fields['retention_date'], patients)
    patients.flush_recordset(['retention_date'])
