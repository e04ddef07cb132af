from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2.errors import CheckViolation, ExclusionViolation

from odoo.addons.dental_clinic.models.dental_appointment import TRANSITIONS
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import SQL, mute_logger

from .common import AppointmentCase

ACTIONS = {
    'confirmed': 'action_confirm',
    'arrived': 'action_arrive',
    'in_progress': 'action_start',
    'done': 'action_done',
    'no_show': 'action_no_show',
}
STATES = ('scheduled', 'confirmed', 'arrived', 'in_progress', 'done', 'cancelled', 'no_show')


@tagged('post_install', '-at_install')
class TestAppointmentStates(AppointmentCase):
    def _commit_tracking(self):
        """Tracking messages are written just before commit, one per record and transaction."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _tracked(self, appointment):
        self._commit_tracking()
        return self.env['mail.tracking.value'].search(
            [('mail_message_id.model', '=', 'dental.appointment'), ('mail_message_id.res_id', '=', appointment.id)]
        )

    def test_happy_path_with_timestamps(self):
        appointment = self._book()
        self.assertEqual(appointment.state, 'scheduled')
        self._commit_tracking()
        with freeze_time('2031-01-06 12:05:00'):
            appointment.action_confirm()
            self._commit_tracking()
            appointment.action_arrive()
            self._commit_tracking()
            self.assertEqual(str(appointment.arrived_at), '2031-01-06 12:05:00')
        with freeze_time('2031-01-06 12:10:00'):
            appointment.action_start()
            self._commit_tracking()
            self.assertEqual(str(appointment.started_at), '2031-01-06 12:10:00')
        with freeze_time('2031-01-06 12:55:00'):
            appointment.action_done()
            self.assertEqual(str(appointment.done_at), '2031-01-06 12:55:00')
        self.assertEqual(appointment.state, 'done')
        tracked = self._tracked(appointment).filtered(lambda t: t.field_id.name == 'state').mapped('new_value_char')
        self.assertEqual(set(tracked), {'Confirmed', 'Arrived', 'In Progress', 'Done'})

    def test_steps_and_calendar_link_go_through_write(self):
        """Each step, and the link to the calendar event, is written through ``write`` (every override of it
        sees it), while a client's own write of a system field is still refused."""
        Appointment = type(self.env['dental.appointment'])
        with patch.object(Appointment, 'write', autospec=True, side_effect=Appointment.write) as write:
            appointment = self._book(env=self.env(user=self.user_receptionist))
            appointment.action_confirm()
            with freeze_time(appointment.start - timedelta(hours=1)):
                appointment.cancel('patient', 'Sick')
        written = [call.args[1] for call in write.call_args_list]
        self.assertIn({'calendar_event_id': appointment.calendar_event_id.id}, written)
        self.assertIn({'state': 'confirmed'}, written)
        cancel = next(vals for vals in written if vals.get('state') == 'cancelled')
        self.assertTrue(cancel['is_late_cancellation'])
        self.assertEqual(cancel['cancel_reason'], 'Sick')
        self.assertRecordValues(appointment, [{'state': 'cancelled', 'is_late_cancellation': True}])
        with self.assertRaises(AccessError):
            appointment.write({'is_late_cancellation': False})

    def test_late_cancellation_boundary(self):
        """Late means less than the company's delay before the start: exactly the delay is on time."""
        appointment = self._book()
        self.company.dental_late_cancel_hours = 24
        self.assertFalse(appointment._dental_cancelling_late(appointment.start - timedelta(hours=24)))
        self.assertTrue(appointment._dental_cancelling_late(appointment.start - timedelta(hours=24, seconds=-1)))
        with freeze_time(appointment.start - timedelta(hours=24)):
            appointment.cancel('patient', 'Travelling')
        self.assertFalse(appointment.is_late_cancellation)

    def test_every_transition(self):
        """Each action from each state: allowed exactly when the transition table says so."""
        hour = 0
        for state in STATES:
            for target, method in (*ACTIONS.items(), ('cancelled', 'cancel')):
                # A fresh appointment per pair, each in its own slot.
                appointment = self._book_in_state(state, hour)
                hour += 1
                with self.subTest(state=state, target=target):
                    call = (
                        (lambda a=appointment: a.cancel('patient', 'test'))
                        if target == 'cancelled'
                        else getattr(appointment, method)
                    )
                    if state in TRANSITIONS[target]:
                        call()
                        self.assertEqual(appointment.state, target)
                    else:
                        with self.assertRaises(UserError):
                            call()
                        self.assertEqual(appointment.state, state)

    def _book_in_state(self, state, index):
        day, slot = divmod(index, 16)
        hour = 8 + slot // 2 + (1 if slot // 2 >= 4 else 0)
        return self._book(day=day, hour=hour, minute=30 * (slot % 2), duration=0.5, state=state)

    def test_direct_write_of_state_goes_through_the_table(self):
        appointment = self._book(state='done')
        with self.assertRaises(UserError):
            appointment.write({'state': 'scheduled'})
        self.assertEqual(appointment.state, 'done')
        # A direct write of an allowed step is the step itself, time stamp included.
        other = self._book(day=1)
        with freeze_time('2031-01-07 12:01:00'):
            other.with_user(self.user_receptionist).write({'state': 'arrived'})
        self.assertEqual((other.state, str(other.arrived_at)), ('arrived', '2031-01-07 12:01:00'))

    def test_done_appointment_cannot_move(self):
        appointment = self._book(state='done')
        with self.assertRaises(UserError):
            appointment.write({'start': self.at(1, 9)})

    def test_cancel_wizard_late_and_not_late(self):
        self.company.dental_late_cancel_hours = 24
        late = self._book(day=0, hour=9)
        early = self._book(day=2, hour=9)
        with freeze_time(self.at(0, 7)):
            wizard = Form(
                self.env['dental.appointment.cancel']
                .with_user(self.user_receptionist)
                .with_context(**late.with_user(self.user_receptionist).action_open_cancel_wizard()['context'])
            )
            wizard.cancel_origin = 'patient'
            wizard.cancel_reason = 'Sick'
            self.assertTrue(wizard.is_late_cancellation)
            wizard.save().action_cancel()
            early.cancel('clinic', 'Dentist at a congress')
        self.assertEqual(late.state, 'cancelled')
        self.assertEqual(late.cancelled_by_id, self.user_receptionist)
        self.assertEqual((late.cancel_origin, late.cancel_reason), ('patient', 'Sick'))
        self.assertTrue(late.is_late_cancellation)
        self.assertFalse(early.is_late_cancellation)
        self.assertEqual(early.cancel_origin, 'clinic')

    def test_dentist_must_be_a_dentist(self):
        with self.assertRaises(ValidationError):
            self._book(dentist_id=self.user_receptionist.id)

    def test_board_columns_in_workflow_order(self):
        """Grouped by state (the front desk's Today board), every state shows, in workflow order."""
        self._book(hour=9).action_confirm()
        groups = (
            self.env['dental.appointment']
            .with_user(self.user_receptionist)
            .web_read_group([('id', '=', 0)], ['state'], ['state'])['groups']
        )
        self.assertEqual(
            [group['state'] for group in groups],
            ['scheduled', 'confirmed', 'arrived', 'in_progress', 'done', 'cancelled', 'no_show'],
        )


@tagged('post_install', '-at_install')
class TestAppointmentBooking(AppointmentCase):
    def test_overlap_same_chair_refused(self):
        self._book(hour=9, duration=1)
        with self.assertRaisesRegex(ValidationError, 'Cadeira A.*Paciente Padrão'):
            self._book(hour=9, minute=30, dentist_id=self.user_dentist_2.id, patient_id=self.patient_2.id)

    def test_overlap_same_dentist_refused(self):
        self._book(hour=9, duration=1)
        with self.assertRaisesRegex(ValidationError, 'Denise'):
            self._book(hour=9, minute=45, chair_id=self.chair_b.id, patient_id=self.patient_2.id)

    def test_overlap_on_move_refused(self):
        self._book(hour=9)
        other = self._book(hour=14)
        with self.assertRaises(ValidationError):
            other.write({'start': self.at(0, 8, 30)})

    def test_back_to_back_allowed(self):
        first = self._book(hour=9, duration=1)
        second = self._book(hour=10, duration=1, patient_id=self.patient_2.id)
        self.assertEqual(first.stop, second.start)

    def test_cancelled_and_no_show_slots_reusable(self):
        cancelled = self._book(hour=9)
        cancelled.cancel('patient', 'Travel')
        no_show = self._book(hour=11, state='no_show')
        self._book(hour=9, patient_id=self.patient_2.id)
        self._book(hour=11, patient_id=self.patient_2.id)
        self.assertEqual(no_show.state, 'no_show')

    def test_exclusion_constraint_in_database(self):
        """PostgreSQL refuses the overlap even when the Python check is skipped."""
        first = self._book(hour=9)
        self.env.flush_all()
        with mute_logger('odoo.sql_db'), self.assertRaises(ExclusionViolation), self.env.cr.savepoint():
            self.env.cr.execute(
                SQL(
                    """INSERT INTO dental_appointment (company_id, patient_id, dentist_id, chair_id, start, stop,
                                                   duration, state)
                   SELECT company_id, patient_id, %s, chair_id, start + interval '30 minutes',
                          stop + interval '30 minutes', duration, 'scheduled'
                     FROM dental_appointment WHERE id = %s""",
                    self.user_dentist_2.id,
                    first.id,
                )
            )
        with mute_logger('odoo.sql_db'), self.assertRaises(ExclusionViolation), self.env.cr.savepoint():
            self.env.cr.execute(
                SQL(
                    """INSERT INTO dental_appointment (company_id, patient_id, dentist_id, chair_id, start, stop,
                                                   duration, state)
                   SELECT company_id, patient_id, dentist_id, %s, start, stop, duration, 'confirmed'
                     FROM dental_appointment WHERE id = %s""",
                    self.chair_b.id,
                    first.id,
                )
            )

    def test_stop_after_start(self):
        with self.assertRaisesRegex(ValidationError, 'end after it starts'):
            self._book(hour=9, stop=self.at(0, 8))
        appointment = self._book(hour=9)
        self.env.flush_all()
        with mute_logger('odoo.sql_db'), self.assertRaises(CheckViolation), self.env.cr.savepoint():
            self.env.cr.execute(SQL('UPDATE dental_appointment SET stop = start WHERE id = %s', appointment.id))

    def test_working_hours_refused(self):
        cases = {
            'saturday': {'day': 5, 'hour': 9},
            'before opening': {'hour': 7, 'minute': 30},
            'over lunch': {'hour': 11, 'minute': 30},
            'after closing': {'hour': 17, 'minute': 30},
        }
        for label, values in cases.items():
            with (
                self.subTest(label),
                self.assertRaisesRegex(ValidationError, 'Cadeira A is closed'),
                self.env.cr.savepoint(),
            ):
                self._book(**values)
        self._book(hour=8)
        self._book(hour=17)

    def test_calendar_open_until_midnight(self):
        """An attendance ending at 24:00 allows a booking that ends at midnight, and the slot finder offers it."""
        self.calendar.attendance_ids.filtered(lambda a: a.dayofweek == '0' and a.hour_to == 18).hour_to = 24
        last = self._book(hour=23, duration=1)
        self.assertEqual(last.stop, self.at(1, 0))
        slots = self.env['dental.appointment']._find_slots(1.0, chair=self.chair_b, date_from=self.at(0, 23), limit=1)
        self.assertEqual(slots[0]['stop'], self.at(1, 0))

    def test_public_holiday_refused(self):
        self.env['resource.calendar.leaves'].create(
            {'name': 'Feriado', 'calendar_id': self.calendar.id, 'date_from': self.at(1, 0), 'date_to': self.at(1, 23)}
        )
        with self.assertRaises(ValidationError):
            self._book(day=1, hour=10)

    def test_form_duration_and_stop(self):
        form = Form(self.env['dental.appointment'])
        form.patient_id = self.patient
        form.chair_id = self.chair_b
        self.assertEqual(form.dentist_id, self.user_dentist_2, 'the chair proposes its dentist')
        form.start = self.at(0, 9)
        form.duration = 0.75
        self.assertEqual(form.stop, self.at(0, 9, 45))
        appointment = form.save()
        appointment.write({'stop': self.at(0, 10, 30)})
        self.assertAlmostEqual(appointment.duration, 1.5)
        appointment.write({'start': self.at(0, 14)})
        self.assertEqual(appointment.stop, self.at(0, 15, 30), 'moving keeps the duration')

    def test_reschedule_frees_old_slot(self):
        appointment = self._book(hour=9)
        TestAppointmentStates._commit_tracking(self)
        wizard = (
            self.env['dental.appointment.reschedule']
            .with_context(**appointment.action_open_reschedule_wizard()['context'])
            .create({})
        )
        self.assertEqual(wizard.start, appointment.start)
        wizard.write({'start': self.at(1, 14), 'chair_id': self.chair_b.id, 'dentist_id': self.user_dentist_2.id})
        wizard.action_reschedule()
        self.assertEqual((appointment.start, appointment.stop), (self.at(1, 14), self.at(1, 15)))
        self.assertEqual(appointment.chair_id, self.chair_b)
        self._book(hour=9, patient_id=self.patient_2.id)
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written at commit
        tracked = appointment.message_ids.tracking_value_ids.mapped('field_id.name')
        self.assertIn('start', tracked)
        self.assertIn('chair_id', tracked)
        self.assertIn('dentist_id', tracked)

    def test_reschedule_onto_busy_slot_changes_nothing(self):
        self._book(day=1, hour=9, chair_id=self.chair_b.id, dentist_id=self.user_dentist_2.id)
        appointment = self._book(hour=9)
        with self.assertRaises(ValidationError):
            appointment.reschedule(self.at(1, 9), self.at(1, 10), chair=self.chair_b)
        self.assertEqual(appointment.start, self.at(0, 9))

    def test_slot_finder(self):
        self._book(day=0, hour=9, duration=1)
        self._book(day=0, hour=10, duration=1, chair_id=self.chair_b.id, patient_id=self.patient_2.id)
        slots = self.env['dental.appointment']._find_slots(
            1.0, dentist=self.user_dentist, chair=self.chair_a, date_from=self.at(0, 8), limit=4
        )
        self.assertEqual(
            [s['start'] for s in slots],
            [self.at(0, 8), self.at(0, 11), self.at(0, 13), self.at(0, 14)],
            'busy 9-10 in the chair, 10-11 for the dentist, lunch 12-13',
        )
        self.assertEqual(slots[0]['stop'], self.at(0, 9))
        # Friday afternoon spills over the weekend onto Monday.
        slots = self.env['dental.appointment']._find_slots(
            2.0, chair=self.chair_b, date_from=self.at(4, 16, 10), limit=1
        )
        self.assertEqual(slots[0]['start'], self.at(7, 8))
        self.assertEqual(slots[0]['dentist'], self.user_dentist_2, 'the chair\'s default dentist')

    def test_slot_finder_wizard_books(self):
        finder = (
            self.env['dental.slot.finder']
            .with_user(self.user_receptionist)
            .create(
                {
                    'patient_id': self.patient.id,
                    'chair_id': self.chair_a.id,
                    'duration': 0.5,
                    'date_from': self.at(0, 8),
                }
            )
        )
        finder.action_search()
        self.assertEqual(finder.line_ids[0].start, self.at(0, 8))
        action = finder.line_ids[0].action_select()
        appointment = (
            self.env['dental.appointment']
            .with_user(self.user_receptionist)
            .with_context(**action['context'])
            .create({})
        )
        self.assertEqual((appointment.start, appointment.stop), (self.at(0, 8), self.at(0, 8, 30)))
        self.assertEqual(appointment.dentist_id, self.user_dentist)

    def test_patient_smart_buttons(self):
        with freeze_time(self.at(3, 7)):
            visit = self._book(day=0, hour=9, state='done')
            self._book(day=1, hour=9, state='no_show')
            self._book(day=2, hour=9).cancel('patient', 'x')
            upcoming = self._book(day=7, hour=9)
            self._book(day=8, hour=9)
            patient = self.patient.with_user(self.user_receptionist)
            patient.invalidate_recordset()
            self.assertEqual((patient.visit_count, patient.no_show_count, patient.cancelled_count), (1, 1, 1))
            self.assertEqual(patient.last_visit_date, visit.start)
            self.assertEqual(patient.next_appointment_start, upcoming.start)
            action = patient.action_view_next_appointments()
            self.assertEqual(
                self.env['dental.appointment'].search(action['domain']).mapped('start'), [self.at(7, 9), self.at(8, 9)]
            )


@tagged('post_install', '-at_install')
class TestAppointmentCalendar(AppointmentCase):
    def test_event_created_with_dentist_only_and_no_mail(self):
        mails_before = self.env['mail.mail'].search_count([])
        appointment = self._book(hour=9, env=self.env(user=self.user_receptionist))
        event = appointment.sudo().calendar_event_id
        self.assertTrue(event)
        self.assertEqual((event.res_model, event.res_id), ('dental.appointment', appointment.id))
        self.assertEqual((event.start, event.stop), (appointment.start, appointment.stop))
        self.assertEqual(event.user_id, self.user_dentist)
        self.assertEqual(event.partner_ids, self.user_dentist.partner_id)
        self.assertEqual(event.privacy, 'private')
        self.assertEqual(self.env['mail.mail'].search_count([]), mails_before, 'no invitation e-mail')
        self.assertFalse(appointment.activity_ids, 'no meeting activity on the appointment')
        self.assertIn(
            event,
            self.env['calendar.event']
            .with_user(self.user_dentist)
            .search([('partner_ids', 'in', self.user_dentist.partner_id.id)]),
        )

    def test_batch_create_links_each_event(self):
        appointments = self.env['dental.appointment'].create(
            [
                {
                    'patient_id': self.patient.id,
                    'dentist_id': self.user_dentist.id,
                    'chair_id': self.chair_a.id,
                    'start': self.at(0, 8 + i),
                    'duration': 1,
                }
                for i in range(3)
            ]
        )
        self.assertEqual(appointments.mapped('calendar_event_id.start'), appointments.mapped('start'))
        self.assertEqual(len(appointments.calendar_event_id), 3)

    def test_event_moved_and_cancelled_with_appointment(self):
        appointment = self._book(hour=9)
        event = appointment.calendar_event_id
        appointment.reschedule(self.at(1, 14), self.at(1, 15, 30), dentist=self.user_dentist_2, chair=self.chair_b)
        self.assertEqual((event.start, event.stop), (self.at(1, 14), self.at(1, 15, 30)))
        self.assertEqual(event.user_id, self.user_dentist_2)
        self.assertEqual(event.partner_ids, self.user_dentist_2.partner_id)
        appointment.cancel('clinic', 'Power cut')
        self.assertFalse(event.active, 'the event of a cancelled appointment is archived')

    def test_event_move_in_calendar_app_flows_back(self):
        appointment = self._book(hour=9)
        event = appointment.calendar_event_id.with_user(self.user_dentist)
        event.write({'start': self.at(0, 14), 'stop': self.at(0, 15)})
        self.assertEqual((appointment.start, appointment.stop), (self.at(0, 14), self.at(0, 15)))

    def test_event_move_in_calendar_app_checked(self):
        self._book(hour=14, patient_id=self.patient_2.id)
        appointment = self._book(hour=9)
        event = appointment.calendar_event_id.with_user(self.user_dentist)
        with self.assertRaises(ValidationError):
            event.write({'start': self.at(0, 14), 'stop': self.at(0, 15)})
        with self.assertRaises(ValidationError):
            event.write({'start': self.at(5, 9), 'stop': self.at(5, 10)})

    def test_event_delete_or_archive_refused(self):
        appointment = self._book(hour=9)
        event = appointment.calendar_event_id.with_user(self.user_dentist)
        with self.assertRaisesRegex(UserError, 'dental appointment'):
            event.unlink()
        with self.assertRaisesRegex(UserError, 'dental appointment'):
            event.action_archive()
        with self.assertRaisesRegex(UserError, 'dental appointment'):
            event.write({'allday': True})
        event.write({'description': 'Bring x-rays'})
        self.assertTrue(appointment.calendar_event_id.active)


@tagged('post_install', '-at_install', 'is_query_count')
class TestAppointmentPerformance(AppointmentCase):
    def test_create_query_count_independent_of_table_size(self):
        env = self.env(user=self.user_receptionist)
        # Warm-up: caches (views, ACLs, calendar attendances, ir.model ids) are filled.
        self._book(day=0, hour=8, duration=0.25, env=env)
        self._book(day=0, hour=8, minute=15, duration=0.25, env=env)
        with self.assertQueryCount(QUERIES_PER_CREATE):
            self._book(day=0, hour=8, minute=30, duration=0.25, env=env)
        # Many more appointments in the table, for other chairs and dentists.
        self.env['dental.appointment'].create(
            [
                {
                    'patient_id': self.patient_2.id,
                    'dentist_id': self.user_dentist_2.id,
                    'chair_id': self.chair_b.id,
                    'start': self.at(week * 7 + day, hour),
                    'duration': 1,
                    'state': 'done',
                }
                for week in range(40)
                for day in range(5)
                for hour in (8, 9, 10, 11, 13, 14, 15, 16, 17)
            ]
        )
        self._book(day=0, hour=9, duration=0.25, env=env)
        with self.assertQueryCount(QUERIES_PER_CREATE):
            self._book(day=0, hour=9, minute=15, duration=0.25, env=env)

    def test_calendar_week_query_count_independent_of_bookings(self):
        """The week as the calendar view asks for it: the same few queries for 2 or 72 bookings of many patients,
        none per booking (display name, patient, chair, dentist, medical alert, strike and hatch styles)."""
        patients = self.env['dental.patient'].create([{'name': f'Paciente Semana {n}'} for n in range(12)])
        patients[:6].allergies = 'Penicilina'
        env = self.env(user=self.user_receptionist)
        Appointment = env['dental.appointment'].with_context(tz='America/Sao_Paulo', lang='en_US')
        fields = [
            'display_name',
            'start',
            'stop',
            'chair_id',
            'patient_id',
            'dentist_id',
            'state',
            'has_medical_alert',
            'is_striked',
            'is_hatched',
        ]

        def week(first_day, warm=True):
            # As the calendar sends it: the week's range in UTC, Sunday 00:00 to Saturday 23:59:59 in São Paulo.
            domain = [('start', '<=', self.at(first_day + 5, 23, 59)), ('stop', '>=', self.at(first_day - 1, 0))]
            self.env.invalidate_all()
            if not warm:
                return Appointment.search_read(domain, fields)
            with self.assertQueryCount(QUERIES_CALENDAR_WEEK):
                return Appointment.search_read(domain, fields)

        self._book(day=7, hour=9, patient_id=patients[0].id)
        self._book(day=8, hour=9, chair_id=self.chair_b.id, dentist_id=self.user_dentist_2.id)
        week(7, warm=False)  # caches of the access rules and of the fields filled
        self.assertEqual(len(week(7)), 2)
        self.env['dental.appointment'].create(
            [
                {
                    'patient_id': patients[(day * 8 + hour + chair) % 12].id,
                    'dentist_id': dentist.id,
                    'chair_id': chair_record.id,
                    'start': self.at(day, hour),
                    'duration': 1,
                    'state': ('scheduled', 'confirmed', 'cancelled', 'no_show')[hour % 4],
                }
                for day in range(5)
                for hour in (8, 9, 10, 11, 13, 14, 15)
                for chair, (chair_record, dentist) in enumerate(
                    ((self.chair_a, self.user_dentist), (self.chair_b, self.user_dentist_2))
                )
            ]
        )
        rows = week(0)
        self.assertEqual(len(rows), 70)
        self.assertEqual(len(week(7)), 2)
        by_state = {row['state']: row for row in rows}
        self.assertEqual(
            {state: (row['is_striked'], row['is_hatched']) for state, row in by_state.items()},
            {
                'scheduled': (False, True),
                'confirmed': (False, False),
                'cancelled': (True, False),
                'no_show': (True, False),
            },
        )
        for row in rows:
            self.assertEqual(row['display_name'], row['patient_id'][1])
            self.assertEqual(row['has_medical_alert'], row['patient_id'][0] in patients[:6].ids, row)


# One of them looks up the dentist's own schedule (their resource.resource); one the short-notice offers still
# open on the booked time (they expire: the slot is taken).
QUERIES_PER_CREATE = 12
# The appointments, the user's companies (record rules), then once each: the patients and their partners (names,
# medical alert), the chairs, the dentists and their partners.
QUERIES_CALENDAR_WEEK = 7
