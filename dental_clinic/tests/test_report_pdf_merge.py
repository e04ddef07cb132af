import io
import json
import socket
import subprocess
from unittest.mock import patch
from urllib.parse import urlencode

import lxml.html

from odoo.addons.dental_clinic.report import ir_actions_report as dental_report
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools.pdf import PdfFileReader

from .common import DentalCase
from .test_report_pdf import ReportPdfMixin


def pdf_pages(pdf):
    """The text of each page of a PDF, words separated by single spaces."""
    reader = PdfFileReader(io.BytesIO(pdf))
    return [' '.join(page.extract_text().split()) for page in reader.pages]


@tagged('post_install', '-at_install')
class TestReportPdfSeveralRecords(ReportPdfMixin, DentalCase, HttpCase):
    """Several records in one PDF, with the server's wkhtmltopdf (Debian's build has no patched Qt)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_report_url()
        cls.Report = cls.registry['ir.actions.report']  # the registry's class, to patch its methods
        cls.patient.name = 'Paciente Primeira Ficha'
        cls.patient_2 = cls._create_patient(name='Paciente Segunda Ficha')
        cls.patient_elsewhere = cls._create_patient(name='Paciente da Filial', company_id=cls.company_other.id)
        Plan = cls.env['dental.treatment.plan']
        cls.plans = Plan.create(
            [
                {'patient_id': cls.patient.id, 'dentist_id': cls.user_dentist.id, 'name': 'Plano Um'},
                {'patient_id': cls.patient_2.id, 'dentist_id': cls.user_dentist.id, 'name': 'Plano Dois'},
            ]
        )

    def _get_pdf(self, report_name, records):
        """GET ``/report/pdf/...`` of ``records`` (in that order) as the logged-in user; real PDF, not test HTML.

        The test server serves one request at a time (they share the test's cursor): wkhtmltopdf, run
        inside the request, would wait forever for the stylesheets it asks the same server for. It gets
        them from a closed port instead, and prints without styles.
        """
        with socket.socket() as free:
            free.bind(('127.0.0.1', 0))
            closed_port = free.getsockname()[1]
        self.env['ir.config_parameter'].sudo().set_param('report.url', f'http://127.0.0.1:{closed_port}')
        query = urlencode({'context': json.dumps({'force_report_rendering': True})})
        ids = ','.join(str(record_id) for record_id in records.ids)
        return self.url_open(f'/report/pdf/{report_name}/{ids}?{query}', timeout=180)

    def _assert_in_order(self, pages, names):
        text = ' '.join(pages)
        positions = [text.find(name) for name in names]
        self.assertNotIn(-1, positions, f'every record in the PDF: {names} in {text[:300]!r}')
        self.assertEqual(positions, sorted(positions), 'the records in the order asked')

    def _render_pdf(self, report_ref, ids, user):
        Report = self.env['ir.actions.report'].with_user(user).with_context(force_report_rendering=True)
        pdf, report_type = Report._render_qweb_pdf(report_ref, ids)
        self.assertEqual(report_type, 'pdf')
        self.assertTrue(pdf.startswith(b'%PDF'))
        return pdf

    def _logs(self, patients):
        return self.env['dental.access.log'].sudo().search([('patient_id', 'in', patients.ids)])

    def test_two_patient_records_over_http(self):
        self._assert_wkhtmltopdf()
        self.authenticate('dental_manager', 'dental_manager')
        # Asked in the reverse order of the ids: the PDF follows the request.
        response = self._get_pdf('dental_clinic.report_patient_record', self.patient_2 | self.patient)
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertEqual(response.headers['Content-Type'], 'application/pdf')
        pages = pdf_pages(response.content)
        self.assertGreaterEqual(len(pages), 2)
        self._assert_in_order(pages, ['Paciente Segunda Ficha', 'Paciente Primeira Ficha'])
        logs = self._logs(self.patient | self.patient_2)
        self.assertEqual(logs.patient_id, self.patient | self.patient_2, 'the print is logged for each patient')
        self.assertEqual(set(logs.mapped('read_prontuario')), {True})
        self.assertEqual(logs.user_id, self.user_manager)

    def test_two_treatment_plans_over_http(self):
        self._assert_wkhtmltopdf()
        self.authenticate('dental_manager', 'dental_manager')
        response = self._get_pdf('dental_clinic.report_treatment_plan', self.plans)
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertEqual(response.headers['Content-Type'], 'application/pdf')
        pages = pdf_pages(response.content)
        self.assertGreaterEqual(len(pages), 2)
        self._assert_in_order(pages, ['Plano Um', 'Paciente Primeira Ficha', 'Plano Dois', 'Paciente Segunda Ficha'])

    def test_one_run_per_record_without_patched_qt(self):
        """An unpatched build: straight to one run per record; pages = the records' own pages, in order."""
        self._assert_wkhtmltopdf()
        report = 'dental_clinic.action_report_patient_record'
        alone = [
            len(pdf_pages(self._render_pdf(report, [patient.id], self.user_dentist)))
            for patient in self.patient_2 | self.patient
        ]
        runs = []
        run_wkhtmltopdf = self.Report._run_wkhtmltopdf

        def count_runs(report_model, bodies, *args, **kwargs):
            runs.append(len(bodies))
            return run_wkhtmltopdf(report_model, bodies, *args, **kwargs)

        with (
            patch.object(self.Report, '_dental_wkhtmltopdf_patched', return_value=False),
            patch.object(self.Report, '_run_wkhtmltopdf', count_runs),
        ):
            pdf = self._render_pdf(report, [self.patient_2.id, self.patient.id], self.user_dentist)
        self.assertEqual(runs, [1, 1], 'no run with several documents, which would fail')
        pages = pdf_pages(pdf)
        self.assertEqual(len(pages), sum(alone))
        self.assertIn('Paciente Segunda Ficha', ' '.join(pages[: alone[0]]))
        self.assertIn('Paciente Primeira Ficha', ' '.join(pages[alone[0] :]))

    def test_patched_qt_whose_single_run_fails(self):
        """A patched build is given one run for all records first; if it fails, one run per record."""
        self._assert_wkhtmltopdf()
        runs = []
        run_wkhtmltopdf = self.Report._run_wkhtmltopdf

        def fail_for_several(report_model, bodies, *args, **kwargs):
            runs.append(bodies)
            if len(bodies) > 1:
                return b''  # what an unpatched build leaves (exit code 1, empty file)
            return run_wkhtmltopdf(report_model, bodies, *args, **kwargs)

        with (
            patch.object(self.Report, '_dental_wkhtmltopdf_patched', return_value=True),
            patch.object(self.Report, '_run_wkhtmltopdf', fail_for_several),
            self.assertLogs('odoo.addons.dental_clinic.report.ir_actions_report', 'WARNING'),
        ):
            pdf = self._render_pdf('dental_clinic.action_report_treatment_plan', self.plans.ids, self.user_dentist)
        self.assertEqual([len(bodies) for bodies in runs], [2, 1, 1])
        self.assertIn('Plano Um', runs[1][0])
        self.assertIn('Plano Dois', runs[2][0])
        # The layout's web font with a patched build: outlines here, no text to compare.
        self.assertEqual(len(PdfFileReader(io.BytesIO(pdf)).pages), 2)

    def test_patched_qt_prints_in_one_run(self):
        """A patched build that succeeds: one run, its PDF as it is (no per-record runs)."""
        self._assert_wkhtmltopdf()
        runs = []
        run_wkhtmltopdf = self.Report._run_wkhtmltopdf

        def patched_build(report_model, bodies, *args, **kwargs):
            # One document per body, as a patched build prints them, from the unpatched binary at hand.
            runs.append(bodies)
            streams = [io.BytesIO(run_wkhtmltopdf(report_model, [body], *args, **kwargs)) for body in bodies]
            return report_model._merge_pdfs(streams).getvalue()

        with (
            patch.object(self.Report, '_dental_wkhtmltopdf_patched', return_value=True),
            patch.object(self.Report, '_run_wkhtmltopdf', patched_build),
        ):
            pdf = self._render_pdf('dental_clinic.action_report_treatment_plan', self.plans.ids, self.user_dentist)
        self.assertEqual(len(runs), 1, 'one run for both plans')
        self.assertEqual(
            [('Plano Um' in body, 'Plano Dois' in body) for body in runs[0]], [(True, False), (False, True)]
        )
        # The layout's web font with a patched build: outlines here, no text to compare; the pages are the two plans'.
        self.assertEqual(len(PdfFileReader(io.BytesIO(pdf)).pages), 2)

    def test_one_by_one_keeps_the_access_checks(self):
        """Record by record, a patient the user cannot read still refuses the whole print, and logs nothing."""
        self._assert_wkhtmltopdf()
        report = 'dental_clinic.action_report_patient_record'
        patients = self.patient | self.patient_elsewhere
        with patch.object(self.Report, '_dental_wkhtmltopdf_patched', return_value=False):
            with self.assertRaises(AccessError):
                self._render_pdf(report, patients.ids, self.user_manager)
            with self.assertRaises(AccessError):
                self._render_pdf(report, (self.patient | self.patient_2).ids, self.user_receptionist)
            with self.assertRaises(AccessError):
                self._render_pdf('dental_clinic.action_report_treatment_plan', self.plans.ids, self.user_receptionist)
        self.assertFalse(self._logs(patients | self.patient_2), 'a refused print is not logged')

    def test_system_font_only_for_the_addon_without_patched_qt(self):
        """The system's font goes into the addon's PDFs on an unpatched build only, not into others'."""
        html = '<html><head></head><body><main><div class="article">Ficha</div></main></body></html>'
        own = self.env.ref('dental_clinic.action_report_patient_record')
        other = self.env['ir.actions.report'].search([('report_name', 'not like', 'dental_clinic.%')], limit=1)
        for patched in (False, True):
            with patch.object(self.Report, '_dental_wkhtmltopdf_patched', return_value=patched):
                for report, styled in ((own, not patched), (other, False), (self.env['ir.actions.report'], False)):
                    bodies = report._prepare_html(html, report_model=report.model)[0]
                    self.assertEqual(len(bodies), 1)
                    self.assertEqual(dental_report.SYSTEM_FONT_STYLE in bodies[0], styled, (report, patched))

    def test_empty_cells_keep_the_columns(self):
        """QWeb drops an element whose ``t-out`` is False: an empty field must leave its (empty) cell."""
        procedure = self.env['dental.procedure'].create(
            {'name': 'Orientação', 'code': 'T-ORI', 'category': 'prevention'}
        )
        self.env['dental.treatment'].create(
            {'patient_id': self.patient_2.id, 'procedure_id': procedure.id, 'plan_id': self.plans[1].id}
        )
        self.assertFalse(self.patient_2.cpf or self.patient_2.mobile or self.patient_2.email)
        Report = self.env['ir.actions.report'].with_user(self.user_dentist)
        record_report = 'dental_clinic.action_report_patient_record'
        for report_ref, record, table, cells in (
            ('dental_clinic.action_report_treatment_plan', self.plans[1], 'dental_plan_lines', 5),
            (record_report, self.patient_2, 'dental_treatments_planned', 5),
            (record_report, self.patient_2, 'o_main_table', 4),  # identification: no CPF, mobile nor email
        ):
            root = lxml.html.fromstring(Report._render_qweb_html(report_ref, record.ids)[0])
            rows = root.xpath(f'(//table[contains(@class, "{table}")])[1]//tr')
            self.assertGreaterEqual(len(rows), 2, table)
            self.assertEqual([len(row.xpath('th|td')) for row in rows], [cells] * len(rows), table)

    def test_patched_qt_detection(self):
        """``wkhtmltopdf --version`` says whether the build has the patched Qt."""
        outputs = {
            b'wkhtmltopdf 0.12.6.1 (with patched qt)\n': True,
            b'wkhtmltopdf 0.12.6\n': False,
            b'wkhtmltopdf 0.12.5 (with patched qt)\n': True,
        }
        for stdout, patched in outputs.items():
            dental_report.wkhtmltopdf_has_patched_qt.cache_clear()
            completed = subprocess.CompletedProcess([], 0, stdout=stdout, stderr=b'')
            with patch.object(dental_report.subprocess, 'run', return_value=completed):
                self.assertEqual(dental_report.wkhtmltopdf_has_patched_qt(), patched, stdout)
        dental_report.wkhtmltopdf_has_patched_qt.cache_clear()
        with patch.object(dental_report.subprocess, 'run', side_effect=OSError('no such file')):
            self.assertFalse(dental_report.wkhtmltopdf_has_patched_qt(), 'no binary: not a patched one')
        dental_report.wkhtmltopdf_has_patched_qt.cache_clear()
