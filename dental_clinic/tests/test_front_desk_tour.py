from datetime import datetime, time, timedelta

import pytz

from odoo import fields
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase, tagged

from .common import always_open_calendar


def local_noon_utc(day, tz_name):
    """Noon of ``day`` in the clinic's time zone, as the naive UTC datetime Odoo stores."""
    local = pytz.timezone(tz_name).localize(datetime.combine(day, time(12, 0)))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


@tagged('post_install', '-at_install')
class TestFrontDeskTour(HttpCase):
    """The receptionist's morning in the browser: register a patient, find them, book (calendar, slot finder)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receptionist = mail_new_test_user(
            cls.env,
            login='desk_receptionist',
            name='Renata Tour',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_receptionist',
        )
        cls.dentist = mail_new_test_user(
            cls.env,
            login='desk_dentist',
            name='Dra. Tour',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_dentist',
        )
        cls.other_dentist = mail_new_test_user(
            cls.env,
            login='desk_dentist_2',
            name='Dr. Outro Tour',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_dentist',
        )
        calendar = always_open_calendar(cls.env, 'Always open')
        cls.chair = cls.env['dental.chair'].create(
            {'name': 'Cadeira Tour', 'dentist_id': cls.dentist.id, 'resource_calendar_id': calendar.id, 'sequence': 1}
        )
        cls.chair_board = cls.env['dental.chair'].create(
            {'name': 'Cadeira Quadro', 'resource_calendar_id': calendar.id, 'sequence': 2}
        )
        cls.procedure = cls.env['dental.procedure'].create({'name': 'Profilaxia Tour', 'duration': 0.75})
        # On the Today board: a confirmed visit at noon UTC of the day the browser (UTC) calls today.
        cls.board_appointment = cls._board_booking(
            'Bruno Hoje Tour', datetime.combine(fields.Date.today(), time(12, 0)), 'confirmed'
        )
        # Tomorrow, in the clinic's time zone, a booking still to confirm: the board says so.
        today, tz_name = cls.env['dental.dashboard']._clinic_today()
        cls.tomorrow_appointment = cls._board_booking(
            'Carla Amanhã Tour', local_noon_utc(today + timedelta(days=1), tz_name), 'scheduled'
        )

    @classmethod
    def _board_booking(cls, patient_name, start, state):
        """A half-hour booking of a new patient with the dentist, in the Today board's chair."""
        return cls.env['dental.appointment'].create(
            {
                'patient_id': cls.env['dental.patient'].create({'name': patient_name, 'is_foreigner': True}).id,
                'dentist_id': cls.dentist.id,
                'chair_id': cls.chair_board.id,
                'start': start,
                'duration': 0.5,
                'state': state,
            }
        )

    def test_receptionist_morning(self):
        self.start_tour(
            '/odoo/action-dental_clinic.dental_patient_action', 'dental_front_desk_tour', login='desk_receptionist'
        )
        patient = self.env['dental.patient'].search([('cpf_digits', '=', '39053344705')])
        self.assertEqual(patient.name, 'Joana Conceição Tour')
        self.assertEqual(patient.mobile, '+5511987654321')
        self.assertEqual(patient.mobile_national, '(11) 98765-4321')
        calendar_booking, finder_booking = self.env['dental.appointment'].search(
            [('patient_id', '=', patient.id)], order='id'
        )
        # The calendar click: the end saved is what the form showed, one hour after the start.
        self.assertEqual(calendar_booking.stop - calendar_booking.start, timedelta(hours=1))
        self.assertEqual(calendar_booking.duration, 1.0)
        self.assertEqual(calendar_booking.dentist_id, self.dentist)
        # The slot finder: the chosen dentist, not the chair's, and the procedure's duration.
        self.assertEqual(finder_booking.dentist_id, self.other_dentist)
        self.assertEqual(finder_booking.chair_id, self.chair)
        self.assertEqual(finder_booking.procedure_ids, self.procedure)
        self.assertEqual(finder_booking.duration, 0.75)
        self.assertEqual(finder_booking.stop - finder_booking.start, timedelta(minutes=45))
        # The card moved on the Today board.
        # Through action_arrive, as the card's button: the arrival time is recorded.
        self.assertEqual(self.board_appointment.state, 'arrived')
        self.assertTrue(self.board_appointment.arrived_at)
