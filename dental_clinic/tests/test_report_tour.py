from datetime import datetime, time, timedelta

import pytz

from odoo import fields
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import always_open_calendar


@tagged('post_install', '-at_install')
class TestReportTour(HttpCase):
    """The manager's dashboard in the browser, and the patient record through ``/report/pdf``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['ir.config_parameter'].sudo().set_param('report.url', cls.base_url())
        cls.manager = mail_new_test_user(
            cls.env,
            login='tour_report_manager',
            name='Gerente Tour',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_manager',
        )
        cls.receptionist = mail_new_test_user(
            cls.env,
            login='tour_report_receptionist',
            name='Recepção Tour',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_receptionist',
        )
        calendar = always_open_calendar(cls.env, 'Always open (reports)')
        cls.chair = cls.env['dental.chair'].create({'name': 'Cadeira Painel', 'resource_calendar_id': calendar.id})
        cls.patient = cls.env['dental.patient'].create({'name': 'Paciente Painel', 'is_foreigner': True})
        old_patient = cls.env['dental.patient'].create({'name': 'Paciente Antigo', 'is_foreigner': True})
        tz = pytz.timezone('America/Sao_Paulo')
        today = pytz.utc.localize(fields.Datetime.now()).astimezone(tz).date()
        first_day = (
            tz.localize(datetime.combine(today.replace(day=1), time(0, 30))).astimezone(pytz.utc).replace(tzinfo=None)
        )
        Appointment = cls.env['dental.appointment']
        for patient, start in ((cls.patient, first_day), (old_patient, first_day - timedelta(days=3))):
            appointment = Appointment.create(
                {
                    'patient_id': patient.id,
                    'dentist_id': cls.manager.id,
                    'chair_id': cls.chair.id,
                    'start': start,
                    'duration': 0.5,
                }
            )
            appointment.action_arrive()
            appointment.action_start()
            appointment.action_done()

    def test_manager_follows_a_figure(self):
        self.start_tour(
            '/odoo/action-dental_clinic.dental_dashboard_manager_action',
            'dental_dashboard_manager_tour',
            login='tour_report_manager',
        )

    def test_dashboard_data(self):
        Dashboard = self.env['dental.dashboard']
        data = Dashboard.with_user(self.manager).get_dashboard_data('manager')
        # The demo data may hold visits this month too: the figure is the count of its own list.
        action = data['current']['actions']['visits']
        visits = self.env['dental.appointment.report'].search(action['domain'])
        self.assertIn(self.patient, visits.patient_id)
        self.assertEqual(data['current']['visits'], len(visits))
        self.assertEqual(set(visits.mapped('state')), {'done'})
        self.assertEqual(data['current']['actions']['visits']['res_model'], 'dental.appointment.report')
        front = Dashboard.with_user(self.receptionist).get_dashboard_data('front_desk')
        self.assertIn('chairs', front)
        self.assertEqual(front['recalls']['action']['res_model'], 'dental.recall')
        with self.assertRaises(AccessError):
            Dashboard.with_user(self.receptionist).get_dashboard_data('manager')

    def test_front_desk_cannot_download_the_record(self):
        url = f'/report/pdf/dental_clinic.report_patient_record/{self.patient.id}'
        self.authenticate('tour_report_receptionist', 'tour_report_receptionist')
        response = self.url_open(url)
        self.assertNotEqual(response.status_code, 200)
        self.assertFalse(response.content.startswith(b'%PDF'))
        self.authenticate('tour_report_manager', 'tour_report_manager')
        response = self.url_open(url, timeout=60)
        self.assertEqual(response.status_code, 200)
        # Odoo's test mode serves the report's HTML on this route (TestReportPdf renders real PDFs).
        self.assertIn(b'Paciente Painel', response.content)
