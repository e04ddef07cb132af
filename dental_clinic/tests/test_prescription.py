import io
import json
import socket
from urllib.parse import urlencode

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, HttpCase, tagged
from odoo.tools.pdf import PdfFileReader

from .test_report_pdf import ReportPdfMixin
from .test_signed_documents import SignedDocumentCase


def pdf_text(pdf):
    reader = PdfFileReader(io.BytesIO(pdf))
    return [' '.join(page.extract_text().split()) for page in reader.pages]


@tagged('post_install', '-at_install')
class TestPrescription(SignedDocumentCase):
    def test_catalogue_fills_the_line_and_stays_editable(self):
        with Form(self.env['dental.prescription'].with_user(self.user_dentist)) as form:
            form.patient_id = self.patient
            with form.line_ids.new() as line:
                line.medicine_id = self.medicine
                self.assertEqual(line.name, 'Amoxicilina')
                self.assertEqual(line.posology, 'Tomar 1 cápsula de 8 em 8 horas por 7 dias.')
                line.posology = 'Tomar 1 cápsula de 8 em 8 horas por 10 dias.'
            with form.line_ids.new() as line:
                line.name = 'Paracetamol'
                line.concentration = '750 mg'
                line.posology = 'Em caso de dor.'
        prescription = form.save()
        self.assertEqual(prescription.line_ids.mapped('name'), ['Amoxicilina', 'Paracetamol'])
        self.assertEqual(prescription.line_ids[0].posology, 'Tomar 1 cápsula de 8 em 8 horas por 10 dias.')
        # The catalogue keeps its own text.
        self.assertEqual(self.medicine.posology, 'Tomar 1 cápsula de 8 em 8 horas por 7 dias.')

    def test_signing_needs_complete_lines(self):
        empty = self._prescription(line_ids=[])
        with self.assertRaisesRegex(ValidationError, 'at least one medicine'):
            empty.action_sign()
        blank = self._prescription(line_ids=[Command.create({'name': ' ', 'posology': 'x'})])
        with self.assertRaisesRegex(ValidationError, 'name and how to take it'):
            blank.action_sign()

    def test_who_uses_the_catalogue(self):
        self.assertTrue(self.env['dental.medicine'].with_user(self.user_dentist).search([]))
        with self.assertRaises(AccessError):
            self.env['dental.medicine'].with_user(self.user_receptionist).search([])
        with self.assertRaises(AccessError):
            self.medicine.with_user(self.user_dentist).unlink()
        medicine_other = self.env['dental.medicine'].create({'name': 'Da filial', 'company_id': self.company_other.id})
        with self.assertRaises(AccessError):
            self._prescription(
                line_ids=[Command.create({'medicine_id': medicine_other.id, 'name': 'X', 'posology': 'Y'})]
            )

    def test_issued_from_the_visit(self):
        appointment = self._book_arrived(self.procedure_cleaning)
        appointment.action_start()
        action = appointment.with_user(self.user_dentist).action_new_prescription()
        self.assertEqual(action['context']['default_appointment_id'], appointment.id)
        prescription = (
            self.env['dental.prescription']
            .with_user(self.user_dentist)
            .with_context(**action['context'])
            .create({'line_ids': [Command.create({'name': 'Dipirona', 'posology': 'Se dor.'})]})
        )
        self.assertEqual((prescription.patient_id, prescription.appointment_id), (self.patient, appointment))
        self.assertEqual(appointment.with_user(self.user_dentist).prescription_count, 1)
        other = self._create_patient(name='Outro Paciente')
        with self.assertRaises(ValidationError):
            self._prescription(patient_id=other.id, appointment_id=appointment.id)
        with self.assertRaises(AccessError):
            appointment.with_user(self.user_receptionist).read(['prescription_count'])

    def test_print_actions(self):
        simple = self._prescription()
        simple.action_sign()
        self.assertEqual(
            simple.with_user(self.user_dentist).action_print()['report_name'], 'dental_clinic.report_prescription_a5'
        )
        special = self._prescription(prescription_type='special')
        action = special.with_user(self.user_dentist).action_sign_and_print()
        self.assertEqual(action['report_name'], 'dental_clinic.report_prescription')
        self.assertEqual(special.state, 'signed')

    def test_reprinted_identical(self):
        prescription = self._prescription()
        prescription.action_sign()
        report = 'dental_clinic.action_report_prescription'
        Report = self.env['ir.actions.report'].with_user(self.user_dentist)
        first = Report._render_qweb_html(report, prescription.ids)[0]
        # The patient's name and the dentist's registration change afterwards: the reprint does not.
        self.patient.name = 'Nome Novo'
        self.user_dentist.write({'dental_cro': '11111', 'dental_specialty': 'periodontics'})
        self.env['dental.medicine'].search([]).write({'posology': 'Outra'})
        second = Report._render_qweb_html(report, prescription.ids)[0]
        self.assertEqual(first, second)
        html = first.decode()
        cro = 'CRO-<span>SP</span> <span>12345</span>'
        for text in ('Dra. Denise Dentista', cro, 'Amoxicilina', 'Paciente Padrão'):
            self.assertIn(text, html)


@tagged('post_install', '-at_install')
class TestPrescriptionPdf(ReportPdfMixin, SignedDocumentCase, HttpCase):
    """Real PDFs, one and several at once, over ``/report/pdf`` and ``_render_qweb_pdf``."""

    freeze_time = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_report_url()

    def _get_pdf(self, report_name, records):
        with socket.socket() as free:
            free.bind(('127.0.0.1', 0))
            closed_port = free.getsockname()[1]
        self.env['ir.config_parameter'].sudo().set_param('report.url', f'http://127.0.0.1:{closed_port}')
        query = urlencode({'context': json.dumps({'force_report_rendering': True})})
        ids = ','.join(str(record_id) for record_id in records.ids)
        return self.url_open(f'/report/pdf/{report_name}/{ids}?{query}', timeout=180)

    def test_pdfs(self):
        simple = self._prescription(patient_signature=b'iVBORw0KGgo=')
        simple.action_sign()
        special = self._prescription(prescription_type='special')
        special.action_sign()
        pdf, html = self._render('dental_clinic.action_report_prescription', special.ids, self.user_dentist)
        pages = pdf_text(pdf)
        self.assertEqual(len(pages), 2, 'two copies')
        self.assertIn('1st copy', pages[0])
        self.assertIn('2nd copy', pages[1])
        for page in pages:
            self.assertIn('Amoxicilina', page)
            self.assertIn("Buyer's Identification", page)
            self.assertIn("Supplier's Identification", page)
        self.assertIn(
            'image/png;base64',
            self._render('dental_clinic.action_report_prescription_a5', simple.ids, self.user_dentist)[1],
        )
        # Printing is reading the patient's clinical data: logged.
        log = (
            self.env['dental.access.log']
            .sudo()
            .search([('patient_id', '=', self.patient.id), ('user_id', '=', self.user_dentist.id)])
        )
        self.assertTrue(log.read_documents)
        self.authenticate('dental_dentist', 'dental_dentist')
        response = self._get_pdf('dental_clinic.report_prescription', simple | special)
        self.assertEqual(response.status_code, 200)
        pages = pdf_text(response.content)
        self.assertEqual(len(pages), 3)
        self.assertIn('Clorexidina', pages[0])
        self.authenticate('dental_receptionist', 'dental_receptionist')
        response = self._get_pdf('dental_clinic.report_prescription', simple)
        self.assertNotEqual(response.status_code, 200)
