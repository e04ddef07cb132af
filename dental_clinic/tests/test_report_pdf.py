from datetime import date

from odoo.addons.base.models import ir_actions_report
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from .common import AppointmentClinicalCase


class ReportPdfMixin:
    """Renders through wkhtmltopdf for real: Odoo's test mode would otherwise return HTML.

    Used with HttpCase: wkhtmltopdf fetches the report's stylesheets from the test server.
    """

    @classmethod
    def _setup_report_url(cls):
        cls.env['ir.config_parameter'].sudo().set_param('report.url', cls.base_url())

    def setUp(self):
        super().setUp()
        # wkhtmltopdf asks for two stylesheets at once; the server's first static request reads every
        # manifest, and two threads doing it together can trip CPython 3.11's compile(): serve one first.
        self.url_open('/web/static/img/favicon.ico')

    def _assert_wkhtmltopdf(self):
        state = ir_actions_report.wkhtmltopdf_state
        # A missing binary fails the suite: the PDFs are a feature, not an option.
        self.assertEqual(state, 'ok', f'wkhtmltopdf is not usable ({state}): install it (apt-get install wkhtmltopdf)')

    def _render(self, report_ref, ids, user):
        """(pdf bytes, html text) of a report rendered as ``user``."""
        self._assert_wkhtmltopdf()
        Report = self.env['ir.actions.report'].with_user(user).with_context(force_report_rendering=True, lang=user.lang)
        pdf, report_type = Report._render_qweb_pdf(report_ref, ids)
        self.assertEqual(report_type, 'pdf')
        self.assertTrue(pdf.startswith(b'%PDF'), 'a real PDF, not the HTML fallback of the test mode')
        html = Report._render_qweb_html(report_ref, ids)[0].decode()
        return pdf, html


@tagged('post_install', '-at_install')
class TestReportPdf(ReportPdfMixin, AppointmentClinicalCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_report_url()
        cls.env['res.lang']._activate_lang('pt_BR')
        cls.patient.write(
            {
                'name': '<b>Zé</b> & <script>alert(1)</script>',
                'allergies': 'Penicilina',
                'anamnesis_date': date(2030, 12, 1),
                'condition_ids': [Command.set(cls.condition_diabetes.ids)],
            }
        )
        cls.appointment = cls._book(day=0, hour=9, procedure_ids=[Command.set(cls.procedure_cleaning.ids)])
        cls.appointment.action_arrive()
        cls.appointment.action_start()
        cls.appointment.action_done()
        cls.late_evening = cls._book(
            day=0, hour=17, patient_id=cls.patient_2.id, chair_id=cls.chair_b.id, dentist_id=cls.user_dentist_2.id
        )
        cls.plan = cls.env['dental.treatment.plan'].create(
            {'patient_id': cls.patient.id, 'dentist_id': cls.user_dentist.id, 'name': 'Plano <i>2031</i>'}
        )
        cls.restoration = cls._create_treatment(
            tooth='16', surface_ids=cls._surface_ids('MO'), dentist_id=cls.user_dentist.id, plan_id=cls.plan.id
        )
        cls.extraction = cls._create_treatment(
            procedure_id=cls.procedure_extraction.id, tooth='38', dentist_id=cls.user_dentist.id
        )
        cls.extraction.action_done()
        cls.env['dental.tooth.condition'].create(
            {
                'patient_id': cls.patient.id,
                'tooth': '21',
                'condition': 'caries',
                'surface_ids': cls._surface_ids('D'),
                'dentist_id': cls.user_dentist.id,
            }
        )
        note = (
            cls.env['dental.clinical.note']
            .with_user(cls.user_dentist)
            .create(
                {'patient_id': cls.patient.id, 'appointment_id': cls.appointment.id, 'body': '<p>Profilaxia feita</p>'}
            )
        )
        note.action_sign()
        cls.env['dental.clinical.note.addendum'].with_user(cls.user_dentist).create(
            {'note_id': note.id, 'body': 'Retorno em seis meses'}
        )
        cls.note = note
        cls.user_dentist.lang = 'pt_BR'
        cls.user_manager.lang = 'pt_BR'
        cls.user_receptionist.lang = 'pt_BR'

    def test_patient_record(self):
        pdf, html = self._render('dental_clinic.action_report_patient_record', self.patient.ids, self.user_dentist)
        self.assertIn('&lt;b&gt;Zé&lt;/b&gt; &amp; &lt;script&gt;', html, 'the name prints as text')
        self.assertNotIn('<script>alert', html)
        self.assertIn('Penicilina', html)
        self.assertIn('01/12/2030', html, 'anamnesis review date, Brazilian format')
        self.assertIn('Diabetes', html)
        for tooth in ('16', '21', '38'):
            self.assertIn(f'<td>{tooth}</td>', html)
        self.assertIn('Cárie (D)', html, 'odontogram summary per tooth, in Portuguese')
        self.assertIn('Test extraction', html)
        self.assertIn('Test composite restoration', html)
        self.assertIn('Profilaxia feita', html)
        self.assertIn('Retorno em seis meses', html)
        self.assertIn(self.user_dentist.name, html)
        self.assertIn('Prontuário', html)

    def test_patient_record_refused_to_front_desk(self):
        with self.assertRaises(AccessError):
            self._render('dental_clinic.action_report_patient_record', self.patient.ids, self.user_receptionist)
        report = self.env.ref('dental_clinic.action_report_patient_record')
        bindings = self.env['ir.actions.actions'].with_user(self.user_receptionist).get_bindings('dental.patient')
        self.assertNotIn(
            report.id, [action['id'] for action in bindings.get('report', [])], 'no Print entry for the front desk'
        )
        bindings = self.env['ir.actions.actions'].with_user(self.user_dentist).get_bindings('dental.patient')
        self.assertIn(report.id, [action['id'] for action in bindings.get('report', [])])

    def test_patient_record_from_python(self):
        """Another feature (e.g. a data export) renders one patient's record as the current user."""
        self._assert_wkhtmltopdf()
        pdf, _type = (
            self.env['ir.actions.report']
            .with_user(self.user_manager)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf('dental_clinic.action_report_patient_record', self.patient.id)
        )
        self.assertTrue(pdf.startswith(b'%PDF'))

    def test_patient_record_as_superuser_code(self):
        """System code (sudo) may build the record for any user's request, e.g. the patient's data export."""
        html = (
            self.env['ir.actions.report']
            .with_user(self.user_receptionist)
            .sudo()
            ._render_qweb_html('dental_clinic.action_report_patient_record', self.patient.ids)[0]
            .decode()
        )
        self.assertIn('Penicilina', html)

    def test_treatment_plan(self):
        pdf, html = self._render('dental_clinic.action_report_treatment_plan', self.plan.ids, self.user_dentist)
        self.assertIn('Plano &lt;i&gt;2031&lt;/i&gt;', html)
        self.assertIn('Test composite restoration', html)
        self.assertIn('______', html, 'a signature line')
        self.assertIn('Paciente ou responsável', html)
        with self.assertRaises(AccessError):
            self._render('dental_clinic.action_report_treatment_plan', self.plan.ids, self.user_receptionist)

    def test_daily_agenda(self):
        for group_by, title in (('dentist', self.user_dentist.name), ('chair', self.chair_a.name)):
            wizard = (
                self.env['dental.agenda.wizard']
                .with_user(self.user_receptionist)
                .create({'date': date(2031, 1, 6), 'group_by': group_by, 'include_cancelled': True})
            )
            pdf, html = self._render('dental_clinic.action_report_daily_agenda', wizard.ids, self.user_receptionist)
            self.assertIn(title, html)
            self.assertIn('09:00', html, 'times in the clinic time zone, not UTC (12:00)')
            self.assertIn('17:00', html)
            self.assertNotIn('12:00-', html)
            self.assertIn('Segundo Paciente', html)
            self.assertIn('Concluído', html, 'state in Portuguese')

    def test_period_statistics(self):
        wizard = (
            self.env['dental.statistics.wizard']
            .with_user(self.user_manager)
            .create({'date_from': date(2031, 1, 6), 'date_to': date(2031, 1, 12)})
        )
        pdf, html = self._render('dental_clinic.action_report_period_statistics', wizard.ids, self.user_manager)
        self.assertIn('Estatísticas do Período', html)
        self.assertIn(self.user_dentist_2.name, html)
        self.assertIn('Test prophylaxis', html)
        self.assertIn(self.chair_a.name, html)
        self.assertIn('2700', html, 'chair A working minutes that week')
        with self.assertRaises(AccessError):
            self._render('dental_clinic.action_report_period_statistics', wizard.ids, self.user_dentist)
