from datetime import timedelta

from odoo import fields
from odoo.tools import SQL

from .common import AppointmentCase


class TestAppointmentAttendance(AppointmentCase):
    """At booking, the patient's visits, no-shows and late cancellations of the last 12 months."""

    def _history(self, patient, rows):
        """Book one appointment per row, then move it to the past state given (as the history would be)."""
        now = fields.Datetime.now()
        for index, (days_ago, state, late) in enumerate(rows):
            appointment = self._book(day=index % 5, hour=8 + index // 5, patient_id=patient.id)
            self.env.cr.execute(
                SQL(
                    'UPDATE dental_appointment SET start = %s, stop = %s, state = %s, is_late_cancellation = %s '
                    'WHERE id = %s',
                    now - timedelta(days=days_ago),
                    now - timedelta(days=days_ago) + timedelta(hours=1),
                    state,
                    late,
                    appointment.id,
                )
            )
        self.env.invalidate_all()

    def test_counts_of_last_twelve_months(self):
        self._history(
            self.patient,
            [
                (10, 'done', False),
                (40, 'done', False),
                (400, 'done', False),  # older than 12 months: not counted
                (20, 'no_show', False),
                (30, 'cancelled', True),
                (50, 'cancelled', False),  # cancelled in time: not counted
            ],
        )
        self._history(self.patient_2, [(5, 'no_show', False)])
        appointment = self._book(day=3, hour=15).with_user(self.user_receptionist)
        self.assertEqual(appointment.patient_done_count, 2)
        self.assertEqual(appointment.patient_no_show_count, 1)
        self.assertEqual(appointment.patient_late_cancel_count, 1)
        patient = self.patient.with_user(self.user_receptionist)
        self.assertEqual(
            (patient.attendance_done_count, patient.attendance_no_show_count, patient.attendance_late_cancel_count),
            (2, 1, 1),
        )
        other = self.patient_2.with_user(self.user_receptionist)
        self.assertEqual((other.attendance_done_count, other.attendance_no_show_count), (0, 1))

    def test_one_query_for_a_list(self):
        patients = self.patient | self.patient_2 | self._create_patient(name='Terceiro')
        appointments = self.env['dental.appointment']
        for index, patient in enumerate(patients):
            appointments |= self._book(day=4, hour=8 + index, patient_id=patient.id)
        appointments = appointments.with_user(self.user_receptionist)
        appointments.read(['patient_id'])
        self.env.invalidate_all()
        with self.assertQueryCount(4):
            appointments.read(['patient_done_count', 'patient_no_show_count', 'patient_late_cancel_count'])
