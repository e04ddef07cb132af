from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.addons.mail.tests.common import MailCase
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import AppointmentClinicalCase


@tagged('post_install', '-at_install')
class TestRecall(AppointmentClinicalCase, MailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only this test's recalls: the demo's are closed, and no appointment reminder rule runs.
        cls.env['dental.recall'].search([]).write({'state': 'not_interested'})
        cls.env['dental.reminder.rule'].search([]).active = False

    def _done_cleaning(self, date_done, patient=None):
        return self.env['dental.treatment'].create(
            {
                'patient_id': (patient or self.patient).id,
                'procedure_id': self.procedure_cleaning.id,
                'state': 'done',
                'date_done': date_done,
            }
        )

    def _recalls(self, patient=None):
        return self.env['dental.recall'].search([('patient_id', '=', (patient or self.patient).id)])

    def test_due_after_the_interval_newer_replaces(self):
        first = self._done_cleaning('2030-01-15')
        recall = self._recalls()
        self.assertRecordValues(
            recall,
            [
                {
                    'procedure_id': self.procedure_cleaning.id,
                    'state': 'open',
                    'due_date': first.date_done + relativedelta(months=6),
                }
            ],
        )
        self._done_cleaning('2030-03-10')
        self.assertEqual(self._recalls(), recall, 'one open recall per patient and procedure')
        self.assertEqual(str(recall.due_date), '2030-09-10')
        # A procedure without recall interval opens none.
        self.env['dental.treatment'].create(
            {
                'patient_id': self.patient.id,
                'procedure_id': self.procedure_extraction.id,
                'tooth': '18',
                'state': 'done',
                'date_done': '2030-03-10',
            }
        )
        self.assertEqual(len(self._recalls()), 1)

    def test_finishing_a_visit_opens_the_recall(self):
        appointment = self._book_arrived(self.procedure_cleaning, day=1)
        appointment.with_user(self.user_dentist).action_start()
        appointment.with_user(self.user_dentist).action_done()
        recall = self._recalls()
        self.assertEqual(recall.due_date, appointment._local_date() + relativedelta(months=6))

    def test_booking_the_procedure_closes_it(self):
        recall = self._recalls() or self._done_cleaning('2030-01-15') and self._recalls()
        other = self._book(day=1, hour=9)
        self.assertEqual(recall.state, 'open', 'an appointment without the procedure leaves it open')
        appointment = self._book(
            day=2, hour=9, procedure_ids=[Command.set(self.procedure_cleaning.ids)], env=self.user_receptionist.env
        )
        self.assertRecordValues(recall, [{'state': 'booked', 'appointment_id': appointment.id}])
        self.assertNotEqual(recall.appointment_id, other)

    def test_reminded_once_by_email(self):
        self._done_cleaning('2030-01-15')
        recall = self._recalls()
        with freeze_time('2030-07-14 12:00'), self.mock_mail_gateway():
            self.env['dental.reminder']._cron_send_reminders()
        self.assertFalse(self._new_mails, 'not due yet')
        self.company.resource_calendar_id.tz = 'America/Sao_Paulo'
        self.company.write({'dental_quiet_hour_start': 21.0, 'dental_quiet_hour_end': 8.0})
        with freeze_time('2030-07-15 03:00'), self.mock_mail_gateway():  # midnight in São Paulo: quiet hours
            self.env['dental.reminder']._cron_send_reminders()
        self.assertFalse(self._new_mails, 'due, but not at night')
        with freeze_time('2030-07-15 12:00'), self.mock_mail_gateway():
            self.env['dental.reminder']._cron_send_reminders()
        self.assertEqual(self._new_mails.recipient_ids, self.patient.partner_id)
        self.assertIn('Test prophylaxis', self._new_mails.body_html)
        self.assertTrue(recall.reminded_at)
        self.assertIn('Recall reminder queued by E-mail', recall.message_ids[0].body)
        with freeze_time('2030-07-16 12:00'), self.mock_mail_gateway():
            self.env['dental.reminder']._cron_send_reminders()
        self.assertFalse(self._new_mails, 'once')

    def test_front_desk_actions(self):
        self._done_cleaning('2030-01-15')
        recall = self._recalls().with_user(self.user_receptionist)
        self.assertEqual(recall.procedure_id.name, 'Test prophylaxis')
        with self.assertRaises(AccessError):
            recall.treatment_id  # noqa: B018 - clinical record: not for the front desk
        recall.action_contacted()
        self.assertEqual(recall.state, 'contacted')
        with freeze_time('2030-08-01'):
            wizard = (
                self.env['dental.recall.snooze']
                .with_user(self.user_receptionist)
                .create({'recall_ids': [Command.set(recall.ids)], 'snooze_until': '2030-09-01'})
            )
            wizard.action_snooze()
            self.assertRecordValues(recall, [{'state': 'snoozed'}])
            with self.assertRaises(UserError):
                recall.snooze('2030-07-01')
        with freeze_time('2030-09-01 12:00'), self.mock_mail_gateway():
            self.env['dental.recall']._remind_due()
        self.assertRecordValues(recall, [{'state': 'open', 'due_date': recall.due_date}])
        self.assertEqual(str(recall.due_date), '2030-09-01')
        self.assertEqual(len(self._new_mails), 1, 'reminded again when the snooze ends')
        recall.action_not_interested()
        self.assertEqual(recall.state, 'not_interested')
        with self.assertRaises(UserError):
            recall.action_contacted()
        with self.assertRaises(AccessError):
            recall.write({'due_date': '2031-01-01', 'patient_id': self.patient_2.id})
