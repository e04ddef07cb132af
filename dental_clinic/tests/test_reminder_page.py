import re
from datetime import datetime, timedelta

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase, tagged

from .common import always_open_calendar


@tagged('post_install', '-at_install')
class TestReminderPage(HttpCase):
    """The patient's page behind the reminder link, as an anonymous visitor sees it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receptionist = mail_new_test_user(
            cls.env,
            login='page_receptionist',
            name='Rita Página',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_receptionist',
        )
        cls.dentist = mail_new_test_user(
            cls.env,
            login='page_dentist',
            name='Dra. <b>Negrito</b> Souza',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_dentist',
        )
        calendar = always_open_calendar(cls.env, 'Always open (page)')
        cls.chair = cls.env['dental.chair'].create(
            {'name': 'Cadeira Página', 'dentist_id': cls.dentist.id, 'resource_calendar_id': calendar.id}
        )
        cls.patient = cls.env['dental.patient'].create(
            {
                'name': '<script>alert(1)</script> Maria',
                'email': 'maria.segredo@example.com',
                'mobile': '+5511987650000',
                'notes': '<p>Nota administrativa secreta</p>',
            }
        )
        start = (datetime.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        cls.appointment = (
            cls.env['dental.appointment']
            .with_user(cls.receptionist)
            .create(
                {
                    'patient_id': cls.patient.id,
                    'dentist_id': cls.dentist.id,
                    'chair_id': cls.chair.id,
                    'start': start,
                    'duration': 1.0,
                    'notes': '<p>Observação interna</p>',
                }
            )
            .sudo()
        )

    def _url(self, appointment=None, token=None):
        appointment = appointment or self.appointment
        return f'/dental/c/{appointment.id}/{token or appointment.dental_confirm_token}'

    def _get(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response.text

    def _post(self, url, page_html, answer):
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)
        return self.url_open(f'{url}/{answer}', data={'csrf_token': csrf})

    def _log_bodies(self):
        return ' '.join(self.appointment.message_ids.mapped('body'))

    def test_valid_link_shows_the_four_facts_only(self):
        html = self._get(self._url())
        local = self.appointment._dental_message_values()
        self.assertIn(local['local_time'], html)
        self.assertIn(local['local_date'], html)
        self.assertIn(self.env.company.name, html)
        self.assertIn('Dra. &lt;b&gt;Negrito&lt;/b&gt; Souza', html, 'names are escaped')
        for secret in (
            'alert(1)',
            'Maria',
            'maria.segredo',
            '98765',
            'Nota administrativa',
            'Observação',
            'Cadeira Página',
            'Rita',
        ):
            self.assertNotIn(secret, html)
        self.assertNotIn('<script>alert', html)
        self.assertIn('Confirm', html)
        self.assertIn("I can't come", html)

    def test_confirm_then_reused(self):
        url = self._url()
        first_html = self._get(url)
        response = self._post(url, first_html, 'confirm')
        self.assertEqual(response.status_code, 200)
        self.assertIn('your appointment is confirmed', response.text)
        self.appointment.invalidate_recordset()
        self.assertEqual(self.appointment.state, 'confirmed')
        self.assertEqual(self.appointment.patient_response, 'confirmed')
        self.assertIn('The patient confirmed through the reminder link.', self._log_bodies())
        # The link was used: the page says so, and a second answer changes nothing.
        html = self._get(url)
        self.assertIn('already been recorded', html)
        self.assertNotIn('name="csrf_token"', html)
        response = self._post(url, first_html, 'decline')
        self.assertIn('already been recorded', response.text)
        self.appointment.invalidate_recordset()
        self.assertEqual(self.appointment.state, 'confirmed')
        self.assertIn('The reminder link was used again; nothing changed.', self._log_bodies())

    def test_cannot_come(self):
        url = self._url()
        response = self._post(url, self._get(url), 'decline')
        self.assertIn('Your appointment is cancelled', response.text)
        self.appointment.invalidate_recordset()
        self.assertRecordValues(
            self.appointment, [{'state': 'cancelled', 'cancel_origin': 'patient', 'patient_response': 'cancelled'}]
        )
        activity = self.appointment.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.receptionist, 'the front desk that booked it offers a new time')
        self.assertIn('cannot come', self._log_bodies())

    def test_wrong_token_changes_nothing(self):
        html = self._get(self._url(token='x' * 22))
        self.assertIn('This link is not valid', html)
        self.assertNotIn(self.dentist.name, html)
        # The right id with a wrong token, and a POST to it: nothing changes.
        response = self.url_open(f'{self._url(token="y" * 22)}/confirm', data={'csrf_token': 'bad'})
        self.assertIn(response.status_code, (200, 400))
        self.appointment.invalidate_recordset()
        self.assertEqual(self.appointment.state, 'scheduled')
        html = self._get('/dental/c/999999999/whatever')
        self.assertIn('This link is not valid', html)
        for company in self.env['res.company'].search([]):
            self.assertNotIn(company.name, html, 'a wrong link names no clinic of this server')

    def test_post_without_csrf_refused(self):
        response = self.url_open(f'{self._url()}/confirm', data={'answer': 'yes'})
        self.assertEqual(response.status_code, 400)
        self.appointment.invalidate_recordset()
        self.assertEqual(self.appointment.state, 'scheduled')

    def test_expired_link(self):
        past_start = (datetime.now() - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
        past = self.env['dental.appointment'].create(
            {
                'patient_id': self.patient.id,
                'dentist_id': self.dentist.id,
                'chair_id': self.chair.id,
                'start': past_start,
                'duration': 1.0,
            }
        )
        html = self._get(self._url(past))
        self.assertIn('already started or taken place', html)
        self.assertNotIn('name="csrf_token"', html)
        self.assertEqual(past.state, 'scheduled')
        self.assertIn('after the appointment started', ' '.join(past.message_ids.mapped('body')))

    def test_page_in_the_patient_language(self):
        self.env['res.lang']._activate_lang('pt_BR')
        self.env['ir.module.module']._load_module_terms(['dental_clinic'], ['pt_BR'], overwrite=True)
        self.patient.partner_id.lang = 'pt_BR'
        html = self._get(self._url())
        self.assertIn('Não poderei ir', html)
        self.assertIn('Dentista', html)
        weekday = self.appointment.with_context(lang='pt_BR')._dental_message_values()['local_weekday']
        self.assertIn(weekday, html)
