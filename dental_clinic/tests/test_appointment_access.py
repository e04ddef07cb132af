from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import AppointmentCase


@tagged('post_install', '-at_install')
class TestAppointmentAccess(AppointmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient.write({'allergies': 'Látex'})

    def test_receptionist_books_confirms_and_cancels(self):
        env = self.env(user=self.user_receptionist)
        form = Form(env['dental.appointment'])
        form.patient_id = self.patient.with_env(env)
        form.chair_id = self.chair_a.with_env(env)
        form.start = self.at(0, 9)
        appointment = form.save()
        self.assertEqual(appointment.dentist_id, self.user_dentist)
        appointment.action_confirm()
        appointment.reschedule(self.at(0, 10), self.at(0, 10, 30))
        appointment.cancel('patient', 'Changed plans')
        self.assertEqual(appointment.cancelled_by_id, self.user_receptionist)
        with self.assertRaises(AccessError):
            appointment.unlink()

    def test_receptionist_sees_alert_flag_not_details(self):
        appointment = self._book(hour=9).with_user(self.user_receptionist)
        self.assertTrue(appointment.has_medical_alert)
        with self.assertRaises(AccessError):
            appointment.read(['medical_alert'])
        form = appointment.get_views([(False, 'form')])['views']['form']['arch']
        self.assertNotIn('name="medical_alert"', form)
        self.assertIn('name="has_medical_alert"', form)
        dentist_appointment = appointment.with_user(self.user_dentist)
        self.assertIn('Látex', dentist_appointment.medical_alert)
        dentist_form = dentist_appointment.get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('name="medical_alert"', dentist_form)

    def test_employee_cannot_see_appointments(self):
        self._book(hour=9)
        with self.assertRaises(AccessError):
            self.env['dental.appointment'].with_user(self.user_employee).search([])

    def test_multi_company_isolation(self):
        calendar_other = self.calendar.copy({'company_id': self.company_other.id})
        chair_other = self.env['dental.chair'].create(
            {'name': 'Cadeira Filial', 'company_id': self.company_other.id, 'resource_calendar_id': calendar_other.id}
        )
        self.user_dentist.company_ids |= self.company_other
        patient_other = self._create_patient(name='Paciente Filial', company_id=self.company_other.id)
        other = self.env['dental.appointment'].create(
            {
                'patient_id': patient_other.id,
                'dentist_id': self.user_dentist.id,
                'chair_id': chair_other.id,
                'company_id': self.company_other.id,
                'start': self.at(0, 9),
                'duration': 1,
            }
        )
        Appointment = self.env['dental.appointment'].with_user(self.user_receptionist)
        self.assertFalse(Appointment.search([('id', '=', other.id)]))
        self.assertFalse(
            self.env['dental.chair'].with_user(self.user_receptionist).search([('id', '=', chair_other.id)])
        )
        # The dentist works in both: still impossible to book them twice at the same time.
        with self.assertRaises(ValidationError):
            self._book(hour=9, chair_id=self.chair_b.id)
