# The race test commits on purpose (two connections must see the shared data), and cleans up.
# pylint: disable=invalid-commit
import threading
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.addons.dental_clinic.models.dental_appointment import DentalAppointment
from odoo.addons.dental_clinic.models.dental_roles import RECEPTIONIST_GROUP
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AppointmentCase, always_open_calendar
from .concurrency import RACE_TIMEOUT, ConcurrencyCase, backend_pid

FOUR_WEEKS = timedelta(weeks=4)


@tagged('post_install', '-at_install')
class TestAppointmentSeries(AppointmentCase):
    """Repeating an appointment every N weeks: preview, proposals, booking all or nothing, and then moving or
    cancelling "this and the following" visits; each rule as each role, over the calls a client can make."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.procedure = cls.env['dental.procedure'].create({'name': 'Manutenção ortodôntica', 'duration': 1.0})
        cls.Series = cls.env['dental.appointment.series']
        cls.Wizard = cls.env['dental.appointment.series.wizard']
        # Proposals may be in any chair of the clinic: only the test's two (whatever demo data there is).
        cls.env['dental.chair'].search([('id', 'not in', (cls.chair_a | cls.chair_b).ids)]).active = False

    def _first(self, user=None, **values):
        values.setdefault('procedure_ids', [Command.set(self.procedure.ids)])
        return self._book(day=0, hour=9, env=(self.env(user=user) if user else None), **values)

    def _wizard(self, appointment, user=None, **values):
        values.setdefault('interval_weeks', 4)
        values.setdefault('count', 6)
        Wizard = self.Wizard.with_user(user) if user else self.Wizard
        return Wizard.with_context(**appointment.action_open_series_wizard()['context']).create(values)

    def _holiday(self, day):
        self.env['resource.calendar.leaves'].create(
            {
                'name': 'Feriado',
                'calendar_id': self.calendar.id,
                'date_from': self.at(day, 0),
                'date_to': self.at(day, 23),
            }
        )

    def _repeat(self, appointment, user=None, **values):
        """Preview and book; returns the series."""
        wizard = self._wizard(appointment, user=user, **values)
        wizard.action_preview()
        action = wizard.action_book()
        return self.Series.browse(action['res_id'])

    # ------------------------------------------------------------------
    # Booking
    # ------------------------------------------------------------------

    def test_series_books_every_n_weeks_at_the_same_time(self):
        first = self._first(user=self.user_receptionist)
        wizard = self._wizard(first, user=self.user_receptionist)
        wizard.action_preview()
        self.assertEqual(wizard.state, 'preview')
        self.assertEqual(wizard.line_ids.mapped('sequence'), [2, 3, 4, 5, 6])
        self.assertEqual(wizard.line_ids.mapped('start'), [first.start + FOUR_WEEKS * n for n in range(1, 6)])
        self.assertEqual(set(wizard.line_ids.mapped('status')), {'ok'})
        self.assertEqual(wizard.book_count, 5)
        action = wizard.action_book()
        series = self.Series.with_user(self.user_receptionist).browse(action['res_id'])
        visits = series.appointment_ids.sorted('start')
        self.assertEqual(len(visits), 6)
        self.assertEqual(series.appointment_count, 6)
        self.assertEqual(visits[0], first)
        self.assertEqual(visits.mapped('start'), [first.start + FOUR_WEEKS * n for n in range(6)])
        for visit in visits[1:]:
            self.assertEqual(visit.patient_id, first.patient_id)
            self.assertEqual(visit.dentist_id, first.dentist_id)
            self.assertEqual(visit.chair_id, first.chair_id)
            self.assertEqual(visit.procedure_ids, self.procedure)
            self.assertEqual(visit.duration, 1.0)
            self.assertEqual(visit.state, 'scheduled')
            self.assertEqual(visit.create_uid, self.user_receptionist)
            self.assertTrue(visit.calendar_event_id, 'a normal booking, mirrored in the dentist\'s calendar')
        self.assertEqual(
            (series.patient_id, series.dentist_id, series.chair_id, series.interval_weeks, series.count),
            (first.patient_id, first.dentist_id, first.chair_id, 4, 6),
        )
        self.assertEqual(series.company_id, first.company_id)
        with self.assertRaisesRegex(UserError, 'already part of a series'):
            first.with_user(self.user_receptionist).action_open_series_wizard()

    def test_series_until_a_date(self):
        first = self._first()
        series = self._repeat(first, end_type='until', until_date=(first.start + timedelta(weeks=13)).date())
        self.assertEqual(len(series.appointment_ids), 4, 'weeks 0, 4, 8 and 12; week 16 is after the end')
        self.assertEqual(series.until_date, (first.start + timedelta(weeks=13)).date())

    def test_conflicts_get_the_nearest_free_slot(self):
        first = self._first()
        # Visit 2: chair A taken at 9:00 by another dentist, chair B is free at the same time.
        self._book(day=28, hour=9, duration=0.5, patient_id=self.patient_2.id, dentist_id=self.user_dentist_2.id)
        # Visit 3: the dentist is busy 9:00-9:30 in chair B (whose own dentist is away): 9:30 in chair A.
        self._book(day=56, hour=9, duration=0.5, patient_id=self.patient_2.id, chair_id=self.chair_b.id)
        # Visit 4: a public holiday all day: Tuesday at 9:00, the nearest day.
        self._holiday(84)
        wizard = self._wizard(first, user=self.user_receptionist, count=5)
        wizard.action_preview()
        lines = wizard.line_ids
        self.assertEqual(lines.mapped('status'), ['conflict', 'conflict', 'conflict', 'ok'])
        self.assertIn('Cadeira A', lines[0].reason)
        self.assertIn(self.user_dentist.name, lines[1].reason)
        self.assertIn('closed', lines[2].reason)
        proposals = [(line.proposed_start, line.proposed_chair_id) for line in lines[:3]]
        self.assertEqual(
            proposals,
            [(self.at(28, 9), self.chair_b), (self.at(56, 9, 30), self.chair_a), (self.at(85, 9), self.chair_a)],
        )
        self.assertEqual(lines.mapped('decision'), ['proposal', 'proposal', 'proposal', 'book'])
        series = wizard.action_book() and first.series_id
        self.assertEqual(
            series.appointment_ids.sorted('start').mapped('start'),
            [self.at(0, 9), self.at(28, 9), self.at(56, 9, 30), self.at(85, 9), self.at(112, 9)],
        )
        self.assertEqual(series.appointment_ids.sorted('start')[1].chair_id, self.chair_b)

    def test_dentist_absence_is_a_conflict(self):
        first = self._first()
        resource = self.env['resource.resource'].create(
            {
                'name': self.user_dentist.name,
                'user_id': self.user_dentist.id,
                'calendar_id': self.calendar.id,
                'tz': 'America/Sao_Paulo',
            }
        )
        self.env['resource.calendar.leaves'].create(
            {
                'name': 'Congresso',
                'resource_id': resource.id,
                'calendar_id': self.calendar.id,
                'date_from': self.at(28, 0),
                'date_to': self.at(28, 23, 59),
            }
        )
        wizard = self._wizard(first, user=self.user_receptionist, count=3)
        wizard.action_preview()
        absent, free = wizard.line_ids
        self.assertEqual((absent.status, free.status), ('conflict', 'ok'))
        self.assertIn('absent', absent.reason)
        self.assertEqual((absent.proposed_start, absent.proposed_chair_id), (self.at(29, 9), self.chair_a))

    def test_skip_and_refuse_booking_a_conflict_as_asked(self):
        first = self._first()
        self._book(day=28, hour=9, patient_id=self.patient_2.id)
        wizard = self._wizard(first, count=4)
        wizard.action_preview()
        conflict = wizard.line_ids[0]
        self.assertEqual(conflict.status, 'conflict')
        conflict.decision = 'book'
        with self.assertRaisesRegex(UserError, 'Visit 2 .* is not free as asked'):
            wizard.action_book()
        conflict.decision = 'skip'
        self.assertEqual(wizard.book_count, 2)
        wizard.action_book()
        self.assertEqual(
            first.series_id.appointment_ids.sorted('start').mapped('start'),
            [self.at(0, 9), self.at(56, 9), self.at(84, 9)],
        )

    def test_a_slot_taken_since_the_preview_books_nothing(self):
        """Chosen: the whole booking fails with the dates taken, nothing is written, the desk previews again."""
        first = self._first()
        wizard = self._wizard(first)
        wizard.action_preview()
        self.assertEqual(set(wizard.line_ids.mapped('status')), {'ok'})
        before = self.env['dental.appointment'].search_count([])
        # Another desk books visit 4's time meanwhile.
        self._book(day=84, hour=9, chair_id=self.chair_b.id, patient_id=self.patient_2.id)
        with self.assertRaisesRegex(ValidationError, 'Nothing was booked: .*\n.*already has an appointment.*\nPreview'):
            wizard.action_book()
        self.assertEqual(self.env['dental.appointment'].search_count([]), before + 1)
        self.assertFalse(first.series_id)
        self.assertFalse(self.Series.search([('patient_id', '=', first.patient_id.id)]))
        # Previewing again shows it, with a proposal.
        wizard.action_preview()
        self.assertEqual(wizard.line_ids.mapped('status'), ['ok', 'ok', 'conflict', 'ok', 'ok'])
        wizard.action_book()
        self.assertEqual(len(first.series_id.appointment_ids), 6)

    @mute_logger('odoo.sql_db')
    def test_a_true_race_books_nothing(self):
        """A booking no check can see yet (not committed): the exclusion constraint refuses the whole set."""
        first = self._first()
        wizard = self._wizard(first)
        wizard.action_preview()
        self._book(day=84, hour=9, chair_id=self.chair_b.id, patient_id=self.patient_2.id)
        before = self.env['dental.appointment'].search_count([])
        no_problem = lambda self, slots: [False] * len(slots)  # noqa: E731 - what the checks see in a race
        with (
            patch.object(DentalAppointment, '_dental_slot_problems', no_problem),
            patch.object(DentalAppointment, '_check_slots_free', lambda self, slots: None),
            self.assertRaises(ValidationError) as caught,
        ):
            wizard.action_book()
        self.assertRegex(str(caught.exception), 'Nothing was booked: .*just booked by someone else')
        self.assertEqual(self.env['dental.appointment'].search_count([]), before)
        self.assertFalse(first.series_id)

    def test_bounds(self):
        first = self._first()
        for values, message in (
            ({'count': 105}, 'A series has 2 to 104 visits'),
            ({'count': 1}, 'A series has 2 to 104 visits'),
            ({'interval_weeks': 0}, 'Repeat every 1 to 52 weeks'),
            ({'interval_weeks': -4}, 'Repeat every 1 to 52 weeks'),
            ({'end_type': 'until', 'until_date': '2034-01-07'}, 'at most 3 years'),
            ({'end_type': 'until', 'until_date': '2030-12-31'}, 'end date after the first visit'),
            ({'end_type': 'until', 'interval_weeks': 1, 'until_date': '2033-01-06'}, 'at most 104'),
        ):
            with self.subTest(values=values), self.assertRaisesRegex(ValidationError, message):
                self._wizard(first, user=self.user_receptionist, **values).action_preview()
        self.assertEqual(len(self._wizard(first, end_type='until', until_date='2034-01-06')._occurrence_starts()), 39)

    def test_same_time_of_day_across_daylight_saving(self):
        """Local time is kept where the clinic is, even when its offset from UTC changes."""
        calendar = always_open_calendar(self.env, 'Lisboa', tz='Europe/Lisbon')
        chair = self.env['dental.chair'].create({'name': 'Cadeira Lisboa', 'resource_calendar_id': calendar.id})
        first = self._book(day=60, hour=6, chair_id=chair.id)  # 2031-03-07 09:00 UTC = 09:00 in Lisbon (winter)
        starts = self._wizard(first, interval_weeks=4, count=2)._occurrence_starts()
        self.assertEqual(starts, [first.start + FOUR_WEEKS - timedelta(hours=1)], '09:00 in Lisbon in summer time')

    def test_booking_24_visits_query_count(self):
        first = self._first()
        wizard = self._wizard(first, count=25)
        wizard.action_preview()
        self.env.flush_all()
        self.env.invalidate_all()
        # 42 when written: a fixed number of batched queries, none per visit (24 would exceed the bound).
        with self.assertQueryCount(__system__=50):
            wizard.action_book()
            self.env.flush_all()
        self.assertEqual(len(first.series_id.appointment_ids), 25)

    # ------------------------------------------------------------------
    # This and the following
    # ------------------------------------------------------------------

    def _reschedule(self, appointment, user, scope, **values):
        Reschedule = self.env['dental.appointment.reschedule'].with_user(user)
        wizard = Reschedule.with_context(**appointment.action_open_reschedule_wizard()['context']).create({})
        wizard.write(dict(values, series_scope=scope))
        return wizard.action_reschedule()

    def test_move_this_and_the_following(self):
        first = self._first()
        visits = self._repeat(first).appointment_ids.sorted('start')
        third = visits[2]
        self._reschedule(third, self.user_receptionist, 'following', start=third.start + timedelta(hours=2))
        self.assertEqual(visits[:2].mapped('start'), [self.at(0, 9), self.at(28, 9)], 'earlier visits stay')
        self.assertEqual(
            visits[2:].mapped('start'), [self.at(day, 11) for day in (56, 84, 112, 140)], 'each moves by 2 h'
        )
        self.assertTrue(all(visit.stop - visit.start == timedelta(hours=1) for visit in visits))
        # Only this one.
        self._reschedule(visits[3], self.user_receptionist, 'this', start=self.at(85, 14))
        self.assertEqual(visits[3:].mapped('start'), [self.at(85, 14), self.at(112, 11), self.at(140, 11)])

    def test_move_following_refused_names_every_date(self):
        first = self._first()
        visits = self._repeat(first).appointment_ids.sorted('start')
        self._book(day=84, hour=14, patient_id=self.patient_2.id)  # in the way of visit 4
        self._holiday(140)
        with self.assertRaises(ValidationError) as caught:
            self._reschedule(visits[1], self.user_receptionist, 'following', start=self.at(28, 14))
        message = str(caught.exception)
        self.assertIn('Nothing was moved', message)
        when = visits[3].with_user(self.user_receptionist)._format_datetime(self.at(84, 14), tz='America/Sao_Paulo')
        self.assertIn(when, message)
        self.assertEqual(message.count('\n'), 2, 'visit 4 (taken) and visit 6 (holiday), one line each')
        self.assertEqual(visits.mapped('start'), [self.at(day, 9) for day in range(0, 141, 28)], 'nothing moved')

    def test_move_following_backwards_over_each_other(self):
        """A shift longer than the interval: each lands where another one still is, in the right order."""
        first = self._first()
        visits = self._repeat(first, interval_weeks=1, count=4).appointment_ids.sorted('start')
        self._reschedule(visits[1], self.user_manager, 'following', start=visits[1].start + timedelta(weeks=1))
        self.assertEqual(visits.mapped('start'), [self.at(day, 9) for day in (0, 14, 21, 28)])
        self._reschedule(visits[1], self.user_manager, 'following', start=visits[1].start - timedelta(weeks=1))
        self.assertEqual(visits.mapped('start'), [self.at(day, 9) for day in (0, 7, 14, 21)])

    def test_cancel_this_and_the_following(self):
        first = self._first()
        visits = self._repeat(first).appointment_ids.sorted('start')
        visits[4].cancel('clinic', 'Feriado local')
        Cancel = self.env['dental.appointment.cancel'].with_user(self.user_receptionist)
        wizard = Cancel.with_context(**visits[2].action_open_cancel_wizard()['context']).create(
            {'cancel_origin': 'patient', 'cancel_reason': 'Terminou o tratamento', 'series_scope': 'following'}
        )
        self.assertTrue(wizard.has_series)
        self.assertEqual(wizard.series_count, 3, 'visits 3, 4 and 6; 5 is cancelled already')
        wizard.action_cancel()
        self.assertEqual(visits.mapped('state'), ['scheduled'] * 2 + ['cancelled'] * 4)
        for visit in visits[2:4] | visits[5]:
            self.assertEqual((visit.cancel_origin, visit.cancel_reason), ('patient', 'Terminou o tratamento'))
            self.assertEqual(visit.cancelled_by_id, self.user_receptionist)
            self.assertFalse(visit.calendar_event_id.active)
        self.assertEqual(visits[4].cancel_reason, 'Feriado local', 'an earlier cancellation is kept')

    def test_cancel_following_keeps_the_state_rules(self):
        first = self._first()
        visits = self._repeat(first, count=3).appointment_ids.sorted('start')
        visits[1].action_arrive()
        wizard = self.env['dental.appointment.cancel'].create(
            {
                'appointment_ids': [Command.set(visits[1].ids)],
                'cancel_origin': 'patient',
                'cancel_reason': 'x',
                'series_scope': 'following',
            }
        )
        with self.assertRaisesRegex(UserError, 'cannot go from'):
            wizard.action_cancel()
        self.assertEqual(visits.mapped('state'), ['scheduled', 'arrived', 'scheduled'], 'none cancelled')
        with self.assertRaisesRegex(ValidationError, 'reason'):
            visits[2].with_user(self.user_receptionist)._dental_series_following().cancel('patient', '  ')

    # ------------------------------------------------------------------
    # Rights and companies
    # ------------------------------------------------------------------

    def test_every_booking_role_books_a_series(self):
        for day, user in ((0, self.user_receptionist), (1, self.user_dentist), (2, self.user_manager)):
            with self.subTest(user=user.login):
                first = self._book(day=day, hour=9, env=self.env(user=user))
                series = self._repeat(first, user=user, count=3)
                self.assertEqual(len(series.appointment_ids), 3)

    def test_plain_employee_cannot_repeat(self):
        first = self._first()
        with self.assertRaises(AccessError):
            first.with_user(self.user_employee).action_open_series_wizard()
        with self.assertRaises(AccessError):
            self.Wizard.with_user(self.user_employee).create({'appointment_id': first.id, 'count': 3})

    def _other_company_appointment(self):
        calendar = always_open_calendar(self.env, 'Filial')
        calendar.company_id = self.company_other
        dentist = mail_new_test_user(
            self.env,
            login='dentist_filial',
            name='Dra. Filial',
            groups='dental_clinic.group_dental_dentist',
            company_id=self.company_other.id,
            company_ids=[Command.set(self.company_other.ids)],
        )
        Other = self.env['dental.appointment'].with_company(self.company_other)
        chair = self.env['dental.chair'].create(
            {'name': 'Cadeira Filial', 'company_id': self.company_other.id, 'resource_calendar_id': calendar.id}
        )
        patient = (
            self.env['dental.patient']
            .with_company(self.company_other)
            .create({'name': 'Paciente Filial', 'is_foreigner': True})
        )
        appointment = Other.create(
            {
                'patient_id': patient.id,
                'dentist_id': dentist.id,
                'chair_id': chair.id,
                'start': self.at(0, 9),
                'duration': 1,
                'company_id': self.company_other.id,
            }
        )
        return appointment, chair

    def test_other_company_is_out_of_reach(self):
        other, other_chair = self._other_company_appointment()
        self.assertNotIn(self.company_other, self.user_receptionist.company_ids)
        with self.assertRaises(AccessError):
            self.Wizard.with_user(self.user_receptionist).create({'appointment_id': other.id, 'count': 3})
        with self.assertRaises(AccessError):
            self.Wizard.with_user(self.user_receptionist).with_context(default_appointment_id=other.id).create({})
        with self.assertRaises(AccessError):
            other.with_user(self.user_receptionist).action_open_series_wizard()
        # A line of one's own preview pointing at the other company's chair.
        first = self._first()
        wizard = self._wizard(first, user=self.user_receptionist, count=3)
        wizard.action_preview()
        with self.assertRaises(AccessError):
            wizard.line_ids[0].write({'proposed_chair_id': other_chair.id, 'decision': 'proposal'})
        # Even a desk of both companies books a series only with the appointment's own company.
        self.user_receptionist.company_ids = [Command.link(self.company_other.id)]
        wizard.line_ids[0].write(
            {
                'proposed_chair_id': other_chair.id,
                'proposed_start': self.at(28, 9),
                'proposed_stop': self.at(28, 10),
                'decision': 'proposal',
            }
        )
        with self.assertRaises(UserError):
            wizard.with_context(allowed_company_ids=[self.company.id, self.company_other.id]).action_book()
        self.assertFalse(first.series_id)
        # The series of the other company are not readable.
        other_series = self._repeat(other, count=2)
        self.user_receptionist.company_ids = [Command.unlink(self.company_other.id)]
        with self.assertRaises(AccessError):
            other_series.with_user(self.user_receptionist).read(['patient_id'])
        self.assertFalse(self.Series.with_user(self.user_receptionist).search([('id', '=', other_series.id)]))

    def test_series_is_written_by_the_system_only(self):
        first = self._first()
        series = self._repeat(first, count=3)
        for day, user in ((1, self.user_receptionist), (2, self.user_dentist), (3, self.user_manager)):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    series.with_user(user).write({'interval_weeks': 1})
                with self.assertRaises(AccessError):
                    series.with_user(user).write({'appointment_ids': [Command.set(first.ids)]})
                with self.assertRaises(AccessError):
                    self.Series.with_user(user).create(
                        {
                            'patient_id': self.patient.id,
                            'dentist_id': self.user_dentist.id,
                            'chair_id': self.chair_a.id,
                            'interval_weeks': 1,
                        }
                    )
                with self.assertRaises(AccessError):
                    series.with_user(user).unlink()
                # Nor can an appointment be put in (or out of) a series by hand.
                with self.assertRaises(AccessError):
                    self._book(day=day, hour=9, env=self.env(user=user)).write({'series_id': series.id})
                with self.assertRaises(AccessError):
                    first.with_user(user).write({'series_id': False})
                with self.assertRaises(AccessError):
                    self._book(day=day, hour=14, env=self.env(user=user), series_id=series.id)
        self.assertEqual(series.interval_weeks, 4)
        self.assertTrue(self.user_receptionist.has_group(RECEPTIONIST_GROUP))

    def test_purging_the_patient_removes_the_series(self):
        patient = self._create_patient(name='Paciente Série Apagada')
        series = self._repeat(self._first(patient_id=patient.id), count=3)
        patient._dental_purge()
        self.assertFalse(patient.exists())
        self.assertFalse(series.exists())

    def test_other_users_wizard_is_private(self):
        first = self._first()
        wizard = self._wizard(first, user=self.user_receptionist)
        wizard.action_preview()
        with self.assertRaises(AccessError):
            wizard.with_user(self.user_dentist).action_book()
        with self.assertRaises(AccessError):
            wizard.line_ids.with_user(self.user_dentist).read(['reason'])


@tagged('post_install', '-at_install')
class TestAppointmentSeriesRace(ConcurrencyCase):
    """A desk books one of the series' slots while the series is being booked: the series books nothing.

    Two real connections: the desk's single booking is written, not committed, when the series is booked; the
    series' checks cannot see it, its INSERT waits for the desk's transaction and fails once that commits.
    """

    FIRST = datetime(2035, 3, 5, 12)  # far from the demo data's appointments of the admin dentist

    def _setup_data(self):
        with self.committed_env() as env:
            calendar = always_open_calendar(env, 'Always open (series race)')
            chair = env['dental.chair'].create({'name': 'Cadeira Corrida Série', 'resource_calendar_id': calendar.id})
            patients = env['dental.patient'].create(
                [{'name': 'Paciente Série Corrida', 'is_foreigner': True}, {'name': 'Paciente Balcão Corrida'}]
            )
            first = env['dental.appointment'].create(
                {
                    'patient_id': patients[0].id,
                    'dentist_id': env.ref('base.user_admin').id,
                    'chair_id': chair.id,
                    'start': self.FIRST,
                    'duration': 1.0,
                }
            )
            wizard = env['dental.appointment.series.wizard'].create(
                {'appointment_id': first.id, 'interval_weeks': 4, 'count': 6}
            )
            wizard.action_preview()
            self.assertEqual(set(wizard.line_ids.mapped('status')), {'ok'})
            return {'calendar': calendar.id, 'chair': chair.id, 'patients': patients.ids, 'wizard': wizard.id}

    def _cleanup(self, ids):
        with self.committed_env() as env:
            env['dental.appointment.series.wizard'].browse(ids['wizard']).unlink()
            appointments = env['dental.appointment'].search([('chair_id', '=', ids['chair'])])
            series = appointments.series_id
            appointments.unlink()
            series.unlink()
            self.delete_with_partners(env['dental.patient'].browse(ids['patients']))
            self.delete_chair(env, ids['chair'], ids['calendar'])

    def test_series_loses_the_race_and_books_nothing(self):
        ids = self._setup_data()
        self.addCleanup(self._cleanup, ids)
        desk_inserted = threading.Event()
        cursors = self.open_cursors('desk', 'series')

        def desk():
            cr = cursors['desk']
            try:
                self.env_for(cr)['dental.appointment'].create(
                    {
                        'patient_id': ids['patients'][1],
                        'dentist_id': self.env_for(cr).ref('base.user_admin').id,
                        'chair_id': ids['chair'],
                        'start': self.FIRST + timedelta(weeks=12),
                        'duration': 0.5,
                    }
                )
                self.env_for(cr).flush_all()
                desk_inserted.set()
                # Commit only once the series' INSERT waits for this transaction.
                self.wait_until_blocking(backend_pid(cr))
                cr.commit()
                return 'committed'
            finally:
                desk_inserted.set()

        def series():
            cr = cursors['series']
            self.assertTrue(desk_inserted.wait(RACE_TIMEOUT))
            env = self.env_for(cr, context={'lang': 'en_US'})
            try:
                env['dental.appointment.series.wizard'].browse(ids['wizard']).action_book()
                env.flush_all()
                cr.commit()
                return 'committed'
            except ValidationError as exc:
                cr.rollback()
                return exc

        with mute_logger('odoo.sql_db'):
            outcome = self.run_concurrently({'desk': desk, 'series': series})
        self.assertEqual(outcome['desk'], 'committed', outcome)
        self.assertIsInstance(outcome['series'], ValidationError, outcome)
        self.assertRegex(outcome['series'].args[0], 'Nothing was booked: .*just booked by someone else')
        with self.committed_env() as env:
            booked = env['dental.appointment'].search([('chair_id', '=', ids['chair'])])
            self.assertEqual(len(booked), 2, 'the first appointment and the desk\'s booking')
            self.assertFalse(booked.series_id)
