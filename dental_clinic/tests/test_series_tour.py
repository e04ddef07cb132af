from datetime import datetime, time, timedelta

from odoo import fields
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase, tagged

from .common import always_open_calendar


@tagged('post_install', '-at_install')
class TestSeriesTour(HttpCase):
    """The receptionist repeats an appointment every 4 weeks, 12 visits, in the browser."""

    def test_repeat_every_four_weeks(self):
        receptionist = mail_new_test_user(
            self.env,
            login='series_receptionist',
            name='Recepção Série',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_receptionist',
        )
        dentist = mail_new_test_user(
            self.env, login='series_dentist', name='Dra. Série', groups='dental_clinic.group_dental_dentist'
        )
        chair = self.env['dental.chair'].create(
            {'name': 'Cadeira Série', 'resource_calendar_id': always_open_calendar(self.env).id}
        )
        procedure = self.env['dental.procedure'].create({'name': 'Manutenção ortodôntica Tour', 'duration': 0.5})
        appointment = (
            self.env['dental.appointment']
            .with_user(receptionist)
            .create(
                {
                    'patient_id': self.env['dental.patient'].create({'name': 'Paciente Série Tour'}).id,
                    'dentist_id': dentist.id,
                    'chair_id': chair.id,
                    'start': datetime.combine(fields.Date.today() + timedelta(days=1), time(13, 0)),
                    'procedure_ids': [fields.Command.set(procedure.ids)],
                }
            )
        )
        self.start_tour(
            f'/odoo/action-dental_clinic.dental_appointment_action/{appointment.id}',
            'dental_series_tour',
            login='series_receptionist',
        )
        series = appointment.series_id
        self.assertTrue(series)
        visits = series.appointment_ids.sorted('start')
        self.assertEqual(len(visits), 12)
        self.assertEqual(visits.mapped('start'), [appointment.start + timedelta(weeks=4 * n) for n in range(12)])
        self.assertEqual(visits.create_uid, receptionist)
        self.assertEqual(visits.procedure_ids, procedure)
