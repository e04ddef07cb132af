from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from .test_prescription import pdf_text
from .test_report_pdf import ReportPdfMixin
from .test_signed_documents import SignedDocumentCase


class CertificateCase(SignedDocumentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Certificate = cls.env['dental.certificate']

    def _visit_done(self):
        appointment = self._book_arrived(self.procedure_cleaning, hour=9)
        appointment.action_start()
        appointment.action_done()
        return appointment


@tagged('post_install', '-at_install')
class TestCertificate(CertificateCase):
    def test_leave_certificate_by_the_dentist(self):
        certificate = self.Certificate.with_user(self.user_dentist).create(
            {'patient_id': self.patient.id, 'leave_days': 2, 'cid_code': 'K08.8'}
        )
        certificate.action_sign()
        content = certificate._dental_print_values()['content']
        self.assertEqual((content['leave_days'], content['cid_code']), (2, ''), 'no CID without consent')
        with_cid = self.Certificate.with_user(self.user_dentist).create(
            {'patient_id': self.patient.id, 'leave_days': 1, 'cid_code': 'K08.8', 'show_cid': True}
        )
        with_cid.action_sign()
        self.assertEqual(with_cid._dental_print_values()['content']['cid_code'], 'K08.8')
        html = (
            self.env['ir.actions.report']
            .with_user(self.user_dentist)
            ._render_qweb_html('dental_clinic.action_report_certificate', (certificate | with_cid).ids)[0]
            .decode()
        )
        self.assertEqual(html.count('K08.8'), 1)
        self.assertIn('CRO-<span>SP</span> <span>12345</span>', html)
        for days in (0, -1, 400):
            with self.subTest(days=days), self.assertRaises(ValidationError):
                self.Certificate.with_user(self.user_dentist).create(
                    {'patient_id': self.patient.id, 'leave_days': days}
                )
        cid_missing = self.Certificate.with_user(self.user_dentist).create(
            {'patient_id': self.patient.id, 'show_cid': True}
        )
        with self.assertRaisesRegex(ValidationError, 'CID'):
            cid_missing.action_sign()

    def test_front_desk_issues_attendance_declarations_only(self):
        appointment = self._visit_done()
        desk = self.Certificate.with_user(self.user_receptionist)
        declaration = desk.with_context(
            **appointment.with_user(self.user_receptionist).action_new_attendance_declaration()['context']
        ).create({'date': '2031-01-10'})
        self.assertEqual(declaration.certificate_type, 'attendance')
        self.assertEqual(declaration.attendance_start, appointment.arrived_at)
        self.assertEqual(declaration.attendance_end, appointment.done_at)
        declaration.action_sign()
        self.assertEqual(declaration.state, 'signed')
        self.assertEqual(declaration.author_id, self.user_receptionist)
        self.assertFalse(declaration.dentist_cro, 'signed by the clinic')
        self.assertEqual(self.Chain._verify(patient_ids=self.patient.ids), [])
        html = (
            self.env['ir.actions.report']
            .with_user(self.user_receptionist)
            ._render_qweb_html('dental_clinic.action_report_certificate', declaration.ids)[0]
            .decode()
        )
        self.assertIn('Attendance Declaration', html)
        # Issued days later: the visit's day (its check-in, at the frozen clock) and the day of issue.
        self.assertRegex(html, r'dental care on\s*<span>01/01/2031</span>, from\s*<strong>09:00</strong>')
        self.assertIn('01/10/2031', html)
        self.assertNotIn('CRO-', html)
        # Its times are the visit's, never typed.
        with self.assertRaises(AccessError):
            desk.create(
                {
                    'patient_id': self.patient.id,
                    'certificate_type': 'attendance',
                    'attendance_start': '2031-01-06 12:00:00',
                }
            )
        # Certificates of days off: not for the front desk, neither to create nor to see.
        with self.assertRaises(AccessError):
            desk.create({'patient_id': self.patient.id, 'certificate_type': 'leave', 'leave_days': 2})
        leave = self.Certificate.with_user(self.user_dentist).create({'patient_id': self.patient.id})
        with self.assertRaises(AccessError):
            leave.with_user(self.user_receptionist).read(['leave_days'])
        self.assertEqual(desk.search([('patient_id', '=', self.patient.id)]), declaration)
        draft = desk.create(
            {'patient_id': self.patient.id, 'certificate_type': 'attendance', 'appointment_id': appointment.id}
        )
        with self.assertRaises(AccessError):
            draft.write({'certificate_type': 'leave'})
        with self.assertRaises(AccessError):
            leave.with_user(self.user_receptionist).action_sign()
        # Nor any other clinical document.
        with self.assertRaises(AccessError):
            self.env['dental.prescription'].with_user(self.user_receptionist).search([])

    def test_attendance_needs_a_checked_in_visit(self):
        declaration = self.Certificate.with_user(self.user_receptionist).create(
            {'patient_id': self.patient.id, 'certificate_type': 'attendance'}
        )
        with self.assertRaisesRegex(ValidationError, 'checked in'):
            declaration.action_sign()
        booked = self._book(hour=14)
        declaration.appointment_id = booked
        with self.assertRaisesRegex(ValidationError, 'checked in'):
            declaration.action_sign()
        booked.action_arrive()
        declaration.action_sign()
        self.assertTrue(declaration.attendance_end, 'issued during the visit: it ends when signed')

    def test_signed_certificate_is_locked_and_verified(self):
        certificate = self.Certificate.with_user(self.user_dentist).create(
            {'patient_id': self.patient.id, 'leave_days': 3}
        )
        certificate.action_sign()
        with self.assertRaises(UserError):
            certificate.write({'leave_days': 5})
        with self.assertRaises(UserError):
            certificate.sudo().unlink()
        from odoo.tools import SQL

        self._sql_behind_odoo(
            ('dental_certificate',), SQL("UPDATE dental_certificate SET leave_days = 30 WHERE id = %s", certificate.id)
        )
        self.assertIn(('dental_certificate', certificate.id, 'content_changed'), self._problems(certificate))

    def test_other_company_dentist_refused(self):
        certificate = self.Certificate.with_user(self.user_dentist).create({'patient_id': self.patient.id})
        with self.assertRaises(AccessError):
            certificate.with_user(self.user_dentist_other).action_sign()
        with self.assertRaises(AccessError):
            certificate.with_user(self.user_dentist_other).read(['leave_days'])


@tagged('post_install', '-at_install')
class TestCertificatePdf(ReportPdfMixin, CertificateCase, HttpCase):
    freeze_time = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_report_url()

    def test_pdf_one_and_several(self):
        first = self.Certificate.with_user(self.user_dentist).create({'patient_id': self.patient.id, 'leave_days': 2})
        second = self.Certificate.with_user(self.user_dentist).create({'patient_id': self.patient.id, 'leave_days': 5})
        (first | second).action_sign()
        pdf, _html = self._render('dental_clinic.action_report_certificate', first.ids, self.user_dentist)
        self.assertEqual(len(pdf_text(pdf)), 1)
        pdf, _html = self._render('dental_clinic.action_report_certificate', (second | first).ids, self.user_dentist)
        pages = pdf_text(pdf)
        self.assertEqual(len(pages), 2)
        self.assertIn('5 day(s)', pages[0])
        self.assertIn('2 day(s)', pages[1])
