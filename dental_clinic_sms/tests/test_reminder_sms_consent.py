from freezegun import freeze_time

from odoo.tests import tagged

from .test_reminder_sms import SMSReminderCase


@tagged('post_install', '-at_install')
class TestReminderSMSConsent(SMSReminderCase):
    def _consent(self, patient, kind, state):
        return (
            self.env['dental.consent']
            .with_user(self.user_receptionist)
            .create({'patient_id': patient.id, 'consent_type': kind, 'state': state})
        )

    def test_sms_withdrawn_skipped(self):
        withdrawn = self._create_patient(name='Sem Sms', mobile='+5511912340000')
        self._consent(withdrawn, 'sms', 'withdrawn')
        email_only = self._create_patient(name='Sem Email', mobile='+5511912341111')
        self._consent(email_only, 'email', 'withdrawn')
        blocked = self._book(day=3, hour=9, patient_id=withdrawn.id)
        allowed = self._book(day=3, hour=10, patient_id=email_only.id)
        self._run_cron(self.at(2, 10))
        self.assertEqual(self._new_sms.partner_id, email_only.partner_id, 'an e-mail withdrawal leaves the SMS')
        self.assertRecordValues(self._reminders(blocked), [{'state': 'skipped', 'reason': 'no_consent'}])
        self.assertEqual(self._reminders(allowed).state, 'queued')
        self.assertIn('24 h before by SMS skipped: Patient withdrew consent', blocked.message_ids[0].body)

    def test_withdrawal_cancels_the_queued_sms(self):
        appointment = self._book(day=3, hour=9)
        self._run_cron(self.at(2, 9))
        reminder = self._reminders(appointment)
        sms = reminder.sms_id
        self.assertEqual(sms.state, 'outgoing')
        self._consent(self.patient, 'sms', 'withdrawn')
        self.assertRecordValues(reminder, [{'state': 'skipped', 'reason': 'no_consent'}])
        self.assertEqual(sms.state, 'canceled', 'the queued SMS does not leave')

    def test_recall_sms_withdrawn(self):
        procedure = self.env['dental.procedure'].create({'name': 'Profilaxia SMS', 'recall_months': 6})
        self.env['dental.treatment'].create(
            {'patient_id': self.patient.id, 'procedure_id': procedure.id, 'state': 'done', 'date_done': '2030-07-01'}
        )
        recall = self.env['dental.recall'].search([('patient_id', '=', self.patient.id)])
        self._consent(self.patient, 'sms', 'withdrawn')
        with freeze_time('2031-01-02 12:00'), self.mockSMSGateway():
            self.env['dental.recall']._remind_due()
        self.assertFalse(self._new_sms)
        self.assertTrue(recall.reminded_at)
        body = recall.message_ids[0].body
        self.assertIn('Recall reminder queued by E-mail.', body, 'the e-mail consent was not withdrawn')
        self.assertIn('Not by SMS: the patient withdrew consent.', body)
