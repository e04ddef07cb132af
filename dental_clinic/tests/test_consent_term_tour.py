from odoo.tests import HttpCase, tagged

from .common import DentalClinicalCase


@tagged('post_install', '-at_install', 'is_tour')
class TestConsentTermTour(HttpCase, DentalClinicalCase):
    # A tablet in landscape, as the patient holds it.
    browser_size = '1024x768'

    def test_patient_signs_consent_term_on_screen(self):
        self.user_dentist.write({'dental_cro': '12345', 'dental_cro_uf': 'SP'})
        patient = self._create_patient(name='Paciente Termo Tour')
        template = self.env['dental.consent.term.template'].create(
            {
                'name': 'Termo de exodontia',
                'procedure_ids': [(6, 0, self.procedure_extraction.ids)],
                'body': 'Eu, {patient}, autorizo a {procedure} do dente {teeth}.',
                'risks': 'Dor e inchaço.',
            }
        )
        treatment = self.env['dental.treatment'].create(
            {'patient_id': patient.id, 'procedure_id': self.procedure_extraction.id, 'tooth': '38'}
        )
        term = self.env['dental.consent.term'].create(
            {'patient_id': patient.id, 'template_id': template.id, 'treatment_id': treatment.id}
        )
        action = self.env.ref('dental_clinic.dental_consent_term_action')
        self.start_tour(
            f'/odoo/action-{action.id}/{term.id}', 'dental_consent_term_sign', login=self.user_dentist.login
        )
        self.assertEqual(term.state, 'signed')
        self.assertTrue(term.patient_signature)
        self.assertTrue(term.patient_signed_date)
        self.assertEqual(term.author_id, self.user_dentist)
        self.assertIn('Paciente Termo Tour', term.sealed_content)
