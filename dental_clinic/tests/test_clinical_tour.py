from odoo.tests import HttpCase, tagged

from .common import DentalClinicalCase


@tagged('post_install', '-at_install')
class TestOdontogramTour(HttpCase, DentalClinicalCase):
    def test_dentist_plans_treatment_from_odontogram(self):
        procedure = self.env['dental.procedure'].create(
            {
                'name': 'Tour composite restoration',
                'category': 'restorative',
                'requires_tooth': True,
                'requires_surface': True,
                'result_condition': 'restored',
            }
        )
        action = self.env.ref('dental_clinic.dental_patient_action')
        self.start_tour(
            f'/odoo/action-{action.id}/{self.patient.id}',
            'dental_odontogram_plan_treatment',
            login=self.user_dentist.login,
        )
        treatment = self.env['dental.treatment'].search([('patient_id', '=', self.patient.id)])
        self.assertEqual(len(treatment), 1)
        self.assertEqual(treatment.procedure_id, procedure)
        self.assertEqual(treatment.tooth, '16')
        self.assertEqual(treatment.surface_ids.mapped('code'), ['O'])
        self.assertEqual(treatment.state, 'planned')
        self.assertEqual(treatment.dentist_id, self.user_dentist)
