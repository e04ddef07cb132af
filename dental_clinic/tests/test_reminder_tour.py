from datetime import datetime, time, timedelta

import pytz

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase, tagged

from .common import always_open_calendar


@tagged('post_install', '-at_install')
class TestReminderTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receptionist = mail_new_test_user(
            cls.env,
            login='wa_receptionist',
            name='Rita WhatsApp',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_receptionist',
        )
        dentist = mail_new_test_user(
            cls.env,
            login='wa_dentist',
            name='Dra. Zap',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_dentist',
        )
        calendar = always_open_calendar(cls.env, 'Always open (WhatsApp tour)')
        chair = cls.env['dental.chair'].create(
            {'name': 'Cadeira Zap', 'dentist_id': dentist.id, 'resource_calendar_id': calendar.id}
        )
        # The search filter computes "tomorrow" in the browser's time zone: the machine's, as here.
        tomorrow = datetime.now().date() + timedelta(days=1)

        def at(hour):
            return datetime.combine(tomorrow, time(hour)).astimezone(pytz.utc).replace(tzinfo=None)

        Appointment = cls.env['dental.appointment']
        cls.patient = cls.env['dental.patient'].create({'name': 'Paciente WhatsApp', 'mobile': '+5511987651234'})
        cls.appointment = Appointment.create(
            {
                'patient_id': cls.patient.id,
                'dentist_id': dentist.id,
                'chair_id': chair.id,
                'start': at(10),
                'duration': 0.5,
            }
        )
        confirmed = Appointment.create(
            {
                'patient_id': cls.env['dental.patient'].create({'name': 'Paciente Confirmado'}).id,
                'dentist_id': dentist.id,
                'chair_id': chair.id,
                'start': at(11),
                'duration': 0.5,
            }
        )
        confirmed.action_confirm()

    def test_receptionist_sends_whatsapp_reminder_from_tomorrow_list(self):
        self.start_tour(
            '/odoo/action-dental_clinic.dental_appointment_action_tomorrow_unconfirmed',
            'dental_reminder_whatsapp_tour',
            login='wa_receptionist',
        )
        messages = self.appointment.message_ids.filtered(lambda m: 'WhatsApp' in (m.body or ''))
        self.assertEqual(len(messages), 1)
        self.assertIn('Rita WhatsApp', messages.body)
