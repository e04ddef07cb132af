import importlib.util
import os

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.modules.module import get_module_path
from odoo.tests import tagged
from odoo.tools import SQL

from .common import DentalCase, make_cpf


@tagged('post_install', '-at_install')
class TestPatient(DentalCase):
    # CPF -------------------------------------------------------------

    def test_cpf_formatted_and_digits(self):
        patient = self._create_patient(cpf='11144477735')
        self.assertEqual(patient.cpf, '111.444.777-35')
        self.assertEqual(patient.cpf_digits, '11144477735')

    def test_cpf_invalid_check_digits(self):
        with self.assertRaisesRegex(ValidationError, 'check digits'):
            self._create_patient(cpf='111.444.777-36')

    def test_cpf_repeated_digits(self):
        for value in ('111.111.111-11', '00000000000', '999.999.999-99'):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                self._create_patient(cpf=value)

    def test_cpf_wrong_length(self):
        with self.assertRaises(ValidationError):
            self._create_patient(cpf='123.456.789')

    def test_cpf_duplicate_same_company(self):
        with self.assertRaisesRegex(ValidationError, 'Paciente Padrão'):
            self._create_patient(cpf='52998224725')

    def test_cpf_duplicate_archived_patient(self):
        self.patient.action_archive()
        with self.assertRaises(ValidationError):
            self._create_patient(cpf='529.982.247-25')

    def test_cpf_duplicate_other_company_allowed(self):
        other = self._create_patient(cpf='529.982.247-25', company_id=self.company_other.id)
        self.assertEqual(other.cpf_digits, self.patient.cpf_digits)

    def test_cpf_write_invalid_keeps_old_value(self):
        with self.assertRaises(ValidationError):
            self.patient.cpf = '529.982.247-24'
        self.assertEqual(self.patient.cpf, '529.982.247-25')

    def test_cpf_optional_for_foreigner(self):
        patient = self._create_patient(name='John Smith', is_foreigner=True)
        self.assertFalse(patient.cpf)
        self.assertFalse(patient.cpf_digits)

    # Phones ------------------------------------------------------------

    def test_phone_normalised_e164(self):
        self.assertEqual(self.patient.mobile, '+5511987654321')
        self.assertEqual(self.patient.partner_id.mobile, '+5511987654321')
        patient = self._create_patient(phone='+55 (21) 3456-7890', mobile='021 99876 5432')
        self.assertEqual(patient.phone, '+552134567890')
        self.assertEqual(patient.mobile, '+5521998765432')

    def test_phone_foreign_number(self):
        patient = self._create_patient(mobile='+351 912 345 678')
        self.assertEqual(patient.mobile, '+351912345678')

    def test_phone_invalid_rejected(self):
        for value in ('12345', 'abc', '(11) 1234'):
            with self.subTest(value=value), self.assertRaisesRegex(ValidationError, 'not a valid phone'):
                self._create_patient(mobile=value)

    def test_phone_write_normalised(self):
        self.patient.write({'phone': '(11) 3333-4444'})
        self.assertEqual(self.patient.phone, '+551133334444')
        self.assertIn('551133334444', self.patient.phone_digits)

    def test_phone_display_same_as_phonenumbers(self):
        """The shortcut for Brazilian numbers writes what phonenumbers writes, for every area code."""
        Patient = self.env['dental.patient']
        brazil = self.env.ref('base.br')
        numbers = []
        for area in range(11, 100):
            numbers += [f'+55{area}9{area:02d}876543', f'+55{area}3{area:02d}45678', f'+55{area}2{area:02d}05678']
        numbers += ['+558001234567', '+5540040001', '+551199999999', '+351912345678', '+5511987654321']
        for number in numbers:
            expected = Patient._phone_format(number=number, country=brazil, force_format='NATIONAL') or number
            self.assertEqual(Patient._display_phone(number, brazil), expected, number)
        self.assertEqual(Patient._display_phone('+5511969318313', brazil), '(11) 96931-8313')
        self.assertEqual(Patient._display_phone('+551133334444', brazil), '(11) 3333-4444')

    def test_phone_uses_company_country(self):
        self.company_other.country_id = self.env.ref('base.pt')
        patient = self._create_patient(mobile='912 345 678', company_id=self.company_other.id)
        self.assertEqual(patient.mobile, '+351912345678')

    # Age, guardian -------------------------------------------------

    @freeze_time('2026-03-15')
    def test_age_on_frozen_date(self):
        patient = self._create_patient(birth_date='2000-03-16')
        self.assertEqual(patient.age, 25)
        patient.invalidate_recordset(['age'])
        with freeze_time('2026-03-16'):
            patient.invalidate_recordset(['age'])
            self.assertEqual(patient.age, 26)

    @freeze_time('2026-03-15')
    def test_age_leap_day(self):
        patient = self._create_patient(birth_date='2008-02-29')
        self.assertEqual(patient.age, 18)
        self.assertFalse(patient.is_minor)

    @freeze_time('2026-03-15')
    def test_minor_needs_guardian(self):
        with self.assertRaisesRegex(ValidationError, 'guardian'):
            self._create_patient(name='Criança', birth_date='2015-06-01')
        guardian = self.patient.partner_id
        child = self._create_patient(name='Criança', birth_date='2015-06-01', guardian_id=guardian.id)
        self.assertTrue(child.is_minor)
        self.assertEqual(child.age, 10)
        with self.assertRaises(ValidationError):
            child.guardian_id = False
        self.assertIn(child, self.env['dental.patient'].search([('is_minor', '=', True)]))
        self.assertNotIn(self.patient, self.env['dental.patient'].search([('is_minor', '=', True)]))

    @freeze_time('2026-03-15')
    def test_birth_date_in_future_rejected(self):
        with self.assertRaises(ValidationError):
            self._create_patient(birth_date='2026-03-16')

    def test_patient_cannot_be_own_guardian(self):
        with self.assertRaises(ValidationError):
            self.patient.guardian_id = self.patient.partner_id

    # File number, partner -------------------------------------------

    def test_file_number_per_company(self):
        first = self._create_patient()
        second = self._create_patient()
        self.assertTrue(first.file_number)
        self.assertNotEqual(first.file_number, second.file_number)
        other = self._create_patient(company_id=self.company_other.id)
        self.assertTrue(other.file_number.startswith('PAC-'))
        sequences = self.env['ir.sequence'].search([('code', '=', 'dental.patient')])
        self.assertIn(self.company_other, sequences.company_id)
        # The numbers are drawn by code in the patient's company: a company that lost its sequence gets one.
        company = self.env['res.company'].create({'name': 'Clínica Sem Sequência'})
        # Neither its own sequence nor one shared by every company (which next_by_code would take).
        self.env['ir.sequence'].search(
            [('code', '=', 'dental.patient'), ('company_id', 'in', [company.id, False])]
        ).unlink()
        first_there = self._create_patient(company_id=company.id)
        self.assertEqual(first_there.file_number, 'PAC-000001')
        self.assertEqual(self.env['ir.sequence'].with_company(company).next_by_code('dental.patient'), 'PAC-000002')

    def test_partner_linked_and_company(self):
        partner = self.patient.partner_id
        self.assertEqual(partner.name, 'Paciente Padrão')
        self.assertEqual(partner.email, 'paciente.padrao@example.com')
        self.assertEqual(partner.company_id, self.company)

    def test_archive_not_delete(self):
        self.patient.action_archive()
        self.assertFalse(self.patient.active)
        self.assertTrue(self.patient.exists())

    # Anamnesis alert --------------------------------------------------

    def test_medical_alert(self):
        self.assertFalse(self.patient.has_medical_alert)
        self.patient.condition_ids = self.condition_asthma
        self.assertFalse(self.patient.has_medical_alert, 'asthma is not a risk condition')
        self.patient.condition_ids |= self.condition_diabetes
        self.assertTrue(self.patient.has_medical_alert)
        self.assertIn('Diabetes', self.patient.medical_alert)
        self.patient.condition_ids = False
        self.patient.allergies = 'Penicilina'
        self.assertTrue(self.patient.has_medical_alert)
        self.assertIn('Penicilina', self.patient.medical_alert)

    @freeze_time('2026-03-15')
    def test_anamnesis_review_due(self):
        self.patient.anamnesis_date = '2025-03-16'
        self.assertFalse(self.patient.anamnesis_review_due)
        self.patient.anamnesis_date = '2025-03-14'
        self.assertTrue(self.patient.anamnesis_review_due)

    # Search ------------------------------------------------------------

    def test_search_cpf_any_format(self):
        Patient = self.env['dental.patient']
        for term in ('529.982.247-25', '52998224725', '529982', '247-25'):
            with self.subTest(term=term):
                self.assertEqual(Patient.search([('cpf_search', 'ilike', term)]), self.patient)

    def test_search_phone_any_format(self):
        Patient = self.env['dental.patient']
        for term in ('+55 11 98765-4321', '(11) 98765-4321', '11987654321', '98765-4321', '011 98765 4321'):
            with self.subTest(term=term):
                self.assertEqual(Patient.search([('phone_search', 'ilike', term)]), self.patient)
        self.assertFalse(Patient.search([('phone_search', 'ilike', '(21) 98765-4321')]))

    def test_name_search_finds_cpf_phone_and_name(self):
        Patient = self.env['dental.patient']
        self._create_patient(name='Outra Pessoa', cpf=make_cpf(123456789))
        for term in ('Padrão', 'padr', '529.982.247-25', '98765-4321', self.patient.file_number):
            with self.subTest(term=term):
                found = Patient.name_search(term)
                self.assertEqual([row[0] for row in found], [self.patient.id])

    def test_search_uses_indexes(self):
        """The digits columns carry trigram indexes (names are searched on the patient's own folded column)."""
        self.env.cr.execute("""
            SELECT indexname FROM pg_indexes
             WHERE tablename IN ('dental_patient', 'res_partner') AND indexdef ILIKE '%%gin_trgm_ops%%'
        """)
        names = {row[0] for row in self.env.cr.fetchall()}
        self.assertIn('dental_patient__cpf_digits_index', names)
        self.assertIn('dental_patient__phone_digits_index', names)
        self.assertIn('dental_patient__file_number_index', names)
        # Contacts' names are Odoo's: the addon searches patients by their own folded name.
        self.assertNotIn('res_partner__name_dental_trgm_index', names)

    def test_upgrade_drops_the_partner_name_index(self):
        """Earlier versions put a trigram index on res_partner's names; the upgrade (and the uninstall) drop it."""
        self.env.cr.execute(SQL('CREATE INDEX IF NOT EXISTS res_partner__name_dental_trgm_index ON res_partner (name)'))
        path = os.path.join(
            get_module_path('dental_clinic'), 'migrations', '18.0.1.3.0', 'post-drop-partner-name-index.py'
        )
        spec = importlib.util.spec_from_file_location('dental_clinic_migration_partner_index', path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        script.migrate(self.env.cr, '18.0.1.2.0')
        self.env.cr.execute(SQL("SELECT 1 FROM pg_indexes WHERE indexname = 'res_partner__name_dental_trgm_index'"))
        self.assertFalse(self.env.cr.fetchall())

    # Performance -----------------------------------------------------

    def _create_counted(self, n):
        return self._create_patient(name=f'Contado {n}', cpf=make_cpf(700_000 + n), mobile=f'(11) 98888-{n:04d}')

    def test_create_query_count_flat(self):
        """Creating a patient costs the same queries with 1 or 60 more patients in the table."""
        self._create_counted(0)  # warm up: sequence, caches
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=17):
            self._create_counted(1)
            self.env.flush_all()
        self.env['dental.patient'].create(
            [{'name': f'Lote {n}', 'cpf': make_cpf(800_000 + n), 'birth_date': '1980-01-01'} for n in range(60)]
        )
        self._create_counted(2)  # warm up again after the batch
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=17):
            self._create_counted(3)
            self.env.flush_all()
