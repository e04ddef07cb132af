from datetime import datetime, time, timedelta

from odoo import fields
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase, tagged

from .common import always_open_calendar


@tagged('post_install', '-at_install')
class TestDentistAbsenceTour(HttpCase):
    """A vacation over booked days: the manager enters it, the front desk moves what it lists, in the browser."""

    def test_vacation_over_bookings(self):
        mail_new_test_user(
            self.env, login='absence_manager', name='Gestor Ausência', groups='dental_clinic.group_dental_manager'
        )
        receptionist = mail_new_test_user(
            self.env,
            login='absence_receptionist',
            name='Recepção Ausência',
            groups='dental_clinic.group_dental_receptionist',
        )
        dentist = mail_new_test_user(
            self.env, login='absence_dentist', name='Dra. Ausente Tour', groups='dental_clinic.group_dental_dentist'
        )
        calendar = always_open_calendar(self.env, 'Always open (absence tour)')
        self.env['resource.resource'].create(
            {'name': dentist.name, 'user_id': dentist.id, 'calendar_id': calendar.id, 'tz': calendar.tz}
        )
        chair = self.env['dental.chair'].create(
            {'name': 'Cadeira Ausência', 'resource_calendar_id': calendar.id, 'dentist_id': dentist.id}
        )
        Patient = self.env['dental.patient']
        # Noon (UTC) of the two days the vacation covers, booked by the front desk before it was known.
        appointments = (
            self.env['dental.appointment']
            .with_user(receptionist)
            .create(
                [
                    {
                        'patient_id': Patient.create({'name': name, 'is_foreigner': True}).id,
                        'dentist_id': dentist.id,
                        'chair_id': chair.id,
                        'start': datetime.combine(fields.Date.today() + timedelta(days=days), time(12, 0)),
                        'duration': 1.0,
                    }
                    for name, days in (('Paciente Um Tour', 2), ('Paciente Dois Tour', 3))
                ]
            )
        )
        self.start_tour(
            '/odoo/action-dental_clinic.dental_dentist_absence_action',
            'dental_dentist_absence_manager_tour',
            login='absence_manager',
        )
        leave = self.env['resource.calendar.leaves'].search([('name', '=', 'Férias Tour')])
        self.assertEqual(leave.dental_absence_type, 'vacation')
        self.assertEqual(leave.dental_appointment_ids, appointments)
        self.assertEqual(set(appointments.mapped('state')), {'scheduled'}, 'nothing was cancelled')

        self.start_tour(
            f'/odoo/action-dental_clinic.dental_dentist_absence_action/{leave.id}',
            'dental_dentist_absence_front_desk_tour',
            login='absence_receptionist',
        )
        self.env.invalidate_all()
        self.assertFalse(leave.dental_appointment_ids, 'none is left inside the absence')
        for appointment in appointments:
            self.assertGreaterEqual(appointment.start, leave.date_to)
            self.assertEqual(appointment.state, 'scheduled')
