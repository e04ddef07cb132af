from datetime import timedelta
from unittest.mock import patch
from urllib.parse import unquote

from freezegun import freeze_time

from odoo.addons.dental_clinic.models.dental_reminder import DentalReminder
from odoo.addons.mail.tests.common import MailCase, mail_new_test_user
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import AppointmentCase


class ReminderCase(AppointmentCase, MailCase):
    """Reminder rules of the test company only (demo rules switched off), e-mail queue mocked.

    The appointments of AppointmentCase are in January 2031, São Paulo time
    (UTC-3); quiet hours are the default 21:00-08:00 there.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['dental.reminder.rule'].search([]).active = False
        # The demo's recalls would be reminded by the same cron: out of the way.
        cls.env['dental.recall'].search([]).write({'state': 'not_interested'})
        cls.company.write({'dental_quiet_hour_start': 21.0, 'dental_quiet_hour_end': 8.0})
        cls.template = cls.env.ref('dental_clinic.mail_template_appointment_reminder')
        cls.rule_48 = cls._rule(48)
        cls.patient.partner_id.lang = 'en_US'

    @classmethod
    def _rule(cls, hours, **values):
        return cls.env['dental.reminder.rule'].create(
            {'hours_before': hours, 'channel': 'email', 'mail_template_id': cls.template.id, **values}
        )

    def _run_cron(self, when, **kwargs):
        """Run the cron at naive UTC ``when``, with the e-mail queue mocked."""
        with freeze_time(when), self.mock_mail_gateway():
            self.env['dental.reminder']._cron_send_reminders(**kwargs)
        return self._new_mails

    def _reminders(self, appointment):
        return self.env['dental.reminder'].search([('appointment_id', '=', appointment.id)])


@tagged('post_install', '-at_install')
class TestReminderSending(ReminderCase):
    def test_due_at_the_boundary_and_exactly_once(self):
        appointment = self._book(day=3, hour=9)  # Thursday 09:00 local = 12:00 UTC
        due = appointment.start - timedelta(hours=48)
        mails = self._run_cron(due - timedelta(minutes=1))
        self.assertFalse(mails, 'one minute early: not due yet')
        self.assertFalse(self._reminders(appointment))
        mails = self._run_cron(due)
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.recipient_ids, self.patient.partner_id)
        reminder = self._reminders(appointment)
        self.assertRecordValues(
            reminder,
            [
                {
                    'state': 'queued',
                    'rule_id': self.rule_48.id,
                    'appointment_start': appointment.start,
                    'scheduled_at': due,
                    'mail_mail_id': mails.id,
                    'partner_id': self.patient.partner_id.id,
                }
            ],
        )
        # The cron runs again, and again: nothing more.
        self.assertFalse(self._run_cron(due + timedelta(minutes=10)))
        self.assertFalse(self._run_cron(due + timedelta(hours=5)))
        self.assertEqual(len(self._reminders(appointment)), 1)
        # One short line in the appointment's chatter, not the message.
        logs = appointment.message_ids.filtered(lambda m: 'Reminder' in (m.body or ''))
        self.assertEqual(len(logs), 1)
        self.assertIn('48 h before by E-mail queued', logs.body)
        self.assertNotIn('Confirm', logs.body)
        self.assertEqual(appointment.reminder_count, 1)

    def test_time_zone_and_language_of_the_text(self):
        self.env['res.lang']._activate_lang('pt_BR')
        patient_br = self._create_patient(name='Joana Brasil', email='joana@example.com', lang='pt_BR')
        appointment_en = self._book(day=3, hour=9)
        appointment_br = self._book(day=3, hour=10, patient_id=patient_br.id)
        mails = self._run_cron(appointment_br.start - timedelta(hours=47))
        self.assertEqual(len(mails), 2)
        mail_en = mails.filtered(lambda m: m.recipient_ids == self.patient.partner_id)
        mail_br = mails - mail_en
        # 09:00 in São Paulo is 12:00 UTC: the text shows the clinic's time, never UTC.
        self.assertIn('09:00', mail_en.body_html)
        self.assertNotIn('12:00', mail_en.body_html)
        self.assertIn('Thursday', mail_en.body_html)
        self.assertIn('January 9, 2031', mail_en.body_html)
        self.assertIn('Hello Paciente', mail_en.body_html)
        self.assertIn(self.user_dentist.name, mail_en.body_html)
        self.assertIn(self.company.name, mail_en.body_html)
        self.assertIn(f'/dental/c/{appointment_en.id}/', mail_en.body_html)
        self.assertIn('10:00', mail_br.body_html)
        self.assertIn('quinta-feira', mail_br.body_html)
        self.assertIn('9 de janeiro de 2031', mail_br.body_html)
        self.assertIn('Olá Joana', mail_br.body_html)

    def test_quiet_hours_push_to_their_end(self):
        self._rule(12)
        self.rule_48.active = False
        appointment = self._book(day=3, hour=10)  # due Wednesday 22:00 local: in quiet hours
        due = appointment.start - timedelta(hours=12)
        self.assertFalse(self._run_cron(due))
        self.assertFalse(self._run_cron(due + timedelta(hours=1)), 'still quiet at 23:00')
        self.assertFalse(self._reminders(appointment))
        quiet_end = self.at(3, 8)
        self.assertFalse(self._run_cron(quiet_end - timedelta(minutes=1)))
        self.assertEqual(len(self._run_cron(quiet_end)), 1, 'sent at 08:00, still two hours before 10:00')
        self.assertEqual(self._reminders(appointment).state, 'queued')

    def test_quiet_hours_too_late_skipped(self):
        self._rule(2)
        self.rule_48.active = False
        appointment = self._book(day=3, hour=8, minute=30)  # due 06:30 local, quiet until 08:00 > 07:30
        self.assertFalse(self._run_cron(appointment.start - timedelta(hours=2)))
        self.assertFalse(self._run_cron(self.at(3, 8)))
        self.assertRecordValues(self._reminders(appointment), [{'state': 'skipped', 'reason': 'quiet_hours'}])
        self.assertFalse(self._run_cron(self.at(3, 8, 10)))

    def test_quiet_hours_in_the_clinic_time_zone(self):
        """22:00 UTC is 19:00 in São Paulo: not quiet there."""
        appointment = self._book(day=3, hour=16)  # 19:00 UTC; 48h before = Tuesday 16:00 local
        self.company.write({'dental_quiet_hour_start': 19.0, 'dental_quiet_hour_end': 20.0})
        self.assertFalse(self._run_cron(self.at(1, 19, 30)), '19:30 local is quiet')
        self.assertEqual(len(self._run_cron(self.at(1, 20))), 1)
        self.assertTrue(appointment.reminder_ids)

    def test_skips_with_reasons(self):
        nobody = self._create_patient(name='Sem Email')
        opted_out = self._create_patient(name='Nao Quer', email='naoquer@example.com', dental_reminder_opt_out=True)
        blacklisted = self._create_patient(name='Bloqueado', email='bloqueado@example.com')
        self.env['mail.blacklist'].create({'email': 'bloqueado@example.com'})
        appointments = {
            'no_email': self._book(day=3, hour=8, patient_id=nobody.id),
            'opt_out': self._book(day=3, hour=9, patient_id=opted_out.id),
            'blacklisted': self._book(day=3, hour=10, patient_id=blacklisted.id),
        }
        ok = self._book(day=3, hour=11)
        mails = self._run_cron(self.at(1, 12))
        self.assertEqual(mails.recipient_ids, self.patient.partner_id, 'the skips never stop the batch')
        for reason, appointment in appointments.items():
            self.assertRecordValues(self._reminders(appointment), [{'state': 'skipped', 'reason': reason}])
            self.assertTrue(appointment.message_ids.filtered(lambda m: 'skipped' in (m.body or '')))
        self.assertEqual(self._reminders(ok).state, 'queued')

    def test_minor_guardian_receives_it(self):
        guardian = self.env['res.partner'].create({'name': 'Mãe Responsável', 'email': 'mae@example.com'})
        child = self._create_patient(name='Criança Pequena', birth_date='2020-05-05', guardian_id=guardian.id)
        appointment = self._book(day=3, hour=9, patient_id=child.id)
        mails = self._run_cron(self.at(1, 12))
        self.assertEqual(mails.recipient_ids, guardian)
        self.assertEqual(self._reminders(appointment).partner_id, guardian)
        self.assertIn('Hello Mãe', mails.body_html)
        self.assertIn('Criança Pequena', mails.body_html)

    def test_superseded_by_a_closer_rule(self):
        """Booked 90 minutes ahead: the 48 h and 2 h rules are both due, only the 2 h one goes."""
        rule_2 = self._rule(2)
        appointment = self._book(day=3, hour=11)
        mails = self._run_cron(appointment.start - timedelta(minutes=90))
        self.assertEqual(len(mails), 1)
        reminders = self._reminders(appointment)
        self.assertEqual(reminders.filtered(lambda r: r.rule_id == rule_2).state, 'queued')
        self.assertRecordValues(
            reminders.filtered(lambda r: r.rule_id == self.rule_48), [{'state': 'skipped', 'reason': 'superseded'}]
        )

    def test_past_appointment_skipped(self):
        appointment = self._book(day=3, hour=9)
        self._run_cron(appointment.start + timedelta(minutes=30))
        self.assertRecordValues(self._reminders(appointment), [{'state': 'skipped', 'reason': 'past'}])

    def test_moved_appointment_reminded_again(self):
        appointment = self._book(day=3, hour=9)
        first = self._run_cron(self.at(1, 12))
        self.assertEqual(len(first), 1)
        old_reminder = self._reminders(appointment)
        with freeze_time(self.at(1, 13)):
            appointment.reschedule(self.at(4, 9), self.at(4, 10))
        self.assertRecordValues(old_reminder, [{'state': 'skipped', 'reason': 'moved'}])
        self.assertEqual(first.state, 'cancel', 'the queued e-mail of the old time does not leave')
        self.assertFalse(self._run_cron(self.at(1, 14)), 'not due yet for Friday')
        second = self._run_cron(self.at(2, 9))
        self.assertEqual(len(second), 1)
        self.assertIn('Friday', second.body_html)
        reminders = self._reminders(appointment)
        self.assertEqual(len(reminders), 2)
        self.assertEqual(reminders.filtered(lambda r: r.state == 'queued').appointment_start, self.at(4, 9))

    def test_cancelled_appointment_not_reminded(self):
        cancelled = self._book(day=3, hour=9)
        cancelled.cancel('clinic', 'Dentist away')
        queued = self._book(day=3, hour=10)
        self.assertEqual(len(self._run_cron(self.at(1, 12))), 1)
        self.assertFalse(self._reminders(cancelled))
        mail = self._reminders(queued).mail_mail_id
        queued.cancel('patient', 'Travelling')
        self.assertRecordValues(self._reminders(queued), [{'state': 'skipped', 'reason': 'cancelled'}])
        self.assertEqual(mail.state, 'cancel')

    def test_exception_in_the_middle_of_a_batch_then_rerun(self):
        """A crash loses the batch in progress (claims and e-mails together); the rerun sends each one once."""
        appointments = [self._book(day=3, hour=hour) for hour in (8, 9, 10, 11)]
        when = self.at(1, 12)
        # First batch of two goes through (committed per batch outside tests).
        self.assertEqual(len(self._run_cron(when, batch_size=2, max_batches=1)), 2)
        original = DentalReminder._log_in_chatter
        calls = []

        def crash_after_queueing(records):
            calls.append(records)
            raise RuntimeError('worker killed')

        with (
            patch.object(DentalReminder, '_log_in_chatter', crash_after_queueing),
            self.assertRaises(RuntimeError),
            self.env.cr.savepoint(),
        ):
            self._run_cron(when, batch_size=2)
        self.assertEqual(len(calls), 1, 'crashed after queueing the second batch')
        self.env.invalidate_all()
        self.assertEqual(DentalReminder._log_in_chatter, original)
        mails = self._run_cron(when, batch_size=2)
        self.assertEqual(len(mails), 2, 'the rerun queues the two that were rolled back')
        mails = self._run_cron(when + timedelta(minutes=10), batch_size=2)
        self.assertFalse(mails)
        for appointment in appointments:
            reminder = self._reminders(appointment)
            self.assertEqual(len(reminder), 1)
            self.assertEqual(reminder.state, 'queued')
            self.assertEqual(
                self.env['mail.mail'].search_count([('model', '=', 'dental.reminder'), ('res_id', '=', reminder.id)]), 1
            )

    def test_progress_reported_to_the_cron(self):
        for hour in (8, 9, 10):
            self._book(day=3, hour=hour)
        cron = self.env.ref('dental_clinic.ir_cron_dental_reminders')
        self.assertTrue(cron.active)
        self.assertEqual(cron.code.strip(), 'model._cron_send_reminders()')
        progress = self.env['ir.cron.progress'].create({'cron_id': cron.id, 'done': 0, 'remaining': 0})
        Reminder = self.env['dental.reminder'].with_context(ir_cron_progress_id=progress.id)
        with freeze_time(self.at(1, 12)), self.mock_mail_gateway():
            Reminder._cron_send_reminders(batch_size=2, max_batches=1)
        self.assertRecordValues(progress, [{'done': 2, 'remaining': 1}])
        with freeze_time(self.at(1, 12)), self.mock_mail_gateway():
            Reminder._cron_send_reminders(batch_size=2)
        self.assertRecordValues(progress, [{'done': 1, 'remaining': 0}])

    def test_delivery_state_follows_the_mail_queue(self):
        appointment = self._book(day=3, hour=9)
        mail = self._run_cron(self.at(1, 12))
        reminder = self._reminders(appointment)
        mail.write({'state': 'exception', 'failure_reason': 'SMTP down'})
        self._run_cron(self.at(1, 12, 10))
        self.assertRecordValues(reminder, [{'state': 'failed', 'failure_message': 'SMTP down'}])
        appointment_2 = self._book(day=3, hour=10)
        self._run_cron(self.at(1, 13))
        reminder_2 = self._reminders(appointment_2)
        reminder_2.mail_mail_id.unlink()  # what the mail queue does with a sent e-mail (auto_delete)
        self._run_cron(self.at(1, 13, 10))
        self.assertEqual(reminder_2.state, 'sent')

    def test_whatsapp_link(self):
        appointment = self._book(day=3, hour=9)
        action = appointment.with_user(self.user_receptionist).action_send_whatsapp()
        self.assertEqual(action['type'], 'ir.actions.act_url')
        url = action['url']
        self.assertTrue(url.startswith('https://wa.me/5511987654321?text='), url)
        text = unquote(url.split('?text=', 1)[1])
        self.assertIn('Thursday, January 9, 2031 at 09:00', text)
        token = appointment.sudo().dental_confirm_token
        self.assertIn(f'/dental/c/{appointment.id}/{token}', text)
        self.assertNotIn(' ', url, 'the text is URL-encoded')
        self.assertTrue(appointment.message_ids.filtered(lambda m: 'WhatsApp reminder opened by Rita' in m.body))
        self.patient.mobile = False
        with self.assertRaises(UserError):
            appointment.action_send_whatsapp()

    def test_tomorrow_unconfirmed(self):
        with freeze_time(self.at(2, 12)):
            tomorrow = self._book(day=3, hour=9)
            self._book(day=3, hour=10).action_confirm()
            self._book(day=4, hour=9)
            Appointment = self.env['dental.appointment'].with_user(self.user_receptionist)
            # The Today board's button (the clinic's tomorrow).
            board = self.env['dental.dashboard'].with_user(self.user_receptionist).get_tomorrow_unconfirmed()
            self.assertEqual(board['count'], 1)
            self.assertIn(
                tomorrow,
                Appointment.search(
                    [('state', '=', 'scheduled'), ('start', '>=', self.at(3, 0)), ('start', '<', self.at(4, 0))]
                ),
            )


@tagged('post_install', '-at_install')
class TestReminderAccess(ReminderCase):
    def test_front_desk_reads_logs_manager_configures(self):
        appointment = self._book(day=3, hour=9)
        self._run_cron(self.at(1, 12))
        reminder = self._reminders(appointment)
        as_receptionist = reminder.with_user(self.user_receptionist)
        self.assertEqual(as_receptionist.state, 'queued')
        with self.assertRaises(AccessError):
            as_receptionist.write({'state': 'sent'})
        with self.assertRaises(AccessError):
            self.env['dental.reminder.rule'].with_user(self.user_receptionist).create(
                {'hours_before': 3, 'mail_template_id': self.template.id}
            )
        with self.assertRaises(AccessError):
            self.company.with_user(self.user_receptionist).dental_quiet_hour_start = 22
        rule = (
            self.env['dental.reminder.rule']
            .with_user(self.user_manager)
            .create({'hours_before': 3, 'mail_template_id': self.template.id})
        )
        self.assertEqual(rule.company_id, self.company)
        with self.assertRaises(AccessError):
            appointment.with_user(self.user_receptionist).dental_confirm_token  # noqa: B018

    def test_other_company_isolated(self):
        appointment = self._book(day=3, hour=9)
        self._run_cron(self.at(1, 12))
        other_user = mail_new_test_user(
            self.env,
            login='other_receptionist',
            groups='dental_clinic.group_dental_receptionist',
            company_id=self.company_other.id,
            company_ids=[(6, 0, self.company_other.ids)],
        )
        self.assertFalse(
            self.env['dental.reminder'].with_user(other_user).search([('appointment_id', '=', appointment.id)])
        )
        self.assertFalse(self.env['dental.reminder.rule'].with_user(other_user).search([]))
