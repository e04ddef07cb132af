from datetime import timedelta

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .test_reminder import ReminderCase


@tagged('post_install', '-at_install')
class TestReminderTemplates(ReminderCase):
    """The cron sends the rules' templates as superuser: only reminder templates, without reports, of the clinic."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_manager = mail_new_test_user(
            cls.env,
            login='other_dental_manager',
            name='Gerente Filial',
            groups='dental_clinic.group_dental_manager',
            company_id=cls.company_other.id,
            company_ids=[(6, 0, cls.company_other.ids)],
        )
        cls.record_report = cls.env.ref('dental_clinic.action_report_patient_record')

    def _counts(self):
        return {
            model: self.env[model].sudo().with_context(active_test=False).search_count([])
            for model in ('dental.reminder.rule', 'mail.mail', 'dental.access.log', 'dental.reminder')
        }

    def _template(self, user, model='dental.reminder', **values):
        return (
            self.env['mail.template']
            .with_user(user)
            .create(
                {
                    'name': 'Lembrete próprio',
                    'model_id': self.env['ir.model']._get(model).id,
                    'subject': 'Lembrete',
                    'body_html': '<p>Até breve.</p>',
                    **values,
                }
            )
        )

    def test_other_clinic_manager_cannot_mail_the_record_of_a_patient(self):
        """A template of another model, with the record PDF and an outside address, is refused for a rule."""
        before = self._counts()
        Rule = self.env['dental.reminder.rule'].with_user(self.other_manager)
        leaking = self._template(
            self.other_manager,
            model='dental.patient',
            email_to='fora@example.com',
            report_template_ids=[(6, 0, self.record_report.ids)],
        )
        with self.assertRaisesRegex(ValidationError, 'is not made for'):
            Rule.create({'hours_before': 48, 'mail_template_id': leaking.id})
        # The record PDF on a reminder template: refused on the template itself (reports of its own model only).
        with self.assertRaisesRegex(ValidationError, 'only attach reports of the records it is sent for'):
            self._template(self.other_manager, report_template_ids=[(6, 0, self.record_report.ids)])
        self.assertEqual(self._counts(), before, 'no rule, no message, no access')
        # Nothing can go at the cron either.
        self._book(day=3, hour=9)
        self.assertEqual(len(self._run_cron(self.at(1, 12))), 1, 'only the clinic\'s own reminder')

    def test_template_with_reports_refused_for_a_rule(self):
        report = self.env['ir.actions.report'].create(
            {
                'name': 'Relatório do lembrete',
                'model': 'dental.reminder',
                'report_type': 'qweb-pdf',
                'report_name': 'dental_clinic.report_patient_record',
            }
        )
        with_report = self._template(self.user_manager, report_template_ids=[(6, 0, report.ids)])
        before = self._counts()
        with self.assertRaisesRegex(ValidationError, 'never carry reports'):
            self.env['dental.reminder.rule'].with_user(self.user_manager).create(
                {'hours_before': 3, 'mail_template_id': with_report.id}
            )
        self.assertEqual(self._counts(), before)
        # Nor can a template in use take one afterwards.
        own = self._template(self.user_manager)
        self.rule_48.with_user(self.user_manager).mail_template_id = own
        with self.assertRaises(ValidationError) as refused:  # a constraint: rolled back to the savepoint
            own.with_user(self.user_manager).report_template_ids = report
        self.assertIn('never carry reports', str(refused.exception))
        self.assertFalse(own.report_template_ids)

    def test_template_computing_by_code_refused(self):
        """Rendered as superuser, code in a template would read any clinic's records: plain fields only."""
        code = '<p t-out="object.env[\'dental.patient\'].search([]).mapped(\'name\')"/>'
        coded = self.template.copy({'body_html': code})
        before = self._counts()
        with self.assertRaisesRegex(ValidationError, 'computes values by code'):
            self.env['dental.reminder.rule'].with_user(self.user_manager).create(
                {'hours_before': 3, 'mail_template_id': coded.id}
            )
        self.assertEqual(self._counts(), before)
        # Nor may a template in use take code afterwards.
        own = self._template(self.user_manager)
        self.rule_48.with_user(self.user_manager).mail_template_id = own
        with self.assertRaises(ValidationError) as refused:
            own.body_html = coded.body_html
        self.assertIn('computes values by code', str(refused.exception))
        # Nor in one of its translations (each language is rendered for its recipients).
        self.env['res.lang']._activate_lang('pt_BR')
        with self.assertRaises(ValidationError) as refused:
            own.with_user(self.user_manager).update_field_translations('body_html', {'pt_BR': code})
        self.assertIn('computes values by code', str(refused.exception))
        self.assertNotIn('object.env', own.with_context(lang='pt_BR').body_html)

    def test_template_of_another_clinic_refused(self):
        theirs = self._template(self.user_manager)
        before = self._counts()
        with self.assertRaisesRegex(AccessError, 'choose one of your clinic'):
            self.env['dental.reminder.rule'].with_user(self.other_manager).create(
                {'hours_before': 12, 'mail_template_id': theirs.id}
            )
        self.assertEqual(self._counts(), before)
        # The shipped template serves every clinic; a clinic's own template is changed by that clinic only.
        self.env['dental.reminder.rule'].with_user(self.other_manager).create(
            {'hours_before': 12, 'mail_template_id': self.template.id}
        )
        self.rule_48.with_user(self.user_manager).mail_template_id = theirs
        with self.assertRaisesRegex(AccessError, 'clinic you do not belong to'):
            theirs.with_user(self.other_manager).write({'email_to': 'fora@example.com'})
        self.assertFalse(theirs.email_to)

    def test_tampered_template_not_sent_by_the_cron(self):
        """Changed behind Odoo's back (or before this check existed): the cron refuses it, renders nothing."""
        template = self.template.copy()
        self.rule_48.mail_template_id = template
        appointment = self._book(day=3, hour=9)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE mail_template SET model_id = %s, model = 'dental.patient', email_to = 'fora@example.com' "
                "WHERE id = %s",
                self.env['ir.model']._get('dental.patient').id,
                template.id,
            )
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO mail_template_ir_actions_report_rel (mail_template_id, ir_actions_report_id) "
                "VALUES (%s, %s)",
                template.id,
                self.record_report.id,
            )
        )
        self.env.invalidate_all()
        before = self._counts()
        mails = self._run_cron(appointment.start - timedelta(hours=47))
        self.assertFalse(mails, 'no message')
        reminder = self._reminders(appointment)
        self.assertRecordValues(reminder, [{'state': 'failed', 'reason': 'error', 'mail_mail_id': False}])
        self.assertIn('is not made for', reminder.failure_message)
        after = self._counts()
        self.assertEqual(after['mail.mail'], before['mail.mail'])
        self.assertEqual(after['dental.access.log'], before['dental.access.log'], 'no report rendered')

    def test_recall_template_changed_by_administrators_only(self):
        """Sent for every clinic with its expressions: a clinic's manager cannot turn it into a leak."""
        recall = self.env.ref('dental_clinic.mail_template_recall')
        body = recall.body_html
        for user in (self.user_manager, self.other_manager):
            with self.assertRaisesRegex(AccessError, 'only the administrators change it'):
                recall.with_user(user).write({'email_to': 'fora@example.com'})
            with self.assertRaisesRegex(AccessError, 'only the administrators change it'):
                recall.with_user(user).update_field_translations('body_html', {'pt_BR': '<p>Outro</p>'})
        self.assertFalse(recall.email_to)
        self.assertEqual(recall.body_html, body)
        admin = self.env.ref('base.user_admin')
        recall.with_user(admin).write({'subject': 'Hora de voltar'})
        self.assertEqual(recall.subject, 'Hora de voltar')
