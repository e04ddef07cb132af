from datetime import date

from odoo.tests import tagged

from .common import AppointmentCase


@tagged('post_install', '-at_install')
class TestClinicTimeZone(AppointmentCase):
    """One time zone for the clinic (the chair's working hours, else the company's), whoever looks."""

    def test_chair_then_company_never_the_user(self):
        self.user_receptionist.tz = 'Asia/Tokyo'
        # Monday 23:30 in São Paulo is Tuesday 02:30 UTC and Tuesday 11:30 in Tokyo.
        appointment = (
            self.env['dental.appointment']
            .with_context(dental_allow_outside_hours=True)
            .create(
                {
                    'patient_id': self.patient.id,
                    'dentist_id': self.user_dentist.id,
                    'chair_id': self.chair_a.id,
                    'start': self.at(0, 23, 30),
                    'duration': 0.5,
                }
            )
        )
        as_receptionist = appointment.with_user(self.user_receptionist)
        self.assertEqual(as_receptionist._dental_tz(), 'America/Sao_Paulo')
        self.assertEqual(as_receptionist._local_date(), date(2031, 1, 6))
        self.assertEqual(as_receptionist._dental_message_values()['local_time'], '23:30')
        self.company.resource_calendar_id.tz = 'Europe/Lisbon'
        self.assertEqual(self.company._dental_tz(), 'Europe/Lisbon')
        self.assertEqual(self.chair_a._dental_tz(), 'America/Sao_Paulo', 'the chair\'s hours first')
        quiet = self.env['dental.reminder']._quiet_chair_ids(self.at(0, 23, 30))
        self.assertIn(self.chair_a.id, quiet, '23:30 in São Paulo is in the quiet hours (21:00-08:00)')
        self.assertNotIn(self.chair_a.id, self.env['dental.reminder']._quiet_chair_ids(self.at(0, 12)))
