"""18.0.1.1.0: appointment events no longer carry the patient's name; every company has its file-number sequence."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    appointments = (
        env['dental.appointment'].with_context(active_test=False).search([('calendar_event_id', '!=', False)])
    )
    events_env = appointments._event_env().with_context(active_test=False).env
    for _chair, chair_appointments in appointments.grouped('chair_id').items():
        chair_appointments.calendar_event_id.with_env(events_env).write(
            {'name': chair_appointments[0]._calendar_event_values()['name']}
        )
    env['dental.patient']._create_file_number_sequences(env['res.company'].search([]))
