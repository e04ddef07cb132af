from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AppointmentClinicalCase

WIZARD_MODELS = (
    'dental.appointment.reschedule',
    'dental.appointment.cancel',
    'dental.slot.finder',
    'dental.patient.purge',
    'dental.patient.anonymize',
    'dental.agenda.wizard',
    'dental.statistics.wizard',
    'dental.recall.snooze',
    'dental.settings',
)


class CompanyOtherCase(AppointmentClinicalCase):
    """Company 1's agenda and catalogue, and users of the second company only (the attackers)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        other = {
            'company_id': cls.company_other.id,
            'company_ids': [Command.set(cls.company_other.ids)],
            'notification_type': 'inbox',
        }
        cls.receptionist_other = mail_new_test_user(
            cls.env,
            login='filial_receptionist',
            name='Recepção Filial',
            groups='dental_clinic.group_dental_receptionist',
            **other,
        )
        cls.manager_other = mail_new_test_user(
            cls.env, login='filial_manager', name='Gerente Filial', groups='dental_clinic.group_dental_manager', **other
        )
        cls.appointment = cls._book(hour=9, procedure_ids=[Command.set(cls.procedure_cleaning.ids)])
        cls.procedure_own = cls.env['dental.procedure'].create(
            {'name': 'Clareamento da matriz', 'code': 'MTZ-1', 'company_id': cls.company.id}
        )
        cls.recall = cls.env['dental.recall'].create(
            {'patient_id': cls.patient.id, 'procedure_id': cls.procedure_cleaning.id, 'due_date': '2031-01-01'}
        )

    def _wizard_counts(self):
        return {model: self.env[model].sudo().search_count([]) for model in WIZARD_MODELS}


@tagged('post_install', '-at_install')
class TestWizardLinks(CompanyOtherCase):
    """A wizard of another company's records would show their names, times and dates: refused."""

    REFUSED = 'records you are allowed to see|records of your own companies'

    def _assert_refused(self, call):
        counts = self._wizard_counts()
        with self.assertRaisesRegex(AccessError, self.REFUSED):
            call()
        self.assertEqual(self._wizard_counts(), counts)

    def test_front_desk_of_the_other_company(self):
        env = self.env(user=self.receptionist_other)
        other_links = {
            'dental.appointment.reschedule': {'appointment_id': self.appointment.id},
            'dental.appointment.cancel': {
                'appointment_ids': [Command.set(self.appointment.ids)],
                'cancel_reason': 'x',
            },
            'dental.slot.finder': {'appointment_id': self.appointment.id},
            'dental.agenda.wizard': {'dentist_ids': [Command.link(self.user_dentist.id)]},
            'dental.recall.snooze': {'recall_ids': [Command.set(self.recall.ids)]},
        }
        for model, vals in other_links.items():
            with self.subTest(model=model):
                self._assert_refused(lambda model=model, vals=vals: env[model].create(vals))
        finder_links = (
            {'patient_id': self.patient.id, 'duration': 1},
            {'chair_id': self.chair_a.id, 'duration': 1},
            {'dentist_id': self.user_dentist.id, 'duration': 1},
            {'procedure_ids': [Command.set(self.procedure_own.ids)], 'duration': 1},
        )
        for vals in finder_links:
            with self.subTest(vals=vals):
                self._assert_refused(lambda vals=vals: env['dental.slot.finder'].create(vals))

    def test_defaults_and_onchange_are_checked_too(self):
        Reschedule = self.env['dental.appointment.reschedule'].with_user(self.receptionist_other)
        by_default = Reschedule.with_context(default_appointment_id=self.appointment.id)
        self._assert_refused(lambda: by_default.create({}))
        self._assert_refused(lambda: by_default.default_get(['appointment_id', 'current_start']))
        spec = {'appointment_id': {'fields': {'display_name': {}}}, 'current_start': {}, 'dentist_id': {}}
        self._assert_refused(lambda: Reschedule.onchange({'appointment_id': self.appointment.id}, [], spec))

    def test_refusal_in_the_user_s_language(self):
        self.env['res.lang']._activate_lang('pt_BR')
        self.env['ir.module.module']._load_module_terms(['dental_clinic'], ['pt_BR'], overwrite=True)
        env = self.env(user=self.receptionist_other, context={'lang': 'pt_BR'})
        with self.assertRaisesRegex(AccessError, 'Aqui você só pode trabalhar com registros que tem permissão'):
            env['dental.appointment.reschedule'].create({'appointment_id': self.appointment.id})

    def test_missing_and_malformed_links(self):
        Finder = self.env['dental.slot.finder'].with_user(self.receptionist_other)
        self._assert_refused(lambda: Finder.create({'appointment_id': 2_000_000_000, 'duration': 1}))
        for value in ('1', [1], True):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                Finder.create({'chair_id': value, 'duration': 1})

    def test_write_on_an_own_wizard(self):
        finder = self.env['dental.slot.finder'].with_user(self.receptionist_other).create({'duration': 1})
        for vals in (
            {'appointment_id': self.appointment.id},
            {'chair_id': self.chair_a.id},
            {'patient_id': self.patient.id},
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(AccessError, self.REFUSED):
                finder.write(vals)
            finder.invalidate_recordset()
            self.assertFalse(finder.sudo().appointment_id or finder.sudo().chair_id or finder.sudo().patient_id)

    def test_manager_of_the_other_company(self):
        env = self.env(user=self.manager_other)
        for model, vals in (
            ('dental.patient.purge', {'patient_id': self.patient.id}),
            ('dental.patient.anonymize', {'patient_id': self.patient.id}),
            ('dental.statistics.wizard', {'chair_ids': [Command.set(self.chair_a.ids)]}),
            ('dental.statistics.wizard', {'dentist_ids': [Command.set(self.user_dentist.ids)]}),
            ('dental.settings', {'company_id': self.company.id}),
        ):
            with self.subTest(model=model, vals=vals):
                self._assert_refused(lambda model=model, vals=vals: env[model].create(vals))
        self.assertTrue(self.patient.exists())

    def test_users_work_on_their_own_wizards(self):
        wizard = (
            self.env['dental.appointment.reschedule']
            .with_user(self.user_receptionist)
            .create({'appointment_id': self.appointment.id})
        )
        self.assertEqual(wizard.current_start, self.appointment.start)
        for user in (self.receptionist_other, self.user_dentist):
            with self.subTest(user=user.login), mute_logger('odoo.addons.base.models.ir_rule'):
                with self.assertRaises(AccessError):
                    wizard.with_user(user).read(['current_start', 'appointment_id'])
                with self.assertRaises(AccessError):
                    wizard.with_user(user).action_reschedule()
        self.assertEqual(self.appointment.start, self.at(0, 9))

    def test_own_company_still_works(self):
        finder = (
            self.env['dental.slot.finder']
            .with_user(self.user_receptionist)
            .create({'appointment_id': self.appointment.id, 'chair_id': self.chair_a.id, 'duration': 1})
        )
        finder.action_search()
        self.assertTrue(finder.line_ids)
        purge = self.env['dental.patient.purge'].with_user(self.user_manager).create({'patient_id': self.patient.id})
        self.assertEqual(purge.retention_date, self.patient.retention_date)


@tagged('post_install', '-at_install')
class TestSharedCatalogue(CompanyOtherCase):
    """Conditions, procedures and working hours are changed only by managers of their company (shared ones by
    managers of the main company)."""

    def _assert_refused_unchanged(self, records, call, fnames):
        before = records.sudo().read(fnames)
        with mute_logger('odoo.addons.base.models.ir_rule'), self.assertRaises(AccessError):
            call()
        records.invalidate_recordset()
        self.assertEqual(records.sudo().exists().read(fnames), before)

    def test_other_company_manager_cannot_change_shared_conditions(self):
        diabetes = self.condition_diabetes.with_user(self.manager_other)
        self.assertFalse(diabetes.company_id)
        self.assertTrue(diabetes.is_risk)
        self._assert_refused_unchanged(diabetes, lambda: diabetes.write({'is_risk': False}), ['is_risk', 'active'])
        self._assert_refused_unchanged(
            diabetes, lambda: diabetes.write({'company_id': self.company_other.id}), ['company_id']
        )
        self._assert_refused_unchanged(diabetes, lambda: diabetes.unlink(), ['name'])
        self._assert_refused_unchanged(
            diabetes, lambda: diabetes.update_field_translations('name', {'pt_BR': 'Nada'}), ['name']
        )

    def test_other_company_manager_cannot_change_procedures(self):
        shared = self.procedure_cleaning.with_user(self.manager_other)
        self._assert_refused_unchanged(
            shared, lambda: shared.write({'recall_months': 0, 'duration': 9}), ['recall_months', 'duration']
        )
        own = self.env['dental.procedure'].create({'name': 'Própria', 'company_id': self.company.id})
        with mute_logger('odoo.addons.base.models.ir_rule'), self.assertRaises(AccessError):
            own.with_user(self.manager_other).write({'duration': 9})
        self.assertEqual(own.duration, 0.5)

    def test_managers_of_their_company_and_of_the_main_company(self):
        # A manager adds a shared entry, and changes the own company's ones.
        Condition = self.env['dental.condition'].with_user(self.manager_other)
        shared = Condition.create({'name': 'Bruxismo'})
        own = Condition.create({'name': 'Bruxismo', 'company_id': self.company_other.id})
        own.write({'is_risk': True})
        self.assertTrue(own.is_risk)
        # Only a manager of the main company (the head office) changes a shared one.
        with mute_logger('odoo.addons.base.models.ir_rule'), self.assertRaises(AccessError):
            shared.write({'is_risk': True})
        self.assertFalse(shared.is_risk)
        self.assertEqual(self.company, self.env.ref('base.main_company'))
        self.condition_diabetes.with_user(self.user_manager).write({'color': 3})
        self.assertEqual(self.condition_diabetes.color, 3)
        shared.with_user(self.user_manager).write({'is_risk': True})
        self.assertTrue(shared.is_risk)

    def test_other_company_manager_cannot_change_working_hours(self):
        calendar = self.calendar.with_user(self.manager_other)
        attendance = self.calendar.attendance_ids[:1].with_user(self.manager_other)
        self._assert_refused_unchanged(calendar, lambda: calendar.write({'tz': 'UTC'}), ['tz', 'attendance_ids'])
        self._assert_refused_unchanged(
            attendance, lambda: attendance.write({'hour_from': 0, 'hour_to': 24}), ['hour_from', 'hour_to']
        )
        self._assert_refused_unchanged(attendance, lambda: attendance.unlink(), ['hour_from'])
        self._assert_refused_unchanged(
            calendar,
            lambda: (
                self.env['resource.calendar.attendance']
                .with_user(self.manager_other)
                .create(
                    {
                        'calendar_id': self.calendar.id,
                        'name': 'Domingo',
                        'dayofweek': '6',
                        'hour_from': 0,
                        'hour_to': 24,
                        'day_period': 'morning',
                    }
                )
            ),
            ['attendance_ids'],
        )
        self._assert_refused_unchanged(calendar, lambda: calendar.unlink(), ['name'])
        # Nor close company 1's chairs with a leave on its working hours.
        leaves = self.env['resource.calendar.leaves'].sudo().search_count([])
        with mute_logger('odoo.addons.base.models.ir_rule'), self.assertRaises(AccessError):
            self.env['resource.calendar.leaves'].with_user(self.manager_other).create(
                {
                    'name': 'Fechado',
                    'calendar_id': self.calendar.id,
                    'date_from': self.at(0, 0),
                    'date_to': self.at(5, 0),
                }
            )
        self.assertEqual(self.env['resource.calendar.leaves'].sudo().search_count([]), leaves)
        # Their own company's working hours stay theirs to change.
        own = self.env['resource.calendar'].with_user(self.manager_other).create({'name': 'Filial'})
        self.assertEqual(own.company_id, self.company_other)
        own.attendance_ids[:1].write({'hour_to': 11})
        own.write({'tz': 'America/Sao_Paulo'})
