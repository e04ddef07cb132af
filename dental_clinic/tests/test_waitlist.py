from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import AppointmentCase


@tagged('post_install', '-at_install')
class TestWaitlist(AppointmentCase):
    """The short-notice list: a cancelled slot is offered to the patients it fits, and booked in one click."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient_3 = cls._create_patient(name='Terceira Paciente')
        cls.Waitlist = cls.env['dental.waitlist'].with_user(cls.user_receptionist)
        cls.long_procedure = cls.env['dental.procedure'].create(
            {'name': 'Longo', 'code': 'LONGO', 'duration': 2.0, 'company_id': cls.company.id}
        )

    def _entry(self, patient, **values):
        return self.Waitlist.create({'patient_id': patient.id, **values})

    def _cancel(self, appointment):
        appointment.with_user(self.user_receptionist).cancel('patient', 'Viagem')
        return appointment

    def test_candidates_in_waiting_order_and_activity(self):
        first = self._entry(self.patient_2)
        second = self._entry(self.patient_3)
        appointment = self._book(day=1, hour=9, env=self.env(user=self.user_receptionist))
        self._cancel(appointment)
        self.assertEqual(appointment._dental_waitlist_candidates(), first | second)
        self.assertEqual(appointment._dental_waitlist_candidates().ids, [first.id, second.id])
        self.assertEqual(appointment.waitlist_candidate_count, 2)
        activity = appointment.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_receptionist, 'whoever booked it fills it')
        self.assertIn('2', activity.summary)

    def test_what_the_entry_allows(self):
        # Tuesday 9:00, 1 hour, Dra. Denise (the first dentist).
        appointment = self._cancel(self._book(day=1, hour=9))
        cases = {
            'another dentist only': {'dentist_ids': [Command.set(self.user_dentist_2.ids)]},
            'not on Tuesdays': {'tuesday': False},
            'afternoons only': {'period': 'afternoon'},
            'list expired before': {'date_until': '2031-01-06'},
            'procedures longer than the slot': {'procedure_ids': [Command.set(self.long_procedure.ids)]},
        }
        for label, values in cases.items():
            with self.subTest(label):
                entry = self._entry(self.patient_2, **values)
                self.assertNotIn(entry, appointment._dental_waitlist_candidates())
                entry.action_withdraw()
        fits = self._entry(self.patient_2, dentist_ids=[Command.set(self.user_dentist.ids)], period='morning')
        self.assertEqual(appointment._dental_waitlist_candidates(), fits)
        # Its own patient, or a patient already booked at that time, is not offered it.
        own = self._entry(self.patient)
        self.assertEqual(appointment._dental_waitlist_candidates(), fits, 'not to the patient who cancelled')
        own.action_withdraw()
        self._book(
            day=1, hour=9, patient_id=self.patient_2.id, dentist_id=self.user_dentist_2.id, chair_id=self.chair_b.id
        )
        self.assertFalse(appointment._dental_waitlist_candidates())

    def test_book_in_one_click(self):
        entry = self._entry(self.patient_2)
        appointment = self._cancel(self._book(day=2, hour=14))
        self.assertEqual(len(appointment.activity_ids), 1, 'the front desk is asked to fill the slot')
        action = entry.with_context(dental_freed_appointment_id=appointment.id).action_book_freed_slot()
        self.assertFalse(appointment.activity_ids, 'filled: the to-do is done by itself')
        self.assertIn('Filled from the short-notice list', ' '.join(appointment.message_ids.mapped('body')))
        booked = self.env['dental.appointment'].browse(action['res_id'])
        self.assertEqual(
            (booked.patient_id, booked.start, booked.dentist_id, booked.chair_id),
            (self.patient_2, appointment.start, appointment.dentist_id, appointment.chair_id),
        )
        self.assertEqual((entry.state, entry.appointment_id), ('booked', booked))
        # Taken: nobody else gets it, and the entry is off the list.
        other = self._entry(self.patient_3)
        with self.assertRaisesRegex(UserError, 'can no longer take this slot'):
            other.with_context(dental_freed_appointment_id=appointment.id).action_book_freed_slot()
        self.assertFalse(appointment._dental_waitlist_candidates())

    def test_rules_held_by_the_server(self):
        entry = self._entry(self.patient_2)
        appointment = self._cancel(self._book(day=2, hour=14))
        with self.assertRaises(AccessError):
            entry.write({'state': 'booked'})
        with self.assertRaises(AccessError):
            self.Waitlist.create({'patient_id': self.patient_3.id, 'state': 'booked'})
        with self.assertRaises(AccessError):
            self.Waitlist.with_context(default_state='booked').create({'patient_id': self.patient_3.id})
        # Another company's front desk sees neither the entry nor the slot.
        other_desk = self.env['res.users'].create(
            {
                'name': 'Recepção Filial',
                'login': 'wl_filial',
                'company_id': self.company_other.id,
                'company_ids': [Command.set(self.company_other.ids)],
                'groups_id': [Command.set(self.env.ref('dental_clinic.group_dental_receptionist').ids)],
            }
        )
        self.assertFalse(self.env['dental.waitlist'].with_user(other_desk).search([]))
        with self.assertRaises(AccessError):
            entry.with_user(other_desk).with_context(
                dental_freed_appointment_id=appointment.id
            ).action_book_freed_slot()
        self.assertEqual(entry.state, 'waiting')

    def test_only_a_cancelled_future_slot(self):
        entry = self._entry(self.patient_2)
        appointment = self._book(day=2, hour=14)
        with self.assertRaisesRegex(UserError, 'can no longer take this slot'):
            entry.with_context(dental_freed_appointment_id=appointment.id).action_book_freed_slot()
        with self.assertRaisesRegex(UserError, 'Open the appointment whose freed slot'):
            entry.action_book_freed_slot()
        self.assertEqual(entry.state, 'waiting')

    def test_a_moved_appointment_frees_its_slot(self):
        entry = self._entry(self.patient_2)
        appointment = self._book(day=2, hour=14, env=self.env(user=self.user_receptionist))
        old_start = appointment.start
        appointment.with_user(self.user_receptionist).reschedule(self.at(3, 9), self.at(3, 10))
        self.assertEqual((appointment.freed_start, appointment.freed_chair_id), (old_start, self.chair_a))
        self.assertEqual(appointment._dental_waitlist_candidates(), entry)
        self.assertIn('freed slot', appointment.activity_ids.summary)
        action = entry.with_context(dental_freed_appointment_id=appointment.id).action_book_freed_slot()
        booked = self.env['dental.appointment'].browse(action['res_id'])
        self.assertEqual((booked.patient_id, booked.start, booked.chair_id), (self.patient_2, old_start, self.chair_a))
        self.assertEqual(appointment.start, self.at(3, 9), 'the moved appointment stays where it went')
        self.assertFalse(appointment._dental_waitlist_candidates(), 'the freed slot is taken now')
        # The freed slot is the system's to say.
        with self.assertRaises(AccessError):
            appointment.with_user(self.user_receptionist).write({'freed_start': self.at(4, 9)})
