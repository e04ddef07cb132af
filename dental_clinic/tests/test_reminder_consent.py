from freezegun import freeze_time

from odoo.addons.mail.tests.common import MailCase
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AppointmentClinicalCase
from .test_reminder import ReminderCase


class ConsentMixin:
    def _consent(self, patient, kind, state):
        """Record a consent entry as the front desk does (the date is now, before the frozen test times)."""
        return (
            self.env['dental.consent']
            .with_user(self.user_receptionist)
            .create({'patient_id': patient.id, 'consent_type': kind, 'state': state})
        )


@tagged('post_install', '-at_install')
class TestReminderConsent(ReminderCase, ConsentMixin):
    def test_email_withdrawn_skipped_with_its_reason(self):
        withdrawn = self._create_patient(name='Sem Consentimento', email='semconsent@example.com')
        self._consent(withdrawn, 'email', 'given')
        self._consent(withdrawn, 'email', 'withdrawn')
        # A withdrawal of another channel does not stop the e-mail.
        sms_only = self._create_patient(name='Sem Sms', email='semsms@example.com')
        self._consent(sms_only, 'sms', 'withdrawn')
        # Given again after a withdrawal: the latest entry counts.
        again = self._create_patient(name='Voltou Atras', email='voltou@example.com')
        self._consent(again, 'email', 'withdrawn')
        self._consent(again, 'email', 'given')
        blocked = self._book(day=3, hour=9, patient_id=withdrawn.id)
        allowed = self._book(day=3, hour=10, patient_id=sms_only.id) | self._book(day=3, hour=11, patient_id=again.id)
        mails = self._run_cron(self.at(1, 12))
        self.assertEqual(mails.recipient_ids, sms_only.partner_id | again.partner_id)
        self.assertRecordValues(self._reminders(blocked), [{'state': 'skipped', 'reason': 'no_consent'}])
        for appointment in allowed:
            self.assertEqual(self._reminders(appointment).state, 'queued')
        self.assertTrue(
            blocked.message_ids.filtered(
                lambda m: 'skipped: Patient withdrew consent for this channel' in (m.body or '')
            ),
            'the skip and its reason are in the appointment\'s chatter',
        )
        self.assertFalse(self._run_cron(self.at(1, 13)), 'skipped once, not retried')

    def test_opt_out_still_wins(self):
        patient = self._create_patient(name='Nao Quer', email='naoquer@example.com', dental_reminder_opt_out=True)
        self._consent(patient, 'email', 'withdrawn')
        appointment = self._book(day=3, hour=9, patient_id=patient.id)
        self.assertFalse(self._run_cron(self.at(1, 12)))
        self.assertRecordValues(self._reminders(appointment), [{'state': 'skipped', 'reason': 'opt_out'}])

    def test_withdrawal_cancels_the_queued_email(self):
        appointment = self._book(day=3, hour=9)
        mail = self._run_cron(self.at(1, 12))
        reminder = self._reminders(appointment)
        self.assertEqual(reminder.state, 'queued')
        self._consent(self.patient, 'whatsapp', 'withdrawn')
        self.assertEqual(reminder.state, 'queued', 'another channel\'s withdrawal leaves it')
        self.assertEqual(mail.state, 'outgoing')
        self._consent(self.patient, 'email', 'withdrawn')
        self.assertRecordValues(reminder, [{'state': 'skipped', 'reason': 'no_consent'}])
        self.assertEqual(mail.state, 'cancel', 'the queued e-mail does not leave')

    def test_whatsapp_refused_when_withdrawn(self):
        appointment = self._book(day=3, hour=9)
        as_receptionist = appointment.with_user(self.user_receptionist)
        messages = appointment.message_ids
        self._consent(self.patient, 'email', 'withdrawn')
        self.assertEqual(as_receptionist.action_send_whatsapp()['type'], 'ir.actions.act_url', 'e-mail only')
        messages = appointment.message_ids
        self._consent(self.patient, 'whatsapp', 'withdrawn')
        with self.assertRaisesRegex(UserError, 'withdrew consent to messages by WhatsApp'):
            as_receptionist.action_send_whatsapp()
        self.assertEqual(appointment.message_ids, messages, 'no click logged')
        self._consent(self.patient, 'whatsapp', 'given')
        self.assertEqual(as_receptionist.action_send_whatsapp()['type'], 'ir.actions.act_url')

    def test_whatsapp_refused_when_opted_out(self):
        appointment = self._book(day=3, hour=9)
        self.patient.dental_reminder_opt_out = True
        messages = appointment.message_ids
        with self.assertRaisesRegex(UserError, 'asked not to receive reminders'):
            appointment.with_user(self.user_receptionist).action_send_whatsapp()
        self.assertEqual(appointment.message_ids, messages)


@tagged('post_install', '-at_install')
class TestRecallConsent(AppointmentClinicalCase, MailCase, ConsentMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['dental.recall'].search([]).write({'state': 'not_interested'})
        cls.env['dental.reminder.rule'].search([]).active = False

    def test_recall_email_withdrawn(self):
        other = self._create_patient(name='Outro Paciente', email='outro@example.com')
        for patient in (self.patient, other):
            self.env['dental.treatment'].create(
                {
                    'patient_id': patient.id,
                    'procedure_id': self.procedure_cleaning.id,
                    'state': 'done',
                    'date_done': '2030-01-15',
                }
            )
        self.patient.mobile = False  # no SMS either (with the SMS bridge installed)
        recalls = self.env['dental.recall'].search([('patient_id', 'in', (self.patient | other).ids)])
        self._consent(self.patient, 'email', 'withdrawn')
        with freeze_time('2030-07-15 15:00'), self.mock_mail_gateway():
            self.env['dental.reminder']._cron_send_reminders()
        self.assertEqual(self._new_mails.recipient_ids, other.partner_id, 'only the patient who did not withdraw')
        withdrawn = recalls.filtered(lambda r: r.patient_id == self.patient)
        self.assertIn('no channel to remind the patient', withdrawn.message_ids[0].body)
        self.assertIn('Not by E-mail: the patient withdrew consent.', withdrawn.message_ids[0].body)
        self.assertNotIn('withdrew', (recalls - withdrawn).message_ids[0].body)
