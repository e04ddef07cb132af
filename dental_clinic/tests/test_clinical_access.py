from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import DentalClinicalCase

CLINICAL_MODELS = (
    'dental.treatment',
    'dental.tooth.condition',
    'dental.treatment.plan',
    'dental.clinical.note',
    'dental.clinical.note.addendum',
    'dental.tooth.surface',
)
CLINICAL_PATIENT_FIELDS = (
    'treatment_ids',
    'tooth_condition_ids',
    'treatment_plan_ids',
    'clinical_note_ids',
    'treatment_count',
    'treatment_plan_count',
    'clinical_note_count',
    'odontogram_data',
)


@tagged('post_install', '-at_install')
class TestClinicalAccess(DentalClinicalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.treatment = cls._create_treatment()
        cls.finding = cls.env['dental.tooth.condition'].create(
            {'patient_id': cls.patient.id, 'tooth': '26', 'condition': 'caries', 'surface_ids': cls._surface_ids('M')}
        )
        cls.plan = cls.env['dental.treatment.plan'].create({'patient_id': cls.patient.id})
        cls.note = (
            cls.env['dental.clinical.note']
            .with_user(cls.user_dentist)
            .create({'patient_id': cls.patient.id, 'body': '<p>Nota</p>'})
        )
        cls.note.action_sign()
        cls.addendum = (
            cls.env['dental.clinical.note.addendum']
            .with_user(cls.user_dentist)
            .create({'note_id': cls.note.id, 'body': 'Adendo'})
        )
        # Export is allowed to the front desk in general: only the access rights may refuse it here.
        cls.user_receptionist.groups_id |= cls.env.ref('base.group_allow_export')
        cls.records = {
            'dental.treatment': cls.treatment,
            'dental.tooth.condition': cls.finding,
            'dental.treatment.plan': cls.plan,
            'dental.clinical.note': cls.note,
            'dental.clinical.note.addendum': cls.addendum,
            'dental.tooth.surface': cls.surfaces['O'],
        }

    def test_receptionist_denied_on_every_path(self):
        for model in CLINICAL_MODELS:
            Model = self.env[model].with_user(self.user_receptionist)
            record = self.records[model].with_user(self.user_receptionist)
            with self.subTest(model=model, path='read'), self.assertRaises(AccessError):
                record.read(['display_name'])
            with self.subTest(model=model, path='search'), self.assertRaises(AccessError):
                Model.search([])
            with self.subTest(model=model, path='search_read'), self.assertRaises(AccessError):
                Model.search_read([], ['display_name'])
            with self.subTest(model=model, path='read_group'), self.assertRaises(AccessError):
                Model.read_group([], ['create_uid'], ['create_uid'])
            with self.subTest(model=model, path='name_search'), self.assertRaises(AccessError):
                Model.name_search('')
            with self.subTest(model=model, path='export_data'), self.assertRaises(AccessError):
                record.export_data(['display_name'])
            with self.subTest(model=model, path='create'), self.assertRaises(AccessError):
                Model.check_access('create')

    def test_receptionist_cannot_reach_clinical_data_through_patient(self):
        patient = self.patient.with_user(self.user_receptionist)
        for fname in CLINICAL_PATIENT_FIELDS:
            with self.subTest(field=fname), self.assertRaises(AccessError):
                patient.read([fname])
        with self.assertRaises(AccessError):
            patient.export_data(['treatment_ids/tooth'])
        with self.assertRaises(AccessError):
            patient.search([('treatment_ids.tooth', '=', '16')])
        with self.assertRaises(AccessError):
            self.env['dental.patient'].with_user(self.user_receptionist).read_group(
                [('treatment_ids.tooth', '=', '16')], ['gender'], ['gender']
            )

    def test_receptionist_form_has_no_clinical_parts(self):
        views = self.env['dental.patient'].with_user(self.user_receptionist).get_views([(False, 'form')])
        arch = views['views']['form']['arch']
        for fname in CLINICAL_PATIENT_FIELDS:
            self.assertNotIn(f'name="{fname}"', arch)
        self.assertNotIn('dental_odontogram', arch)
        self.assertNotIn('action_view_treatments', arch)
        dentist_arch = (
            self.env['dental.patient']
            .with_user(self.user_dentist)
            .get_views([(False, 'form')])['views']['form']['arch']
        )
        self.assertIn('widget="dental_odontogram"', dentist_arch)
        self.assertIn('name="treatment_count"', dentist_arch)

    def test_receptionist_without_clinical_menus(self):
        menus = self.env['ir.ui.menu'].with_user(self.user_receptionist)._visible_menu_ids()
        self.assertNotIn(self.env.ref('dental_clinic.menu_dental_clinical').id, menus)
        self.assertNotIn(self.env.ref('dental_clinic.menu_dental_config').id, menus)
        dentist_menus = self.env['ir.ui.menu'].with_user(self.user_dentist)._visible_menu_ids()
        self.assertIn(self.env.ref('dental_clinic.menu_dental_treatment').id, dentist_menus)

    def test_dentist_and_manager_read(self):
        for user in (self.user_dentist, self.user_manager):
            for model, record in self.records.items():
                with self.subTest(user=user.login, model=model):
                    record.with_user(user).read(['display_name'])
            data = self.patient.with_user(user).odontogram_data
            self.assertIn('16', data['teeth'])

    def test_multi_company_isolation(self):
        other = self._create_patient(name='Filial', company_id=self.company_other.id)
        treatment = self._create_treatment(patient_id=other.id)
        note = self.env['dental.clinical.note'].create({'patient_id': other.id, 'body': '<p>x</p>'})
        self.assertEqual(note.company_id, self.company_other)
        for record in (treatment, note):
            with self.subTest(model=record._name):
                self.assertFalse(record.with_user(self.user_dentist).search([('id', '=', record.id)]))
                with self.assertRaises(AccessError):
                    record.with_user(self.user_dentist).read(['display_name'])
        self.user_dentist.company_ids |= self.company_other
        allowed = [self.company.id, self.company_other.id]
        Treatment = self.env['dental.treatment'].with_user(self.user_dentist).with_context(allowed_company_ids=allowed)
        self.assertEqual(Treatment.search([('id', '=', treatment.id)]), treatment)
