from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import AppointmentCase


class DentistScheduleCase(AppointmentCase):
    """The orthodontist (second dentist) on Tuesdays only, the first dentist on the clinic's hours."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The orthodontist (second dentist) attends on Tuesdays only.
        cls.tuesdays = cls.env['resource.calendar'].create(
            {
                'name': 'Tuesdays only',
                'tz': 'America/Sao_Paulo',
                'company_id': cls.company.id,
                'attendance_ids': [Command.clear()]
                + [
                    Command.create(
                        {'name': name, 'dayofweek': '1', 'hour_from': start, 'hour_to': stop, 'day_period': period}
                    )
                    for name, start, stop, period in (('Tue am', 8, 12, 'morning'), ('Tue pm', 13, 18, 'afternoon'))
                ],
            }
        )
        Resource = cls.env['resource.resource']
        cls.resource_ortho = Resource.create(
            {
                'name': cls.user_dentist_2.name,
                'user_id': cls.user_dentist_2.id,
                'calendar_id': cls.tuesdays.id,
                'tz': 'America/Sao_Paulo',
            }
        )
        cls.resource_dentist = Resource.create(
            {
                'name': cls.user_dentist.name,
                'user_id': cls.user_dentist.id,
                'calendar_id': cls.calendar.id,
                'tz': 'America/Sao_Paulo',
            }
        )
        cls.Appointment = cls.env['dental.appointment']
        cls.Leaves = cls.env['resource.calendar.leaves']

    def _absence(self, resource, day_from, day_to, user=None, name='Congresso', kind='congress'):
        """An absence from the start of ``day_from`` to the end of ``day_to`` (local days of the test week)."""
        return self.Leaves.with_user(user or self.user_manager).create(
            {
                'name': name,
                'dental_absence_type': kind,
                'resource_id': resource.id,
                'calendar_id': resource.calendar_id.id,
                'date_from': self.at(day_from, 0),
                'date_to': self.at(day_to, 23, 59),
            }
        )


@tagged('post_install', '-at_install')
class TestDentistSchedule(DentistScheduleCase):
    """Each dentist's own working hours and absences, through their ``resource.resource``."""

    def _count(self):
        return self.Appointment.search_count([])

    def test_receptionist_books_outside_dentist_hours_refused(self):
        receptionist_env = self.env(user=self.user_receptionist)
        before = self._count()
        # Monday: the chair is open, the orthodontist is not there.
        # Like an RPC call, the refused create is rolled back: nothing is left.
        with (
            self.assertRaisesRegex(ValidationError, 'Dr. Diego Segundo is not working or is absent'),
            self.env.cr.savepoint(),
        ):
            self._book(day=0, hour=9, dentist_id=self.user_dentist_2.id, chair_id=self.chair_b.id, env=receptionist_env)
        self.assertEqual(self._count(), before)
        tuesday = self._book(
            day=1, hour=9, dentist_id=self.user_dentist_2.id, chair_id=self.chair_b.id, env=receptionist_env
        )
        # Moving it to Wednesday is refused too, and leaves it where it was.
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            tuesday.with_user(self.user_receptionist).write({'start': self.at(2, 9), 'stop': self.at(2, 10)})
        self.assertEqual(tuesday.start, self.at(1, 9))

    def test_booking_during_absence_refused(self):
        self._absence(self.resource_dentist, 3, 4)
        receptionist_env = self.env(user=self.user_receptionist)
        before = self._count()
        with self.assertRaisesRegex(ValidationError, 'is not working or is absent'), self.env.cr.savepoint():
            self._book(day=3, hour=10, env=receptionist_env)
        self.assertEqual(self._count(), before)
        monday = self._book(day=0, hour=10, env=receptionist_env)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            monday.with_user(self.user_receptionist).reschedule(self.at(4, 10), self.at(4, 11))
        self.assertEqual(monday.start, self.at(0, 10))
        # Another dentist, free that day, can still take the patient.
        self.resource_ortho.calendar_id = self.calendar
        self._book(day=3, hour=10, dentist_id=self.user_dentist_2.id, chair_id=self.chair_b.id, env=receptionist_env)

    def test_dentist_edits_own_absence_only(self):
        own = self._absence(self.resource_dentist, 3, 3, user=self.user_dentist, name='Férias')
        own.with_user(self.user_dentist).write({'name': 'Congresso'})
        self.assertEqual(own.name, 'Congresso')
        other = self._absence(self.resource_ortho, 1, 1)
        with self.assertRaises(AccessError):
            other.with_user(self.user_dentist).write({'name': 'Hacked'})
        with self.assertRaises(AccessError):
            other.with_user(self.user_dentist).unlink()
        with self.assertRaises(AccessError):
            self._absence(self.resource_ortho, 2, 2, user=self.user_dentist)
        with self.assertRaises(AccessError):
            own.with_user(self.user_dentist).write({'resource_id': self.resource_ortho.id})
        self.assertEqual(other.name, 'Congresso')
        self.assertTrue(other.exists())
        self.assertEqual(own.resource_id, self.resource_dentist)

    def test_receptionist_reads_absences_cannot_edit(self):
        absence = self._absence(self.resource_dentist, 3, 3)
        self.assertEqual(absence.with_user(self.user_receptionist).name, 'Congresso')
        with self.assertRaises(AccessError):
            absence.with_user(self.user_receptionist).write({'name': 'Outro'})
        with self.assertRaises(AccessError):
            self._absence(self.resource_dentist, 4, 4, user=self.user_receptionist)
        self.assertEqual(absence.name, 'Congresso')

    def test_manager_edits_any_absence(self):
        absence = self._absence(self.resource_ortho, 1, 1, user=self.user_dentist_2)
        absence.with_user(self.user_manager).write({'name': 'Licença médica'})
        self.assertEqual(absence.name, 'Licença médica')
        absence.with_user(self.user_manager).unlink()
        self.assertFalse(absence.exists())

    def test_slot_finder_skips_off_days_and_absences(self):
        slots = self.Appointment.with_user(self.user_receptionist)._find_slots(
            1.0, dentist=self.user_dentist_2, date_from=self.at(0, 0), limit=10
        )
        # A Tuesday has 9 one-hour slots, the 10th is on the next Tuesday.
        self.assertTrue(all(self.at(1, 8) <= slot['start'] < self.at(2, 0) for slot in slots[:9]))
        self.assertEqual(slots[9]['start'], self.at(8, 8))
        # Absent on Monday and Tuesday: the dentist's first slot is on Wednesday.
        self._absence(self.resource_dentist, 0, 1)
        slots = self.Appointment.with_user(self.user_receptionist)._find_slots(
            1.0, dentist=self.user_dentist, date_from=self.at(0, 0), limit=3
        )
        self.assertEqual(slots[0]['start'], self.at(2, 8))
        finder = (
            self.env['dental.slot.finder']
            .with_user(self.user_receptionist)
            .create({'dentist_id': self.user_dentist_2.id, 'duration': 1.0, 'date_from': self.at(2, 0)})
        )
        finder.action_search()
        self.assertEqual(finder.line_ids[0].start, self.at(8, 8), 'the next Tuesday')

    def test_absence_over_bookings_lists_them(self):
        first = self._book(day=3, hour=9)
        second = self._book(day=4, hour=14)
        self._book(day=2, hour=9)
        absence = self._absence(self.resource_dentist, 3, 4)
        listed = absence.with_user(self.user_receptionist)
        self.assertEqual(listed.dental_appointment_ids, first | second)
        self.assertEqual(listed.dental_appointment_count, 2)
        action = listed.action_dental_view_appointments()
        self.assertEqual(self.Appointment.search(action['domain']), first | second)
        self.assertEqual(set((first | second).mapped('state')), {'scheduled'}, 'nothing is cancelled')
        # The front desk gets a to-do on each of them.
        for appointment in first | second:
            self.assertEqual(appointment.activity_ids.mapped('summary'), ['Move: the dentist is absent'])
