from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import DentalClinicalCase


@tagged('post_install', '-at_install')
class TestClinical(DentalClinicalCase):
    # FDI numbering ----------------------------------------------------

    def test_fdi_permanent_teeth_valid(self):
        for tooth in ('11', '18', '21', '28', '31', '38', '41', '48'):
            with self.subTest(tooth=tooth):
                self.assertEqual(self._create_treatment(tooth=tooth).tooth, tooth)

    def test_fdi_deciduous_teeth_valid(self):
        for tooth in ('51', '55', '61', '65', '71', '75', '81', '85'):
            with self.subTest(tooth=tooth):
                self.assertEqual(self._create_treatment(tooth=tooth).tooth, tooth)

    def test_fdi_invalid_teeth_refused(self):
        for tooth in ('19', '10', '56', '66', '76', '86', '91', '9', '00', 'ab', '1 1'):
            with self.subTest(tooth=tooth), self.assertRaisesRegex(ValidationError, 'FDI'):
                self._create_treatment(tooth=tooth)

    def test_fdi_on_write_and_on_findings(self):
        treatment = self._create_treatment(tooth='16')
        with self.assertRaises(ValidationError):
            treatment.tooth = '19'
        self.assertEqual(treatment.tooth, '16')
        Finding = self.env['dental.tooth.condition']
        finding = Finding.create(
            {'patient_id': self.patient.id, 'tooth': '85', 'condition': 'caries', 'surface_ids': self._surface_ids('O')}
        )
        self.assertEqual((finding.tooth, finding.surface_ids.mapped('code')), ('85', ['O']))
        with self.assertRaises(ValidationError):
            Finding.create({'patient_id': self.patient.id, 'tooth': '56', 'condition': 'missing'})

    # Tooth and surfaces as the procedure says --------------------------

    def test_surfaces_required_by_procedure(self):
        with self.assertRaisesRegex(ValidationError, 'surface'):
            self._create_treatment(tooth='16', surface_ids=False)
        treatment = self._create_treatment(tooth='16', surface_ids=self._surface_ids('MOD'))
        self.assertEqual(''.join(treatment.surface_ids.mapped('code')), 'MOD', 'surfaces in chart order')
        with self.assertRaisesRegex(ValidationError, 'surface'):
            treatment.surface_ids = [(5, 0, 0)]

    def test_tooth_required_by_procedure(self):
        with self.assertRaisesRegex(ValidationError, 'needs a tooth'):
            self._create_treatment(procedure_id=self.procedure_extraction.id)
        self.assertTrue(self._create_treatment(procedure_id=self.procedure_extraction.id, tooth='48'))

    def test_procedure_without_tooth(self):
        treatment = self._create_treatment(procedure_id=self.procedure_cleaning.id)
        self.assertFalse(treatment.tooth)
        with self.assertRaisesRegex(ValidationError, 'without a tooth'):
            self._create_treatment(procedure_id=self.procedure_cleaning.id, surface_ids=self._surface_ids('O'))

    def test_whole_tooth_finding_has_no_surfaces(self):
        with self.assertRaises(ValidationError):
            self.env['dental.tooth.condition'].create(
                {
                    'patient_id': self.patient.id,
                    'tooth': '36',
                    'condition': 'missing',
                    'surface_ids': self._surface_ids('O'),
                }
            )

    # Treatment states ----------------------------------------------------

    def test_treatment_done_and_cancel(self):
        treatment = self._create_treatment()
        self.assertEqual(treatment.state, 'planned')
        treatment.action_done()
        self.assertEqual(treatment.state, 'done')
        self.assertTrue(treatment.date_done)
        with self.assertRaises(UserError):
            treatment.action_cancel()
        with self.assertRaises(UserError):
            treatment.unlink()
        other = self._create_treatment()
        other.action_cancel()
        self.assertEqual(other.state, 'cancelled')
        other.action_reset_planned()
        self.assertEqual(other.state, 'planned')

    def test_treatment_company_follows_patient(self):
        patient = self._create_patient(company_id=self.company_other.id)
        treatment = self._create_treatment(patient_id=patient.id)
        self.assertEqual(treatment.company_id, self.company_other)

    # Treatment plan -------------------------------------------------------

    def test_plan_state_follows_lines(self):
        plan = self.env['dental.treatment.plan'].create({'patient_id': self.patient.id})
        self.assertEqual(plan.state, 'draft')
        first = self._create_treatment(plan_id=plan.id, tooth='16')
        second = self._create_treatment(plan_id=plan.id, tooth='26')
        third = self._create_treatment(plan_id=plan.id, tooth='36')
        self.assertEqual(plan.state, 'draft')
        plan.action_accept()
        self.assertEqual(plan.state, 'accepted')
        self.assertTrue(plan.date_accepted)
        first.action_done()
        self.assertEqual(plan.state, 'in_progress')
        self.assertAlmostEqual(plan.progress, 100 / 3, places=2)
        second.action_done()
        self.assertEqual(plan.state, 'in_progress')
        third.action_cancel()
        self.assertEqual(plan.state, 'completed', 'cancelled lines do not keep a plan open')
        self.assertEqual(plan.progress, 100)
        with self.assertRaises(UserError):
            plan.action_cancel()

    def test_plan_cancel_cancels_planned_lines(self):
        plan = self.env['dental.treatment.plan'].create({'patient_id': self.patient.id})
        line = self._create_treatment(plan_id=plan.id)
        plan.action_cancel()
        self.assertEqual(plan.state, 'cancelled')
        self.assertEqual(line.state, 'cancelled')
        plan.action_reset_draft()
        self.assertEqual(plan.state, 'draft')

    def test_plan_lines_belong_to_its_patient(self):
        plan = self.env['dental.treatment.plan'].create({'patient_id': self.patient.id})
        other = self._create_patient(name='Outro')
        with self.assertRaises(ValidationError):
            self._create_treatment(patient_id=other.id, plan_id=plan.id)

    # Odontogram data --------------------------------------------------------

    def test_odontogram_data(self):
        Finding = self.env['dental.tooth.condition']
        Finding.create(
            {
                'patient_id': self.patient.id,
                'tooth': '16',
                'condition': 'caries',
                'surface_ids': self._surface_ids('OD'),
                'date': '2024-01-10',
            }
        )
        Finding.create({'patient_id': self.patient.id, 'tooth': '46', 'condition': 'missing', 'date': '2024-01-10'})
        self._create_treatment(tooth='16', surface_ids=self._surface_ids('O'), state='done', date_done='2024-02-01')
        self._create_treatment(tooth='26', surface_ids=self._surface_ids('M'))
        self._create_treatment(procedure_id=self.procedure_extraction.id, tooth='48')
        self.patient.invalidate_recordset(['odontogram_data'])
        teeth = self.patient.odontogram_data['teeth']
        self.assertEqual(teeth['16']['surfaces'], {'O': 'restored', 'D': 'caries'})
        self.assertEqual(len(teeth['16']['history']), 2)
        self.assertEqual(teeth['16']['history'][0]['model'], 'dental.treatment', 'newest first')
        self.assertEqual(teeth['46']['whole'], 'missing')
        self.assertEqual(teeth['26']['planned'], ['M'])
        self.assertTrue(teeth['48']['planned_whole'])
        self.assertTrue(self.patient.odontogram_data['can_edit'])
        self.assertEqual(set(self.patient.odontogram_data['surface_ids']), {'M', 'D', 'O', 'V', 'L'})

    def test_odontogram_queries_do_not_grow(self):
        """The chart of many patients costs the same few queries as the chart of one."""
        patients = self.patient | self._create_patient(name='Outro')
        for patient in patients:
            for tooth in ('11', '16', '26', '36'):
                self._create_treatment(patient_id=patient.id, tooth=tooth)
        patients.invalidate_recordset()
        self.env['dental.treatment'].invalidate_model()
        with self.assertQueryCount(__system__=9):
            patients.mapped('odontogram_data')
        more = patients | self._create_patient(name='Mais Um') | self._create_patient(name='E Outro')
        for patient in more[2:]:
            for tooth in ('11', '16', '21', '31', '41', '46'):
                self._create_treatment(patient_id=patient.id, tooth=tooth)
        more.invalidate_recordset()
        self.env['dental.treatment'].invalidate_model()
        with self.assertQueryCount(__system__=9):
            more.mapped('odontogram_data')

    def test_patient_clinical_counts(self):
        self._create_treatment()
        self.env['dental.treatment.plan'].create({'patient_id': self.patient.id})
        self.env['dental.clinical.note'].create({'patient_id': self.patient.id, 'body': '<p>Ok</p>'})
        self.assertEqual(self.patient.treatment_count, 1)
        self.assertEqual(self.patient.treatment_plan_count, 1)
        self.assertEqual(self.patient.clinical_note_count, 1)
        action = self.patient.action_view_treatments()
        self.assertEqual(action['domain'], [('patient_id', '=', self.patient.id)])

    def test_procedure_search_by_code(self):
        found = self.env['dental.procedure'].name_search('T-RES')
        self.assertEqual([row[0] for row in found], [self.procedure_resin.id])
        self.assertEqual(self.procedure_resin.display_name, '[T-RES] Test composite restoration')
        with self.assertRaises(ValidationError):
            self.env['dental.procedure'].create({'name': 'Bad', 'requires_surface': True})
