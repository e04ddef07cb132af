from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.addons.dental_clinic.tests.common import AppointmentCase
from odoo.addons.dental_clinic_sms.models.dental_reminder import gsm7_length, gsm7_safe
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.sms.tests.common import SMSCase
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL


class SMSReminderCase(AppointmentCase, SMSCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['dental.reminder.rule'].search([]).active = False
        # The demo's recalls would be reminded by the same cron: out of the way.
        cls.env['dental.recall'].search([]).write({'state': 'not_interested'})
        cls.company.write({'dental_quiet_hour_start': 21.0, 'dental_quiet_hour_end': 8.0})
        cls.sms_template = cls.env.ref('dental_clinic_sms.sms_template_appointment_reminder')
        cls.rule_24 = cls.env['dental.reminder.rule'].create(
            {'hours_before': 24, 'channel': 'sms', 'sms_template_id': cls.sms_template.id}
        )

    def _run_cron(self, when):
        with freeze_time(when), self.mockSMSGateway():
            self.env['dental.reminder']._cron_send_reminders()

    def _reminders(self, appointment):
        return self.env['dental.reminder'].search([('appointment_id', '=', appointment.id)])


@tagged('post_install', '-at_install')
class TestReminderSMS(SMSReminderCase):
    def test_sms_queued_once_in_the_clinic_time(self):
        appointment = self._book(day=3, hour=9)
        self._run_cron(appointment.start - timedelta(hours=24, minutes=1))
        self.assertFalse(self._new_sms)
        self._run_cron(appointment.start - timedelta(hours=24))
        self.assertSMSOutgoing(self.patient.partner_id, '+5511987654321')
        self.assertEqual(len(self._new_sms), 1)
        body = self._new_sms.body
        self.assertIn('Thu 1/9 at 09:00', body, 'the clinic\'s time, never UTC (12:00)')
        self.assertIn(f'/dental/c/{appointment.id}/', body)
        reminder = self._reminders(appointment)
        self.assertRecordValues(reminder, [{'state': 'queued', 'channel': 'sms', 'sms_id': self._new_sms.id}])
        self._run_cron(appointment.start - timedelta(hours=23))
        self.assertFalse(self._new_sms, 'not twice')
        self.assertIn('24 h before by SMS queued', appointment.message_ids[0].body)

    def test_no_mobile_and_blacklisted(self):
        no_mobile = self._create_patient(name='Sem Celular', email='sem@example.com')
        blocked = self._create_patient(name='Bloqueado Sms', mobile='+5511912345678')
        self.env['phone.blacklist'].create({'number': '+5511912345678'})
        appointment_1 = self._book(day=3, hour=9, patient_id=no_mobile.id)
        appointment_2 = self._book(day=3, hour=10, patient_id=blocked.id)
        self._run_cron(self.at(2, 10))
        self.assertFalse(self._new_sms)
        self.assertRecordValues(self._reminders(appointment_1), [{'state': 'skipped', 'reason': 'no_mobile'}])
        self.assertRecordValues(self._reminders(appointment_2), [{'state': 'skipped', 'reason': 'blacklisted'}])

    def test_guardian_and_cancellation(self):
        guardian = self.env['res.partner'].create({'name': 'Pai Responsável', 'mobile': '+5511955554444'})
        child = self._create_patient(name='Pedro Criança', birth_date='2019-03-03', guardian_id=guardian.id)
        appointment = self._book(day=3, hour=9, patient_id=child.id)
        self._run_cron(self.at(2, 9))
        self.assertSMSOutgoing(guardian, '+5511955554444')
        sms = self._reminders(appointment).sms_id
        appointment.cancel('patient', 'Doente')
        self.assertEqual(sms.state, 'canceled', 'a cancelled appointment\'s SMS does not leave')
        self.assertRecordValues(self._reminders(appointment), [{'state': 'skipped', 'reason': 'cancelled'}])

    def test_sent_sms_marks_the_reminder_sent(self):
        appointment = self._book(day=3, hour=9)
        self._run_cron(self.at(2, 9))
        reminder = self._reminders(appointment)
        reminder.sms_id.unlink()  # what the SMS queue does once the provider has it
        self._run_cron(self.at(2, 9, 10))
        self.assertEqual(reminder.state, 'sent')

    def test_gsm7(self):
        self.assertEqual(gsm7_safe('Olá, Patrícia! Terça às 09:00 ção'), 'Ola, Patricia! Terca às 09:00 cao')
        self.assertEqual(gsm7_length('às {x}'), 8)
        self.assertIsNone(gsm7_length('á'))

    def test_recall_by_sms(self):
        procedure = self.env['dental.procedure'].create({'name': 'Profilaxia SMS', 'recall_months': 6})
        treatment = self.env['dental.treatment'].create(
            {'patient_id': self.patient.id, 'procedure_id': procedure.id, 'state': 'done', 'date_done': '2030-07-01'}
        )
        recall = self.env['dental.recall'].search([('treatment_id', '=', treatment.id)])
        self.assertEqual(recall.due_date, treatment.date_done + relativedelta(months=6))
        with freeze_time('2031-01-02 12:00'), self.mockSMSGateway():
            self.env['dental.recall']._remind_due()
        self.assertSMSOutgoing(self.patient.partner_id, '+5511987654321')
        self.assertIn('Profilaxia SMS', self._new_sms.body)
        with freeze_time('2031-01-03 12:00'), self.mockSMSGateway():
            self.env['dental.recall']._remind_due()
        self.assertFalse(self._new_sms, 'a due recall is reminded once')


@tagged('post_install', '-at_install')
class TestReminderSMSDemo(SMSReminderCase):
    def test_demo_sms_fit_one_part_in_pt_br(self):
        """Every demo appointment's SMS, rendered in pt_BR, is GSM-7 and at most 160 characters."""
        self.env['res.lang']._activate_lang('pt_BR')
        self.env['ir.module.module']._load_module_terms(
            ['dental_clinic', 'dental_clinic_sms'], ['pt_BR'], overwrite=True
        )
        self.env['ir.config_parameter'].set_param('web.base.url', 'http://localhost:8069')
        demo_rule = self.env.ref('dental_clinic_sms.reminder_rule_sms_24h')
        appointments = (
            self.env['dental.appointment']
            .search([('patient_id.name', '!=', False)])
            .filtered(lambda a: a.get_metadata()[0].get('xmlid') or a.patient_id.get_metadata()[0].get('xmlid'))
        )
        self.assertTrue(appointments, 'demo data installed')
        reminders = self.env['dental.reminder'].create(
            [
                {
                    'appointment_id': appointment.id,
                    'rule_id': demo_rule.id,
                    'appointment_start': appointment.start,
                    'company_id': appointment.company_id.id,
                    'channel': 'sms',
                    'state': 'skipped',
                    'partner_id': appointment.patient_id._dental_reminder_partner().id,
                }
                for appointment in appointments
            ]
        )
        bodies = self.sms_template.with_context(lang='pt_BR')._render_field('body', reminders.ids)
        longest = ''
        for reminder in reminders:
            body = gsm7_safe(bodies[reminder.id])
            self.assertIn('consulta', body)
            length = gsm7_length(body)
            self.assertIsNotNone(length, body)
            self.assertLessEqual(length, 160, body)
            longest = max(longest, body, key=len)
        self.assertIn('às', longest)


@tagged('post_install', '-at_install')
class TestReminderSMSTemplates(SMSReminderCase):
    def test_other_clinic_cannot_send_an_sms_template_of_another_model(self):
        other_manager = mail_new_test_user(
            self.env,
            login='other_sms_manager',
            groups='dental_clinic.group_dental_manager',
            company_id=self.company_other.id,
            company_ids=[(6, 0, self.company_other.ids)],
        )
        Rule = self.env['dental.reminder.rule'].with_user(other_manager)
        rules_before = Rule.sudo().with_context(active_test=False).search_count([])
        leaking = (
            self.env['sms.template']
            .with_user(self.env.ref('base.user_admin'))
            .create(
                {
                    'name': 'Ficha',
                    'model_id': self.env['ir.model']._get('dental.patient').id,
                    'body': '{{ object.name }}',
                }
            )
        )
        with self.assertRaisesRegex(ValidationError, 'is not made for'):
            Rule.create({'hours_before': 6, 'channel': 'sms', 'sms_template_id': leaking.id})
        # A template of the other clinic's rules is theirs.
        with self.assertRaisesRegex(AccessError, 'clinic you do not belong to'):
            self.sms_template.with_user(other_manager).write({'body': 'Outro texto'})
        self.assertEqual(Rule.sudo().with_context(active_test=False).search_count([]), rules_before)
        recall = self.env.ref('dental_clinic_sms.sms_template_recall')
        with self.assertRaisesRegex(AccessError, 'only the administrators change it'):
            recall.with_user(other_manager).write({'body': '{{ object.patient_id.name }}'})
        # Changed behind Odoo's back: the cron does not render it.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE sms_template SET model_id = %s, model = 'dental.patient' WHERE id = %s",
                self.env['ir.model']._get('dental.patient').id,
                self.sms_template.id,
            )
        )
        self.env.invalidate_all()
        appointment = self._book(day=3, hour=9)
        self._run_cron(appointment.start - timedelta(hours=24))
        self.assertFalse(self._new_sms)
        self.assertRecordValues(self._reminders(appointment), [{'state': 'failed', 'reason': 'error'}])
