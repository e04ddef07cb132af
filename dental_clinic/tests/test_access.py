from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import DentalCase

# Which role may do what on each model: r(ead) w(rite) c(reate) u(nlink).
# Roles are cumulative in the groups (dentist implies receptionist, ...); the
# plain employee has no dental role at all.
ACCESS_MATRIX = {
    'dental.patient': {'employee': '', 'receptionist': 'rwc', 'dentist': 'rwc', 'manager': 'rwcu'},
    'dental.condition': {'employee': '', 'receptionist': '', 'dentist': 'r', 'manager': 'rwcu'},
    'dental.procedure': {'employee': '', 'receptionist': 'r', 'dentist': 'r', 'manager': 'rwcu'},
    'dental.tooth.surface': {'employee': '', 'receptionist': '', 'dentist': 'r', 'manager': 'r'},
    'dental.treatment': {'employee': '', 'receptionist': '', 'dentist': 'rwc', 'manager': 'rwcu'},
    'dental.tooth.condition': {'employee': '', 'receptionist': '', 'dentist': 'rwc', 'manager': 'rwcu'},
    'dental.treatment.plan': {'employee': '', 'receptionist': '', 'dentist': 'rwc', 'manager': 'rwcu'},
    'dental.clinical.note': {'employee': '', 'receptionist': '', 'dentist': 'rwcu', 'manager': 'rwcu'},
    'dental.clinical.note.addendum': {'employee': '', 'receptionist': '', 'dentist': 'rc', 'manager': 'rc'},
    'dental.chair': {'employee': '', 'receptionist': 'r', 'dentist': 'r', 'manager': 'rwcu'},
    'dental.appointment': {'employee': '', 'receptionist': 'rwc', 'dentist': 'rwc', 'manager': 'rwcu'},
}
CLINICAL_PATIENT_FIELDS = (
    'condition_ids',
    'medications',
    'allergies',
    'anamnesis_notes',
    'anamnesis_date',
    'medical_alert',
    'anamnesis_review_due',
)


@tagged('post_install', '-at_install')
class TestAccess(DentalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            'employee': cls.user_employee,
            'receptionist': cls.user_receptionist,
            'dentist': cls.user_dentist,
            'manager': cls.user_manager,
        }
        cls.patient.write({'allergies': 'Látex', 'condition_ids': [(4, cls.condition_diabetes.id)]})
        cls.procedure = cls.env['dental.procedure'].create({'name': 'Access procedure', 'requires_tooth': True})
        cls.surface = cls.env.ref('dental_clinic.surface_occlusal')
        cls.treatment_plan = cls.env['dental.treatment.plan'].create({'patient_id': cls.patient.id})
        cls.treatment = cls.env['dental.treatment'].create(
            {
                'patient_id': cls.patient.id,
                'procedure_id': cls.procedure.id,
                'tooth': '16',
                'plan_id': cls.treatment_plan.id,
            }
        )
        cls.tooth_condition = cls.env['dental.tooth.condition'].create(
            {'patient_id': cls.patient.id, 'tooth': '16', 'condition': 'caries', 'surface_ids': [(4, cls.surface.id)]}
        )
        # A draft note of the dentist: the rules let its author and the manager change it.
        cls.clinical_note = (
            cls.env['dental.clinical.note']
            .with_user(cls.user_dentist)
            .create({'patient_id': cls.patient.id, 'body': '<p>Note</p>'})
        )
        cls.clinical_note_signed = (
            cls.env['dental.clinical.note']
            .with_user(cls.user_dentist)
            .create({'patient_id': cls.patient.id, 'body': '<p>Signed</p>'})
        )
        cls.clinical_note_signed.action_sign()
        cls.clinical_note_addendum = cls.env['dental.clinical.note.addendum'].create(
            {'note_id': cls.clinical_note_signed.id, 'body': 'Addendum'}
        )
        cls.chair = cls.env['dental.chair'].create({'name': 'Cadeira Matriz'})
        cls.appointment = (
            cls.env['dental.appointment']
            .with_context(dental_allow_outside_hours=True)
            .create(
                {
                    'patient_id': cls.patient.id,
                    'dentist_id': cls.user_dentist.id,
                    'chair_id': cls.chair.id,
                    'start': '2031-01-06 12:00:00',
                    'duration': 1,
                }
            )
        )

    def _sample_record(self, model):
        """One record of each model in the matrix, made as superuser."""
        return {
            'dental.patient': self.patient,
            'dental.condition': self.condition_diabetes,
            'dental.procedure': self.procedure,
            'dental.tooth.surface': self.surface,
            'dental.treatment': self.treatment,
            'dental.tooth.condition': self.tooth_condition,
            'dental.treatment.plan': self.treatment_plan,
            'dental.clinical.note': self.clinical_note,
            'dental.clinical.note.addendum': self.clinical_note_addendum,
            'dental.chair': self.chair,
            'dental.appointment': self.appointment,
        }[model]

    def test_access_matrix(self):
        for model, rights in ACCESS_MATRIX.items():
            record = self._sample_record(model)
            for role, allowed in rights.items():
                for operation, letter in (('read', 'r'), ('write', 'w'), ('create', 'c'), ('unlink', 'u')):
                    with self.subTest(model=model, role=role, operation=operation):
                        as_user = record.with_user(self.users[role])
                        if letter in allowed:
                            as_user.check_access(operation)
                        else:
                            with self.assertRaises(AccessError):
                                as_user.check_access(operation)

    def test_receptionist_manages_patients(self):
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        patient = Patient.create({'name': 'Novo Paciente', 'birth_date': '1995-05-05', 'mobile': '11 99999-0000'})
        patient.write({'email': 'novo@example.com'})
        self.assertEqual(patient.email, 'novo@example.com')
        with self.assertRaises(AccessError):
            patient.unlink()
        patient.action_archive()
        self.assertFalse(patient.active)

    def test_manager_deletes_patient(self):
        patient = self._create_patient(name='Apagar')
        patient.with_user(self.user_manager).unlink()
        self.assertFalse(patient.exists())

    def test_receptionist_cannot_read_clinical_fields(self):
        patient = self.patient.with_user(self.user_receptionist)
        self.assertTrue(patient.has_medical_alert, 'the front desk sees that an alert exists')
        self.assertEqual(patient.name, 'Paciente Padrão')
        for fname in CLINICAL_PATIENT_FIELDS:
            with self.subTest(field=fname), self.assertRaises(AccessError):
                patient.read([fname])
        with self.assertRaises(AccessError):
            patient.search([('allergies', 'ilike', 'Látex')])
        with self.assertRaises(AccessError):
            patient.write({'allergies': 'Nenhuma'})
        with self.assertRaises(AccessError):
            self.env['dental.patient'].with_user(self.user_receptionist).read_group(
                [], ['condition_ids'], ['condition_ids']
            )

    def test_receptionist_form_has_no_clinical_fields(self):
        arch = self.env['dental.patient'].with_user(self.user_receptionist).get_views([(False, 'form')])
        form = arch['views']['form']['arch']
        for fname in CLINICAL_PATIENT_FIELDS:
            self.assertNotIn(f'name="{fname}"', form)
        self.assertIn('name="has_medical_alert"', form)
        dentist_form = self.env['dental.patient'].with_user(self.user_dentist).get_views([(False, 'form')])
        self.assertIn('name="allergies"', dentist_form['views']['form']['arch'])

    def test_dentist_reads_and_writes_anamnesis(self):
        patient = self.patient.with_user(self.user_dentist)
        self.assertIn('Látex', patient.medical_alert)
        patient.write({'medications': 'Metformina 850 mg', 'condition_ids': [(4, self.condition_asthma.id)]})
        self.assertIn(self.condition_asthma, patient.condition_ids)

    def test_multi_company_isolation(self):
        other = self._create_patient(name='Paciente da Filial', company_id=self.company_other.id)
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        self.assertFalse(Patient.search([('id', '=', other.id)]))
        with self.assertRaises(AccessError):
            other.with_user(self.user_receptionist).read(['name'])
        # Once allowed in the branch, the same user sees it when working there.
        self.user_receptionist.company_ids |= self.company_other
        branch_env = Patient.with_context(allowed_company_ids=[self.company.id, self.company_other.id])
        self.assertEqual(branch_env.search([('id', '=', other.id)]), other)
