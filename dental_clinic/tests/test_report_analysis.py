from datetime import date, timedelta

from freezegun import freeze_time

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .common import AppointmentClinicalCase

WEEK = [('date', '>=', date(2031, 1, 6)), ('date', '<=', date(2031, 1, 12))]


@tagged('post_install', '-at_install')
class TestAppointmentAnalysis(AppointmentClinicalCase):
    """The analysis figures against appointments made here (week of Monday 2031-01-06, São Paulo).

    Dentist 1, chair A: Mon 09:00 done in 45 min (first visit of the patient, paid), Mon 10:00
    no-show, Thu 09:00 cancelled by the patient 2 h before (late). Dentist 2, chair B: Tue 09:00
    done in 30 min (the patient's second visit), Mon 23:30-00:30 done (across midnight, a new
    patient), Thu 10:00 cancelled by the clinic 3 days before.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient_3 = cls._create_patient(
            name='Terceira Paciente',
            birth_date='2020-03-01',
            guardian_id=cls.env['res.partner'].create({'name': 'Mãe da Terceira'}).id,
        )
        cls.first = cls._book(day=0, hour=9, procedure_ids=[Command.set(cls.procedure_cleaning.ids)])
        cls._finish(cls.first, minutes=45)
        cls.first.is_paid = True
        cls.missed = cls._book(day=0, hour=10, patient_id=cls.patient_2.id)
        cls.missed.action_no_show()
        cls.second = cls._book(day=1, hour=9, duration=0.5, dentist_id=cls.user_dentist_2.id, chair_id=cls.chair_b.id)
        cls._finish(cls.second, minutes=30)
        cls.night = (
            cls.env['dental.appointment']
            .with_context(dental_allow_outside_hours=True)
            .create(
                {
                    'patient_id': cls.patient_3.id,
                    'dentist_id': cls.user_dentist_2.id,
                    'chair_id': cls.chair_b.id,
                    'start': cls.at(0, 23, 30),
                    'duration': 1.0,
                }
            )
        )
        cls._finish(cls.night, minutes=60)
        cls.late = cls._book(day=3, hour=9, patient_id=cls.patient_2.id)
        # Lateness is decided when the appointment is cancelled: cancel it at that moment.
        with freeze_time(cls.late.start - timedelta(hours=2)):
            cls.late.cancel('patient', 'Sick')
        cls.early = cls._book(
            day=3, hour=10, patient_id=cls.patient_3.id, dentist_id=cls.user_dentist_2.id, chair_id=cls.chair_b.id
        )
        with freeze_time(cls.early.start - timedelta(days=3)):
            cls.early.cancel('clinic', 'Dentist away')
        cls.env.flush_all()
        cls.Report = cls.env['dental.appointment.report']

    @classmethod
    def _finish(cls, appointment, minutes):
        appointment.action_arrive()
        appointment.action_start()
        appointment.action_done()
        appointment.write({'started_at': appointment.start, 'done_at': appointment.start + timedelta(minutes=minutes)})

    def _totals(self, domain, env=None):
        report = (env or self.env)['dental.appointment.report']
        return report._read_group(
            domain,
            [],
            [
                '__count',
                'visit_count:sum',
                'no_show_count:sum',
                'no_show_rate:avg',
                'late_cancel_count:sum',
                'new_patient_count:sum',
                'booked_minutes:sum',
                'done_minutes:sum',
            ],
        )[0]

    def test_counts_and_minutes(self):
        count, visits, no_shows, _rate, late, new, booked, done = self._totals(WEEK)
        self.assertEqual(count, 6)
        self.assertEqual(visits, 3)
        self.assertEqual(no_shows, 1)
        self.assertEqual(late, 1)
        self.assertEqual(new, 2, 'the first visit of the patient and of patient 3; a no-show is not a visit')
        self.assertEqual(booked, 60 + 60 + 30 + 60 + 60 + 60)
        self.assertEqual(done, 45 + 30 + 60)
        by_state = dict(self.Report._read_group(WEEK, ['state'], ['__count']))
        self.assertEqual(by_state, {'done': 3, 'no_show': 1, 'cancelled': 2})

    def test_no_show_rate_by_dentist_and_weekday(self):
        rates = dict(self.Report._read_group(WEEK, ['dentist_id'], ['no_show_rate:avg']))
        # Dentist 1: one visit, one no-show (the cancellation does not count): 50 %.
        self.assertAlmostEqual(rates[self.user_dentist], 50.0)
        self.assertAlmostEqual(rates[self.user_dentist_2], 0.0)
        by_weekday = dict(self.Report._read_group(WEEK, ['weekday'], ['no_show_rate:avg']))
        # Monday: done at 09:00, no-show at 10:00, done at 23:30 local: one in three.
        self.assertAlmostEqual(by_weekday['0'], 100.0 / 3)
        self.assertIs(by_weekday['3'], False, 'only cancellations on Thursday: no rate rather than 0 %')

    def test_across_midnight_counts_on_local_day(self):
        row = self.Report.search([('appointment_id', '=', self.night.id)])
        self.assertEqual(self.night.start.date(), date(2031, 1, 7), 'stored in UTC on Tuesday')
        self.assertEqual(row.date, date(2031, 1, 6))
        self.assertEqual(row.weekday, '0')
        self.assertEqual(row.hour, 23)
        self.assertEqual(row.booked_minutes, 60)
        self.assertEqual(row.patient_type, 'new')
        self.assertEqual(row.age_band, '0_12')
        days = dict(self.Report._read_group(WEEK, ['date:day'], ['__count']))
        self.assertEqual(days[date(2031, 1, 6)], 3, 'Monday 09:00, 10:00 and 23:30 local')
        self.assertEqual(days[date(2031, 1, 7)], 1, 'Tuesday 09:00 only')

    def test_read_group_by_dentist_and_month_query_count(self):
        """The pivot's query: one aggregate, then the ORM names every dentist of the groups at once (their users,
        then their contacts), whatever the number of groups."""
        # The web client always sends the user's language and time zone.
        Report = (
            self.env['dental.appointment.report']
            .with_user(self.user_manager)
            .with_context(lang='en_US', tz='America/Sao_Paulo')
        )
        Report.read_group(WEEK, ['__count'], ['dentist_id', 'date:month'], lazy=False)
        self.env.invalidate_all()
        with self.assertQueryCount(3):
            groups = Report.read_group(WEEK, ['__count'], ['dentist_id', 'date:month'], lazy=False)
        self.assertEqual(
            sorted((group['dentist_id'], group['__count']) for group in groups),
            sorted(
                [
                    ((self.user_dentist.id, self.user_dentist.display_name), 3),
                    ((self.user_dentist_2.id, self.user_dentist_2.display_name), 3),
                ]
            ),
        )

    def test_new_and_returning(self):
        rows = {row.appointment_id: row for row in self.Report.search(WEEK)}
        self.assertEqual(rows[self.first].patient_type, 'new')
        self.assertEqual(rows[self.second].patient_type, 'returning')
        self.assertEqual(rows[self.missed].patient_type, 'returning')
        self.assertEqual(rows[self.first].age_band, '45_59')
        self.assertTrue(rows[self.first].is_paid)
        self.assertFalse(rows[self.second].is_paid)

    def test_confirmed_by_patient(self):
        """Only an appointment the patient confirmed through the reminder link counts as confirmed by them."""
        answered = self._book(day=4, hour=9)
        answered._dental_patient_answer('confirm')
        by_desk = self._book(day=4, hour=10)
        by_desk.action_confirm()
        self.env.flush_all()
        rows = {row.appointment_id: row for row in self.Report.search(WEEK)}
        self.assertTrue(rows[answered].confirmed_by_patient)
        self.assertEqual(rows[answered].state, 'confirmed')
        self.assertFalse(rows[by_desk].confirmed_by_patient, 'confirmed by the front desk')
        self.assertFalse(rows[self.first].confirmed_by_patient)

    def test_cancellations(self):
        origins = dict(
            self.Report._read_group(WEEK + [('is_cancelled', '=', True)], ['cancel_origin'], ['late_cancel_count:sum'])
        )
        self.assertEqual(origins, {'patient': 1, 'clinic': 0})

    def test_empty_period(self):
        domain = [('date', '>=', date(2031, 2, 1)), ('date', '<=', date(2031, 2, 28))]
        count, visits, no_shows, rate, late, new, booked, done = self._totals(domain)
        self.assertEqual((count, visits, no_shows, late, new), (0, 0, 0, 0, 0))
        self.assertFalse(booked)
        self.assertIs(rate, False)
        self.assertEqual(self.Report._read_group(domain, ['dentist_id'], ['__count']), [])

    def test_cancelled_only(self):
        domain = [('date', '=', date(2031, 1, 9))]
        count, visits, no_shows, rate, late, new, booked, done = self._totals(domain)
        self.assertEqual((count, visits, no_shows, late, new, done), (2, 0, 0, 1, 0, 0))
        self.assertIs(rate, False, 'nobody was expected in the chair: no rate rather than 0 %')

    def test_category_is_clinical(self):
        row = self.Report.with_user(self.user_dentist).search([('appointment_id', '=', self.first.id)])
        self.assertEqual(row.category, 'prevention')
        reception = self.Report.with_user(self.user_receptionist)
        self.assertEqual(reception.search_count(WEEK), 6, 'the front desk sees every appointment')
        with self.assertRaises(AccessError):
            reception.search([('appointment_id', '=', self.first.id)]).read(['category'])
        with self.assertRaises(AccessError):
            reception._read_group(WEEK, ['category'], ['__count'])
        with self.assertRaises(AccessError):
            reception.search([('category', '=', 'prevention')])

    def test_rules_per_role(self):
        Report = self.env['dental.appointment.report']
        self.assertEqual(
            set(Report.with_user(self.user_dentist).search(WEEK).mapped('dentist_id')), {self.user_dentist}
        )
        self.assertEqual(Report.with_user(self.user_dentist).search_count(WEEK), 3)
        self.assertEqual(Report.with_user(self.user_dentist_2).search_count(WEEK), 3)
        self.assertEqual(Report.with_user(self.user_manager).search_count(WEEK), 6)
        with self.assertRaises(AccessError):
            Report.with_user(self.user_employee).search_count(WEEK)

    def test_two_companies(self):
        other = self.company_other
        dentist_other = mail_new_test_user(
            self.env,
            login='dentist_other',
            name='Dra. Outra',
            groups='dental_clinic.group_dental_dentist',
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
            tz='America/Sao_Paulo',
        )
        calendar = self.calendar.copy({'company_id': other.id})
        chair = self.env['dental.chair'].create(
            {'name': 'Cadeira Filial', 'company_id': other.id, 'resource_calendar_id': calendar.id}
        )
        patient = self.env['dental.patient'].create(
            {'name': 'Paciente Filial', 'company_id': other.id, 'is_foreigner': True}
        )
        appointment = self.env['dental.appointment'].create(
            {
                'company_id': other.id,
                'patient_id': patient.id,
                'dentist_id': dentist_other.id,
                'chair_id': chair.id,
                'start': self.at(2, 9),
                'duration': 1.0,
            }
        )
        appointment.action_no_show()
        self.env.flush_all()
        self.assertEqual(self._totals(WEEK, self.env(user=self.user_manager))[0], 6)
        self.user_manager.company_ids = [Command.link(other.id)]
        both = self.env(user=self.user_manager, context={'allowed_company_ids': [self.company.id, other.id]})
        count, _visits, no_shows, *_rest = self._totals(WEEK, both)
        self.assertEqual((count, no_shows), (7, 2))
        only_other = self.env(user=self.user_manager, context={'allowed_company_ids': [other.id]})
        self.assertEqual(self._totals(WEEK, only_other)[:3], (1, 0, 1))

    def test_occupancy_with_holiday(self):
        Occupancy = self.env['dental.chair.occupancy'].with_user(self.user_manager)
        monday, friday = date(2031, 1, 6), date(2031, 1, 10)
        rows = {row['chair']: row for row in Occupancy._get_occupancy(monday, friday, self.chair_a | self.chair_b)}
        # 8-12 and 13-18 on five days: 45 h.
        self.assertEqual(rows[self.chair_a]['available_minutes'], 45 * 60)
        self.assertEqual(rows[self.chair_a]['booked_minutes'], 60, 'the no-show and the cancellation free the chair')
        self.assertEqual(rows[self.chair_a]['used_minutes'], 45)
        self.assertEqual(rows[self.chair_b]['booked_minutes'], 30 + 60)
        self.assertEqual(rows[self.chair_b]['used_minutes'], 30 + 60)
        self.assertAlmostEqual(rows[self.chair_a]['booked_rate'], 100.0 * 60 / 2700)
        # A public holiday on Wednesday: 9 working hours fewer.
        self.env['resource.calendar.leaves'].create(
            {
                'name': 'Feriado',
                'calendar_id': self.calendar.id,
                'resource_id': False,
                'date_from': self.at(2, 0),
                'date_to': self.at(3, 0),
            }
        )
        rows = {row['chair']: row for row in Occupancy._get_occupancy(monday, friday, self.chair_a)}
        self.assertEqual(rows[self.chair_a]['available_minutes'], 36 * 60)
        self.assertAlmostEqual(rows[self.chair_a]['booked_rate'], 100.0 * 60 / 2160)
        with self.assertRaises(AccessError):
            Occupancy.with_user(self.user_dentist)._get_occupancy(monday, friday)
        # An empty period still has its working minutes.
        february = Occupancy._get_occupancy(date(2031, 2, 3), date(2031, 2, 3), self.chair_a)[0]
        self.assertEqual(
            (february['available_minutes'], february['booked_minutes'], february['booked_rate']), (9 * 60, 0.0, 0.0)
        )

    def test_statistics_wizard(self):
        wizard = (
            self.env['dental.statistics.wizard']
            .with_user(self.user_manager)
            .create(
                {
                    'date_from': date(2031, 1, 6),
                    'date_to': date(2031, 1, 12),
                    'chair_ids': [Command.set(self.chair_a.ids)],
                }
            )
        )
        stats = wizard._get_statistics()
        self.assertEqual(
            (stats['total'], stats['visits'], stats['no_shows'], stats['late_cancellations']), (3, 1, 1, 1)
        )
        self.assertAlmostEqual(stats['no_show_rate'], 50.0)
        self.assertEqual([row['procedure'] for row in stats['treatments']], [self.procedure_cleaning])
        wizard.action_compute_occupancy()
        self.assertEqual(wizard.line_ids.chair_id, self.chair_a)
        self.assertEqual(wizard.line_ids.booked_minutes, 60)
        dentist_wizard = wizard.with_user(self.user_dentist)
        with self.assertRaises(AccessError):
            dentist_wizard.env['dental.statistics.wizard'].create({'date_from': date(2031, 1, 6)})


@tagged('post_install', '-at_install')
class TestTreatmentAnalysis(AppointmentClinicalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls.env['dental.treatment.plan'].create(
            {'patient_id': cls.patient.id, 'dentist_id': cls.user_dentist.id, 'date': date(2031, 1, 1)}
        )
        cls.front_done = cls._create_treatment(
            tooth='11', surface_ids=cls._surface_ids('V'), dentist_id=cls.user_dentist.id, plan_id=cls.plan.id
        )
        cls.front_done.write({'state': 'done', 'date_done': date(2031, 1, 11)})
        cls.molar_planned = cls._create_treatment(tooth='46', dentist_id=cls.user_dentist.id, plan_id=cls.plan.id)
        cls.extraction = cls._create_treatment(
            procedure_id=cls.procedure_extraction.id, tooth='28', dentist_id=cls.user_dentist_2.id
        )
        cls.extraction.write({'state': 'done', 'date_done': date(2031, 1, 20)})
        cls.cleaning = cls._create_treatment(procedure_id=cls.procedure_cleaning.id, dentist_id=cls.user_dentist.id)
        cls.env.flush_all()
        cls.domain = [('patient_id', '=', cls.patient.id)]

    def test_tooth_groups_and_delay(self):
        rows = {row.treatment_id: row for row in self.env['dental.treatment.report'].search(self.domain)}
        self.assertEqual(rows[self.front_done].tooth_group, 'upper_anterior')
        self.assertEqual(rows[self.molar_planned].tooth_group, 'lower_posterior')
        self.assertEqual(rows[self.extraction].tooth_group, 'upper_posterior')
        self.assertEqual(rows[self.cleaning].tooth_group, 'none')
        self.assertEqual(rows[self.front_done].days_to_done, 10, 'planned on the plan date, done ten days later')
        self.assertFalse(rows[self.molar_planned].days_to_done)
        self.assertEqual(rows[self.extraction].category, 'surgery')

    def test_done_by_procedure_and_planned(self):
        Report = self.env['dental.treatment.report']
        done = dict(Report._read_group(self.domain + [('state', '=', 'done')], ['procedure_id'], ['done_count:sum']))
        self.assertEqual(done, {self.procedure_resin: 1, self.procedure_extraction: 1})
        planned, done_count = Report._read_group(self.domain, [], ['planned_count:sum', 'done_count:sum'])[0]
        self.assertEqual((planned, done_count), (2, 2))

    def test_rules(self):
        Report = self.env['dental.treatment.report']
        self.assertEqual(
            Report.with_user(self.user_dentist).search(self.domain).treatment_id,
            self.front_done | self.molar_planned | self.cleaning,
        )
        self.assertEqual(Report.with_user(self.user_dentist_2).search(self.domain).treatment_id, self.extraction)
        self.assertEqual(Report.with_user(self.user_manager).search_count(self.domain), 4)
        with self.assertRaises(AccessError):
            Report.with_user(self.user_receptionist).search(self.domain)


@tagged('post_install', '-at_install')
class TestPatientFrequency(AppointmentClinicalCase):
    def test_not_seen_list(self):
        Appointment = self.env['dental.appointment'].with_context(dental_allow_outside_hours=True)
        old = Appointment.create(
            {
                'patient_id': self.patient.id,
                'dentist_id': self.user_dentist.id,
                'chair_id': self.chair_a.id,
                'start': '2020-03-02 12:00:00',
                'duration': 1.0,
            }
        )
        old.action_arrive()
        old.action_start()
        old.action_done()
        self.env.flush_all()
        Frequency = self.env['dental.patient.frequency.report'].with_user(self.user_receptionist)
        row = Frequency.search([('patient_id', '=', self.patient.id)])
        self.assertEqual(row.last_visit_date, date(2020, 3, 2))
        self.assertGreaterEqual(row.months_since_last_visit, 12)
        self.assertEqual(row.visit_count, 1)
        self.assertFalse(row.has_next_appointment)
        not_seen = Frequency.search([('months_since_last_visit', '>=', 6)])
        self.assertIn(self.patient, not_seen.patient_id)
        self.assertNotIn(self.patient_2, not_seen.patient_id, 'never seen is a filter of its own')
        self._book(day=0, hour=9, patient_id=self.patient_2.id)
        self.env.flush_all()
        row_2 = Frequency.search([('patient_id', '=', self.patient_2.id)])
        self.assertTrue(row_2.has_next_appointment)
        self.assertFalse(row_2.last_visit_date)


@tagged('post_install', '-at_install')
class TestFrontDeskDashboard(AppointmentClinicalCase):
    """The front desk's screen on Wednesday 2031-01-08 at 12:00 in São Paulo (15:00 UTC)."""

    def test_front_desk_screen(self):
        with freeze_time('2031-01-08 15:00:00'):
            waiting = self._book(day=2, hour=11, duration=0.5)
            waiting.action_arrive()
            waiting.arrived_at = self.at(2, 11, 40)
            late = self._book(
                day=2,
                hour=11,
                minute=45,
                duration=0.25,
                patient_id=self.patient_2.id,
                dentist_id=self.user_dentist_2.id,
                chair_id=self.chair_b.id,
            )
            unconfirmed = self._book(day=3, hour=9, patient_id=self.patient_2.id)
            confirmed = self._book(day=3, hour=10)
            confirmed.action_confirm()
            # Done in June 2030 with a 6-month recall: due in December, to call now.
            self._create_treatment(procedure_id=self.procedure_cleaning.id, state='done', date_done='2030-06-01')
            self.env.flush_all()
            Dashboard = self.env['dental.dashboard'].with_user(self.user_receptionist)
            with self.assertQueryCount(__system__=40):
                data = Dashboard.get_dashboard_data('front_desk')
        self.assertEqual(data['today'], '2031-01-08')
        chairs = {chair['name']: chair['appointments'] for chair in data['chairs']}
        self.assertEqual([(a['time'], a['state']) for a in chairs['Cadeira A']], [('11:00', 'arrived')])
        self.assertEqual([(a['time'], a['state']) for a in chairs['Cadeira B']], [('11:45', 'scheduled')])
        self.assertEqual([(w['id'], w['minutes']) for w in data['waiting']], [(waiting.id, 20)])
        self.assertEqual([(item['id'], item['minutes']) for item in data['late']], [(late.id, 15)])
        self.assertEqual([item['id'] for item in data['unconfirmed']], [unconfirmed.id])
        self.assertEqual(self.env['dental.appointment'].search(data['unconfirmed_action']['domain']), unconfirmed)
        due = self.env['dental.recall'].search([('state', '=', 'open'), ('due_date', '<=', '2031-01-08')])
        self.assertIn(self.patient, due.patient_id)
        self.assertEqual(data['recalls']['count'], len(due))
        self.assertLessEqual({item['id'] for item in data['recalls']['items']}, set(due.ids))
        self.assertEqual(data['recalls']['action']['res_model'], 'dental.recall')
        with self.assertRaises(AccessError):
            self.env['dental.dashboard'].with_user(self.user_employee).get_dashboard_data('front_desk')

    def test_today_board_tomorrow_unconfirmed(self):
        """The Today board's button: tomorrow (the clinic's) unconfirmed only, for the staff only."""
        with freeze_time('2031-01-08 15:00:00'):
            unconfirmed = self._book(day=3, hour=9, patient_id=self.patient_2.id)
            self._book(day=3, hour=10).action_confirm()
            self._book(day=2, hour=16)  # today
            self._book(day=4, hour=9, patient_id=self.patient_2.id)  # the day after tomorrow
            self.env.flush_all()
            Dashboard = self.env['dental.dashboard'].with_user(self.user_receptionist)
            data = Dashboard.get_tomorrow_unconfirmed()
        self.assertEqual(data['count'], 1)
        self.assertEqual(self.env['dental.appointment'].search(data['action']['domain']), unconfirmed)
        with self.assertRaises(AccessError):
            self.env['dental.dashboard'].with_user(self.user_employee).get_tomorrow_unconfirmed()
