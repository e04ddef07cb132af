from datetime import datetime, timedelta

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import SQL

from .common import AppointmentClinicalCase, DentalCase, DentalClinicalCase


class TestPhones(DentalCase):
    """National numbers are read as Brazilian in a Brazilian company or one without a country."""

    def test_brazilian_formats_accepted_and_shown_nationally(self):
        for typed, stored, shown in (
            ('(11) 98765-4321', '+5511987654321', '(11) 98765-4321'),
            ('11 3456-7890', '+551134567890', '(11) 3456-7890'),
            ('011 96931 8313', '+5511969318313', '(11) 96931-8313'),
        ):
            with self.subTest(typed=typed):
                patient = self._create_patient(mobile=typed)
                self.assertEqual(patient.mobile, stored)
                self.assertEqual(patient.mobile_national, shown)

    def test_company_without_country_reads_brazil(self):
        self.company_other.country_id = False
        patient = self._create_patient(mobile='(11) 98765-4300', company_id=self.company_other.id)
        self.assertEqual(patient.mobile, '+5511987654300')

    def test_foreign_number_shown_international(self):
        patient = self._create_patient(mobile='+351 912 345 678')
        self.assertEqual(patient.mobile_national, '+351 912 345 678')

    def _stored_national(self, patient):
        """What a list page reads from the table (stored, not computed when shown)."""
        self.env.flush_all()
        self.env.cr.execute(SQL('SELECT phone_national, mobile_national FROM dental_patient WHERE id = %s', patient.id))
        return self.env.cr.fetchone()

    def test_national_numbers_follow_the_company_country(self):
        patient = self._create_patient(mobile='(11) 98765-4301', phone='(11) 3456-7801')
        self.assertEqual(self._stored_national(patient), ('(11) 3456-7801', '(11) 98765-4301'))
        patient.company_id.country_id = self.env.ref('base.pt')
        self.assertEqual(self._stored_national(patient), ('+55 11 3456-7801', '+55 11 98765-4301'))
        patient.mobile = '+351 912 345 678'
        self.assertEqual(self._stored_national(patient), ('+55 11 3456-7801', '912 345 678'))

    def test_error_gives_an_example(self):
        with self.assertRaisesRegex(ValidationError, r'\(11\) 98765-4321'):
            self._create_patient(mobile='(11) 1234')

    def test_non_text_phone_is_a_validation_error(self):
        for value in (['11', '98765-4321'], 11987654321, {'a': 1}):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                self._create_patient(mobile=value)

    def test_national_field_writes_e164(self):
        patient = self.patient.with_user(self.user_receptionist)
        patient.mobile_national = '11 97777-6666'
        self.assertEqual(patient.mobile, '+5511977776666')
        self.assertEqual(patient.mobile_national, '(11) 97777-6666')
        self.assertEqual(self._stored_national(patient)[1], '(11) 97777-6666')
        with self.assertRaises(ValidationError):
            patient.phone_national = '123'


class TestSearchBox(DentalCase):
    """What the receptionist types in the one search box (``display_name``) finds the patient."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A name no demo patient shares, so that the test holds on a demo database too.
        cls.joao = cls._create_patient(name='Zé João Ândrade Müller', cpf='111.444.777-35', mobile='(21) 99876-5432')

    def _find(self, term):
        return self.env['dental.patient'].with_user(self.user_receptionist).search([('display_name', 'ilike', term)])

    def test_terms(self):
        for term in (
            'ze joao',
            'ZE JOAO andrade',
            'Zé João',
            'andrade muller',
            'ândrade müller',
            '111.444.777-35',
            '11144477735',
            '444777',
            '(21) 99876-5432',
            '21998765432',
            '+55 21 99876 5432',
            '021 99876-5432',
            self.joao.file_number,
            self.joao.file_number.lower(),
        ):
            with self.subTest(term=term):
                self.assertEqual(self._find(term), self.joao)

    def test_name_search_of_many2one(self):
        results = self.env['dental.patient'].with_user(self.user_receptionist).name_search('ze joao')
        self.assertEqual([r[0] for r in results], [self.joao.id])

    def test_search_name_follows_renames(self):
        self.joao.name = 'Joana Érica Zênite'
        self.assertEqual(self.joao.search_name, 'joana erica zenite')
        self.assertEqual(self._find('erica zenite'), self.joao)


class TestBookingConsistency(AppointmentClinicalCase):
    """Stored start, end and duration always agree, whatever combination arrives."""

    def _assert_consistent(self, appointment, start, stop):
        self.assertEqual((appointment.start, appointment.stop), (start, stop))
        self.assertAlmostEqual(appointment.duration, (stop - start).total_seconds() / 3600)

    def test_rpc_combinations(self):
        start = self.at(0, 10)
        cases = [
            ({'start': start, 'stop': self.at(0, 11)}, self.at(0, 11)),
            ({'start': start, 'duration': 0.5}, self.at(0, 10, 30)),
            ({'start': start, 'stop': self.at(0, 11), 'duration': 0.5}, self.at(0, 11)),
            ({'start': start}, self.at(0, 10, 30)),
        ]
        for day, (vals, stop) in enumerate(cases):
            with self.subTest(vals=vals):
                shift = timedelta(days=day)
                vals = {k: (v + shift if isinstance(v, datetime) else v) for k, v in vals.items()}
                appointment = self.env['dental.appointment'].create(
                    dict(vals, patient_id=self.patient.id, dentist_id=self.user_dentist.id, chair_id=self.chair_a.id)
                )
                self._assert_consistent(appointment, start + shift, stop + shift)

    def test_write_stop_with_another_duration(self):
        appointment = self._book(hour=9, duration=1.0)
        appointment.write({'stop': self.at(0, 9, 45), 'duration': 2.0})
        self._assert_consistent(appointment, self.at(0, 9), self.at(0, 9, 45))

    def test_calendar_click_form_shows_and_stores_the_same(self):
        """A click on 10:00-11:00 opens the form with both fields agreeing, and that is what is saved."""
        context = {'default_start': self.at(0, 10), 'default_stop': self.at(0, 11)}
        with Form(self.env['dental.appointment'].with_user(self.user_receptionist).with_context(**context)) as form:
            form.patient_id = self.patient
            form.chair_id = self.chair_a
            self.assertEqual(form.stop, self.at(0, 11))
            self.assertAlmostEqual(form.duration, 1.0)
        self._assert_consistent(form.record, self.at(0, 10), self.at(0, 11))

    def test_form_edit_end_then_procedures(self):
        with Form(self.env['dental.appointment'].with_user(self.user_receptionist)) as form:
            form.patient_id = self.patient
            form.chair_id = self.chair_a
            form.start = self.at(0, 14)
            form.stop = self.at(0, 15, 30)
            self.assertAlmostEqual(form.duration, 1.5)
            form.procedure_ids.add(self.procedure_cleaning)
            self.assertEqual(form.stop, self.at(0, 14, 30))
        self._assert_consistent(form.record, self.at(0, 14), self.at(0, 14, 30))

    def test_chair_does_not_replace_chosen_dentist(self):
        with Form(self.env['dental.appointment'].with_context(default_dentist_id=self.user_dentist_2.id)) as form:
            form.patient_id = self.patient
            form.chair_id = self.chair_a
            form.start = self.at(0, 9)
        self.assertEqual(form.record.dentist_id, self.user_dentist_2)


class TestSlotFinder(AppointmentClinicalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # First in the clinic's order of chairs, before any demo chair.
        cls.chair_a.sequence, cls.chair_b.sequence = 1, 2

    def _finder(self, **values):
        values.setdefault('patient_id', self.patient.id)
        values.setdefault('date_from', self.at(0, 8))
        return self.env['dental.slot.finder'].with_user(self.user_receptionist).create(values)

    def test_books_the_chosen_dentist_with_the_procedure(self):
        """Chair A's default dentist is Denise; the receptionist searched for Diego."""
        finder = self._finder(dentist_id=self.user_dentist_2.id, procedure_ids=[Command.set(self.procedure_resin.ids)])
        self.assertEqual(finder.duration, 1.0, 'the procedure sets the duration')
        finder.action_search()
        line = finder.line_ids.filtered(lambda line: line.chair_id == self.chair_a)[:1]
        self.assertTrue(line)
        action = line.action_select()
        with Form(
            self.env['dental.appointment'].with_user(self.user_receptionist).with_context(**action['context'])
        ) as form:
            self.assertEqual(form.dentist_id, self.user_dentist_2)
        appointment = form.record
        self.assertEqual(appointment.dentist_id, self.user_dentist_2)
        self.assertEqual(appointment.chair_id, self.chair_a)
        self.assertEqual(appointment.procedure_ids, self.procedure_resin)
        self.assertEqual((appointment.start, appointment.stop), (line.start, line.stop))
        self.assertEqual(appointment.duration, 1.0)

    def test_each_time_once_per_dentist(self):
        finder = self._finder(dentist_id=self.user_dentist_2.id, duration=0.5)
        finder.action_search()
        starts = finder.line_ids.mapped('start')
        self.assertEqual(len(starts), len(set(starts)))
        self.assertEqual(finder.line_ids[0].chair_id, self.chair_a, 'the first free chair, by sequence')

    def test_label_in_user_time_zone(self):
        finder = self._finder(chair_id=self.chair_a.id, duration=0.5)
        finder.action_search()
        self.assertIn('08:00 – 08:30', finder.line_ids[0].slot_label)

    def test_year_9999_is_a_user_error(self):
        finder = self._finder(chair_id=self.chair_a.id, date_from=datetime(9999, 12, 31, 12))
        with self.assertRaises(UserError):
            finder.action_search()


class TestClinicSettings(DentalCase):
    """The dental manager edits the clinic's settings without being an Odoo administrator."""

    def test_manager_saves_company_settings(self):
        self.assertFalse(self.user_manager.has_group('base.group_system'))
        settings = self.env['dental.settings'].with_user(self.user_manager).create({})
        self.assertEqual(settings.dental_late_cancel_hours, self.company.dental_late_cancel_hours)
        settings.dental_late_cancel_hours = 48
        settings.action_save()
        self.assertEqual(self.company.dental_late_cancel_hours, 48)

    def test_others_cannot(self):
        with self.assertRaises(AccessError):
            self.env['dental.settings'].with_user(self.user_receptionist).default_get(['dental_late_cancel_hours'])
        with self.assertRaises(AccessError):
            self.env['dental.settings'].with_user(self.user_receptionist).create({'dental_late_cancel_hours': 1})
        settings = self.env['dental.settings'].create({'dental_late_cancel_hours': 2})
        with self.assertRaises(AccessError):
            settings.with_user(self.user_dentist).action_save()

    def test_every_company_dental_field_is_on_the_form(self):
        company_fields = {f for f in self.env['res.company']._fields if f.startswith('dental_')}
        self.assertEqual(set(self.env['dental.settings']._setting_fnames()), company_fields)
        arch = self.env['dental.settings'].get_view(view_type='form')['arch']
        for fname in company_fields:
            self.assertIn(f'name="{fname}"', arch)


class TestDentistDay(AppointmentClinicalCase):
    def test_unsigned_note_flagged_and_note_named_with_local_date(self):
        appointment = self._book_arrived(self.procedure_cleaning)
        appointment.with_user(self.user_dentist).action_start()
        note = (
            self.env['dental.clinical.note']
            .with_user(self.user_dentist)
            .create(
                {
                    'patient_id': self.patient.id,
                    'appointment_id': appointment.id,
                    'body': '<p>Ok</p>',
                    'date': datetime(2031, 1, 6, 15),
                }
            )
        )
        self.assertTrue(appointment.with_user(self.user_dentist).has_unsigned_note)
        self.assertNotIn('2031-01-06', note.display_name)
        note.action_sign()
        appointment.invalidate_recordset()
        self.assertFalse(appointment.with_user(self.user_dentist).has_unsigned_note)

    def test_business_hours_for_the_calendar(self):
        hours = self.env['dental.appointment'].with_user(self.user_receptionist).get_calendar_business_hours()
        self.assertIn({'daysOfWeek': [1], 'startTime': '08:00', 'endTime': '12:00'}, hours)
        self.assertIn({'daysOfWeek': [5], 'startTime': '13:00', 'endTime': '18:00'}, hours)

    def test_time_label(self):
        appointment = self._book(hour=9, duration=0.75)
        self.assertEqual(appointment.with_user(self.user_receptionist).time_label, '09:00 – 09:45')


@tagged('post_install', '-at_install')
class TestManagerSettingsHttp(HttpCase):
    """Through the web client's RPC, as the dental manager (not administrator)."""

    def test_manager_edits_late_cancellation_delay(self):
        manager = mail_new_test_user(self.env, login='http_dental_manager', groups='dental_clinic.group_dental_manager')
        self.assertFalse(manager.has_group('base.group_system'))
        self.authenticate('http_dental_manager', 'http_dental_manager')
        action = self.make_jsonrpc_request('/web/action/load', {'action_id': 'dental_clinic.dental_settings_action'})
        self.assertEqual(action['res_model'], 'dental.settings')
        call = '/web/dataset/call_kw/dental.settings/'
        defaults = self.make_jsonrpc_request(
            call + 'onchange',
            {
                'model': 'dental.settings',
                'method': 'onchange',
                'args': [[], {}, [], {'dental_late_cancel_hours': {}, 'company_id': {}}],
                'kwargs': {},
            },
        )
        self.assertEqual(defaults['value']['dental_late_cancel_hours'], manager.company_id.dental_late_cancel_hours)
        settings_id = self.make_jsonrpc_request(
            call + 'create',
            {'model': 'dental.settings', 'method': 'create', 'args': [{'dental_late_cancel_hours': 36}], 'kwargs': {}},
        )
        self.make_jsonrpc_request(
            call + 'action_save',
            {'model': 'dental.settings', 'method': 'action_save', 'args': [[settings_id]], 'kwargs': {}},
        )
        self.assertEqual(manager.company_id.dental_late_cancel_hours, 36)


class TestSurfaceCount(DentalClinicalCase):
    def test_two_surface_procedure_needs_two_faces(self):
        self.procedure_resin.surface_count = 2
        with self.assertRaisesRegex(ValidationError, 'needs 2 surface'):
            self._create_treatment(surface_ids=self._surface_ids('O'))
        treatment = self._create_treatment(surface_ids=self._surface_ids('OD'))
        self.assertEqual(len(treatment.surface_ids), 2)

    def test_count_only_for_procedures_with_surfaces(self):
        with self.assertRaises(ValidationError):
            self.procedure_cleaning.surface_count = 1

    def test_procedure_durations_not_summed_in_groups(self):
        groups = self.env['dental.procedure'].read_group([], ['duration'], ['category'])
        self.assertNotIn('duration', groups[0])


class TestAvatars(DentalCase):
    def test_initial_skips_the_title(self):
        from base64 import b64decode

        for n, (name, initial) in enumerate(
            (('Dra. Beatriz Moura', 'B'), ('Dr Henrique Tavares', 'H'), ('Prof. Dr. Ana', 'A'), ('Drummond Silva', 'D'))
        ):
            with self.subTest(name=name):
                # Odoo generates letter avatars for the partners of internal users.
                user = mail_new_test_user(
                    self.env, login=f'avatar_{n}', name=name, groups='dental_clinic.group_dental_dentist'
                )
                svg = b64decode(user.partner_id.avatar_128).decode()
                self.assertIn(f'>{initial}</text>', svg)


@tagged('post_install', '-at_install')
class TestHome(DentalCase):
    """Post-install: the menus of every installed app are loaded by then."""

    def test_staff_land_on_the_today_board(self):
        """Without a home action of their own, users open the first app: the clinic's, on its Today board."""
        menus = self.env['ir.ui.menu'].with_user(self.user_receptionist).load_menus(False)
        root = self.env.ref('dental_clinic.menu_dental_root')
        self.assertEqual(menus['root']['children'][0], root.id)
        self.assertEqual(root.action, self.env.ref('dental_clinic.dental_appointment_action_today'))
