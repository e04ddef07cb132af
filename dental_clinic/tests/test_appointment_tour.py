from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase, tagged

from .common import always_open_calendar


@tagged('post_install', '-at_install')
class TestAppointmentTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receptionist = mail_new_test_user(
            cls.env,
            login='tour_receptionist',
            name='Rita Tour',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_receptionist',
        )
        cls.dentist = mail_new_test_user(
            cls.env,
            login='tour_dentist',
            name='Dra. Tour',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_dentist',
        )
        # Open every day, all day: the tour clicks a slot in whatever week it is run.
        calendar = always_open_calendar(cls.env, 'Always open')
        cls.chair = cls.env['dental.chair'].create(
            {'name': 'Cadeira Tour', 'dentist_id': cls.dentist.id, 'resource_calendar_id': calendar.id}
        )
        cls.patient = cls.env['dental.patient'].create({'name': 'Paciente Tour', 'is_foreigner': True})
        cls.procedure = cls.env['dental.procedure'].create({'name': 'Profilaxia Tour', 'duration': 0.75})

    def test_receptionist_books_from_calendar_and_confirms(self):
        self.start_tour(
            '/odoo/action-dental_clinic.dental_appointment_action',
            'dental_appointment_book_tour',
            login='tour_receptionist',
        )
        appointment = self.env['dental.appointment'].search([('patient_id', '=', self.patient.id)])
        self.assertEqual(len(appointment), 1)
        self.assertEqual(appointment.state, 'confirmed')
        self.assertEqual(appointment.chair_id, self.chair)
        self.assertEqual(appointment.dentist_id, self.dentist)
        self.assertEqual(appointment.create_uid, self.receptionist)
        self.assertTrue(appointment.calendar_event_id)
        self.assertEqual(appointment.procedure_ids, self.procedure)
        self.assertEqual(appointment.duration, 0.75)
        self.assertEqual((appointment.stop - appointment.start).total_seconds(), 45 * 60)
