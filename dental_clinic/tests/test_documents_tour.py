from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import HttpCase, tagged

from .common import always_open_calendar


@tagged('post_install', '-at_install')
class TestDocumentsTour(HttpCase):
    """The dentist's prescription and certificate after a visit, in at most 10 clicks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dentist = mail_new_test_user(
            cls.env,
            login='tour_documents_dentist',
            name='Dra. Receita Tour',
            tz='America/Sao_Paulo',
            groups='dental_clinic.group_dental_dentist',
        )
        cls.dentist.write({'dental_cro': '24680', 'dental_cro_uf': 'SP', 'dental_specialty': 'general'})
        calendar = always_open_calendar(cls.env, 'Always open (documents)')
        chair = cls.env['dental.chair'].create(
            {'name': 'Cadeira Receita', 'dentist_id': cls.dentist.id, 'resource_calendar_id': calendar.id}
        )
        cls.patient = cls.env['dental.patient'].create({'name': 'Paciente Receita', 'is_foreigner': True})
        Medicine = cls.env['dental.medicine']
        Medicine.create(
            [
                {
                    'name': 'Amoxicilina',
                    'concentration': '500 mg',
                    'pharmaceutical_form': 'cápsula',
                    'quantity': '21 cápsulas',
                    'posology': 'Tomar 1 cápsula de 8 em 8 horas por 7 dias.',
                },
                {
                    'name': 'Ibuprofeno',
                    'concentration': '600 mg',
                    'pharmaceutical_form': 'comprimido',
                    'quantity': '12 comprimidos',
                    'posology': 'Tomar 1 comprimido de 8 em 8 horas por 4 dias.',
                },
            ]
        )
        cls.appointment = cls.env['dental.appointment'].create(
            {
                'patient_id': cls.patient.id,
                'dentist_id': cls.dentist.id,
                'chair_id': chair.id,
                'start': '2030-01-07 12:00:00',
                'duration': 0.5,
            }
        )
        cls.appointment.action_arrive()
        cls.appointment.action_start()
        cls.appointment.action_done()

    def test_dentist_issues_prescription_and_certificate(self):
        self.start_tour(
            f'/odoo/action-dental_clinic.dental_appointment_action/{self.appointment.id}',
            'dental_documents_tour',
            login='tour_documents_dentist',
        )
        prescription = self.env['dental.prescription'].search([('appointment_id', '=', self.appointment.id)])
        self.assertEqual(prescription.state, 'signed')
        self.assertEqual(prescription.author_id, self.dentist)
        self.assertEqual(prescription.line_ids.mapped('name'), ['Amoxicilina', 'Ibuprofeno'])
        self.assertEqual(prescription.line_ids[0].posology, 'Tomar 1 cápsula de 8 em 8 horas por 7 dias.')
        certificate = self.env['dental.certificate'].search([('appointment_id', '=', self.appointment.id)])
        self.assertEqual(
            (certificate.state, certificate.certificate_type, certificate.leave_days), ('signed', 'leave', 2)
        )
        self.assertEqual(certificate.dentist_cro, '24680')
        self.assertEqual(self.env['dental.integrity.chain']._verify(patient_ids=self.patient.ids), [])
