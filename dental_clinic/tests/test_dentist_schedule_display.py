from datetime import timedelta

import pytz
from freezegun import freeze_time

from odoo import Command
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .test_appointment_dentist_schedule import DentistScheduleCase


@tagged('post_install', '-at_install')
class TestDentistScheduleDisplay(DentistScheduleCase):
    """What the front desk sees of the dentists' hours: the calendar's shading, the Today board, the slots."""

    def _hours(self, user=None, **kwargs):
        """The calendar's call for the test week (Monday 00:00 to the next Monday, local time)."""
        return self.Appointment.with_user(user or self.user_receptionist).get_calendar_dentist_hours(
            str(self.at(0, 0)), str(self.at(7, 0)), **kwargs
        )

    def _spans(self, pairs):
        return [[str(start), str(stop)] for start, stop in pairs]

    def test_calendar_shades_dentist_hours_off(self):
        hours = self._hours(dentist_ids=[self.user_dentist_2.id])
        # Tuesdays 08-12 and 13-18 only: everything else of the week is shaded.
        self.assertEqual(
            hours['closed'],
            self._spans(
                [(self.at(0, 0), self.at(1, 8)), (self.at(1, 12), self.at(1, 13)), (self.at(1, 18), self.at(7, 0))]
            ),
        )
        self.assertEqual(hours['absences'], [])
        # The search (a dentist facet, as the search view sends it) gives the same.
        self.assertEqual(self._hours(domain=[('dentist_id', 'ilike', 'Diego Segundo')]), hours)
        self.assertEqual(self._hours(domain=[('dentist_id', 'in', [self.user_dentist_2.id])]), hours)

    def test_calendar_absence_shown_by_type_only(self):
        self._absence(self.resource_ortho, 1, 1, name='Cirurgia particular do joelho', kind='sick')
        hours = self._hours(dentist_ids=[self.user_dentist_2.id])
        self.assertEqual(
            hours['absences'], [{'start': str(self.at(1, 0)), 'stop': str(self.at(1, 23, 59)), 'label': 'Sick Leave'}]
        )
        self.assertEqual(hours['closed'], self._spans([(self.at(0, 0), self.at(7, 0))]), 'nothing left of the week')
        self.assertNotIn('joelho', str(hours), 'the reason stays private')
        # Two dentists shown: the hours shaded are those when neither works, each absence says whose.
        both = self._hours(dentist_ids=[self.user_dentist.id, self.user_dentist_2.id])
        self.assertEqual(both['absences'][0]['label'], 'Dr. Diego Segundo: Sick Leave')
        self.assertIn([str(self.at(0, 12)), str(self.at(0, 13))], both['closed'])
        self.assertNotIn([str(self.at(1, 0)), str(self.at(1, 8))], both['closed'])
        # In pt_BR (the web client's context), the type in the user's language.
        if self.env['res.lang']._lang_get('pt_BR'):
            hours = self.Appointment.with_user(self.user_receptionist).with_context(lang='pt_BR')
            hours = hours.get_calendar_dentist_hours(
                str(self.at(0, 0)), str(self.at(7, 0)), dentist_ids=[self.user_dentist_2.id]
            )
            self.assertEqual(hours['absences'][0]['label'], 'Licença médica')

    def test_calendar_without_own_hours_shades_nothing_more(self):
        """A dentist without their own hours follows the chairs' (shaded already), even next to one with."""
        self.resource_dentist.unlink()
        self.assertEqual(self._hours(dentist_ids=[self.user_dentist.id]), {'closed': [], 'absences': []})
        both = self._hours(
            domain=['|', ('dentist_id', '=', self.user_dentist.id), ('dentist_id', '=', self.user_dentist_2.id)]
        )
        self.assertEqual(both['closed'], [])
        # Every dentist shown (no filter): no absence listed, the hours shaded are when none works.
        self.assertEqual(self._hours()['absences'], [])

    def test_calendar_hours_company_isolation(self):
        """Another clinic's dentist and their absences are never shown, whatever ids or search are sent."""
        calendar_other = self.env['resource.calendar'].create(
            {'name': 'Filial', 'tz': 'America/Sao_Paulo', 'company_id': self.company_other.id}
        )
        dentist_other = mail_new_test_user(
            self.env,
            login='dentist_filial',
            name='Dra. Filial Outra',
            groups='dental_clinic.group_dental_dentist',
            company_id=self.company_other.id,
            company_ids=[Command.set(self.company_other.ids)],
        )
        resource = self.env['resource.resource'].create(
            {
                'name': dentist_other.name,
                'user_id': dentist_other.id,
                'calendar_id': calendar_other.id,
                'company_id': self.company_other.id,
            }
        )
        self.env['dental.chair'].create(
            {
                'name': 'Cadeira Filial',
                'company_id': self.company_other.id,
                'resource_calendar_id': calendar_other.id,
                'dentist_id': dentist_other.id,
            }
        )
        self.Leaves.create(
            {
                'name': 'Férias da filial',
                'dental_absence_type': 'vacation',
                'resource_id': resource.id,
                'calendar_id': calendar_other.id,
                'company_id': self.company_other.id,
                'date_from': self.at(2, 0),
                'date_to': self.at(2, 23, 59),
            }
        )
        empty = {'closed': [], 'absences': []}
        self.assertEqual(self._hours(dentist_ids=[dentist_other.id]), empty)
        self.assertEqual(self._hours(domain=[('dentist_id', '=', dentist_other.id)]), empty)
        self.assertEqual(self._hours(domain=[('dentist_id', 'ilike', 'Filial')]), empty)
        self.assertNotIn(
            dentist_other,
            self.Appointment.with_user(self.user_receptionist)._dental_clinic_dentists(),
        )

    def test_calendar_hours_rights_and_bad_input(self):
        with self.assertRaises(AccessError):
            self._hours(user=self.user_employee)
        for date_from, date_to in (
            (str(self.at(0, 0)), str(self.at(90, 0))),
            (str(self.at(7, 0)), str(self.at(0, 0))),
            ('yesterday', str(self.at(0, 0))),
            (None, None),
        ):
            with self.subTest(date_from=date_from), self.assertRaises(UserError):
                self.Appointment.with_user(self.user_receptionist).get_calendar_dentist_hours(date_from, date_to)
        for kwargs in ({'dentist_ids': 'all'}, {'domain': 'dentist_id = 1'}, {'domain': ['|', ('dentist_id', '=', 1)]}):
            with self.subTest(**kwargs), self.assertRaises(UserError):
                self._hours(**kwargs)
        # A negation cannot narrow the dentists down: all of them are kept.
        self.assertEqual(self._hours(domain=['!', ('dentist_id', '=', self.user_dentist.id)]), self._hours())

    def test_calendar_hours_queries_do_not_grow_with_dentists(self):
        """Working hours and absences are read per query, not per dentist, calendar or day."""
        third = mail_new_test_user(
            self.env, login='dental_dentist_3', name='Dra. Terceira', groups='dental_clinic.group_dental_dentist'
        )
        self.chair_a.copy({'name': 'Cadeira C', 'dentist_id': third.id})
        resource = self.env['resource.resource'].create(
            {'name': third.name, 'user_id': third.id, 'calendar_id': self.calendar.copy().id}
        )
        for absent in (self.resource_ortho, self.resource_dentist, resource):
            self._absence(absent, 3, 3)
        self._hours()  # warm-up

        def queries(dentists):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self._hours(dentist_ids=dentists.ids)
            return self.env.cr.sql_log_count - before

        two = queries(self.user_dentist | self.user_dentist_2)
        self.assertEqual(queries(self.user_dentist | self.user_dentist_2 | third), two)
        self.assertLessEqual(two, 16)

    def test_batched_intervals_match_odoo(self):
        """The dentists' intervals read in one batch equal Odoo's own computation, absences and holidays out."""
        self._absence(self.resource_dentist, 2, 3)
        self.Leaves.create(
            {
                'name': 'Feriado municipal',
                'calendar_id': self.calendar.id,
                'date_from': self.at(4, 0),
                'date_to': self.at(4, 23, 59),
            }
        )
        utc_from, utc_to = pytz.utc.localize(self.at(-3, 0)), pytz.utc.localize(self.at(17, 0))
        batched = self.Appointment._dental_dentist_intervals(self.user_dentist | self.user_dentist_2, utc_from, utc_to)
        for resource in self.resource_dentist | self.resource_ortho:
            tz = pytz.timezone(resource.calendar_id.tz)
            expected = resource.calendar_id._work_intervals_batch(utc_from, utc_to, resources=resource, tz=tz)
            self.assertEqual(
                [(start, stop) for start, stop, _meta in batched[resource.user_id.id]],
                [(start, stop) for start, stop, _meta in expected[resource.id]],
            )
        self.assertFalse(
            [
                i
                for i in batched[self.user_dentist.id]
                if i[0] < pytz.utc.localize(self.at(5, 0)) and i[1] > pytz.utc.localize(self.at(2, 0))
            ],
            'absent Wednesday and Thursday, Friday is a holiday',
        )

    def test_find_slots_any_dentist(self):
        """Without a dentist: each time once, only with a dentist working then."""
        slots = self.Appointment.with_user(self.user_receptionist)._find_slots(1.0, date_from=self.at(0, 0), limit=10)
        self.assertEqual(len(slots), 10)
        starts = [slot['start'] for slot in slots]
        self.assertEqual(starts, sorted(set(starts)), 'each time once, in order')
        self.assertEqual(starts[0], self.at(0, 8))
        for slot in slots:
            if slot['dentist'] == self.user_dentist_2:
                self.assertEqual((slot['start'] - timedelta(hours=3)).weekday(), 1, 'the orthodontist on Tuesdays only')
        # A chair without its own dentist: any dentist, the orthodontist only on Tuesday.
        self.chair_b.dentist_id = False
        self.resource_dentist.calendar_id = self.tuesdays
        slots = self.Appointment.with_user(self.user_receptionist)._find_slots(
            1.0, chair=self.chair_b, date_from=self.at(0, 0), limit=3
        )
        self.assertEqual(len(slots), 3)
        tuesday_only = self.user_dentist | self.user_dentist_2
        self.assertTrue(all(slot['start'] >= self.at(1, 8) for slot in slots if slot['dentist'] in tuesday_only))

    def test_find_slots_any_dentist_equals_each_dentist(self):
        """The times proposed for any dentist are the earliest of those proposed for each one."""
        for hour in (8, 9, 10, 11):
            self._book(day=0, hour=hour)
            self._book(day=1, hour=hour, dentist_id=self.user_dentist_2.id, chair_id=self.chair_b.id)
        Appointment = self.Appointment.with_user(self.user_receptionist)
        any_dentist = [slot['start'] for slot in Appointment._find_slots(0.5, date_from=self.at(0, 0), limit=10)]
        each = set()
        for dentist in Appointment._dental_clinic_dentists():
            each.update(
                slot['start']
                for slot in Appointment._find_slots(0.5, dentist=dentist, date_from=self.at(0, 0), limit=10)
            )
        self.assertEqual(any_dentist, sorted(each)[:10])

    def test_find_slots_looks_further_for_a_busy_part_timer(self):
        """Two Tuesdays fully booked: the orthodontist's next free times are on the third, beyond 14 days."""
        for day in (1, 8):
            for hour in (8, 9, 10, 11, 13, 14, 15, 16, 17):
                self._book(day=day, hour=hour, dentist_id=self.user_dentist_2.id, chair_id=self.chair_b.id)
        slots = self.Appointment.with_user(self.user_receptionist)._find_slots(
            1.0, dentist=self.user_dentist_2, date_from=self.at(0, 0), limit=3
        )
        self.assertEqual([slot['start'] for slot in slots], [self.at(15, 8), self.at(15, 9), self.at(15, 10)])

    def test_today_board_dentists(self):
        """Tuesday: the orthodontist works (hours, free times within them), the other dentist is on vacation."""
        self._absence(self.resource_dentist, 1, 1, name='Viagem particular', kind='vacation')
        self._book(day=1, hour=8, dentist_id=self.user_dentist_2.id, chair_id=self.chair_b.id)
        Dashboard = self.env['dental.dashboard'].with_user(self.user_receptionist)
        with freeze_time(self.at(1, 7)):
            rows = {row['id']: row for row in Dashboard.get_today_dentists()}
        absent, ortho = rows[self.user_dentist.id], rows[self.user_dentist_2.id]
        self.assertEqual(absent['state'], 'absent')
        self.assertEqual(absent['absences'], [{'label': 'Vacation', 'time': 'all day'}])
        self.assertEqual(absent['free'], [], 'no free time offered for an absent dentist')
        self.assertNotIn('particular', str(rows))
        self.assertEqual(ortho['state'], 'working')
        self.assertEqual(ortho['hours'], '08:00–12:00 · 13:00–18:00')
        self.assertEqual([slot['time'] for slot in ortho['free']], ['09:00', '09:30', '10:00'], 'after the 08:00')
        self.assertEqual(ortho['free'][0]['start'], str(self.at(1, 9)))
        # Wednesday: the orthodontist does not work, nothing is offered.
        with freeze_time(self.at(2, 7)):
            rows = {row['id']: row for row in Dashboard.get_today_dentists()}
        self.assertEqual(rows[self.user_dentist_2.id]['state'], 'off')
        self.assertEqual(rows[self.user_dentist_2.id]['free'], [])
        self.assertEqual(rows[self.user_dentist.id]['state'], 'working')
        with self.assertRaises(AccessError):
            self.env['dental.dashboard'].with_user(self.user_employee).get_today_dentists()

    def test_absence_todo_gives_the_type_not_the_reason(self):
        appointment = self._book(day=3, hour=9)
        self._absence(self.resource_dentist, 3, 3, name='Consulta médica particular', kind='other')
        self.assertIn('Other', str(appointment.activity_ids.note))
        self.assertNotIn('particular', str(appointment.activity_ids.note))
