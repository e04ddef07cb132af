from odoo.addons.dental_clinic.models.dental_patient import fold_text, only_digits
from odoo.tests import tagged

from .common import DentalCase, make_cpf

# What the list view sends: 80 rows and a count bounded like the web client's.
LIST_LIMIT = 80
COUNT_LIMIT = 10001


@tagged('post_install', '-at_install')
class TestSearchCases(DentalCase):
    """Each way the front desk types a patient finds the same patients, whatever plan serves it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        create = cls._create_patient
        cls.joao = create(name='João Silva Pereira', cpf=make_cpf(310_001), mobile='(11) 98123-4567')
        cls.maria_silva = create(name='Maria Silva', cpf=make_cpf(310_002), mobile='(21) 99876-5432')
        cls.maria_souza = create(name='Maria Souza', cpf=make_cpf(310_003), phone='(31) 3333-4444')
        cls.jose = create(name='José Santos', mobile='(11) 97777-1111')
        cls.mine = cls.joao | cls.maria_silva | cls.maria_souza | cls.jose | cls.patient

    def _name_search(self, term):
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        return Patient.browse([pid for pid, _name in Patient.name_search(term, limit=100)])

    def _list_search(self, term):
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        result = Patient.web_search_read(
            [('display_name', 'ilike', term)],
            {'display_name': {}, 'file_number': {}},
            limit=LIST_LIMIT,
            count_limit=COUNT_LIMIT,
        )
        self.assertEqual(result['length'], len(result['records']), 'fewer than 80 rows: the count is exact')
        return Patient.browse([row['id'] for row in result['records']])

    def _matches(self, patient, term):
        """The answer the search must give, computed in Python, independent of any SQL plan."""
        digits = only_digits(term).lstrip('0')
        if digits and not fold_text(term).strip('()+-./ 0123456789'):
            return bool(
                len(digits) >= 3
                and (
                    digits in (patient.cpf_digits or '')
                    or digits in (patient.phone_digits or '')
                    or term.strip().lower() in (patient.file_number or '').lower()
                )
            )
        return fold_text(term) in patient.search_name or term.lower() in (patient.file_number or '').lower()

    def _check(self, term, expected):
        for search in (self._name_search, self._list_search):
            found = search(term)
            self.assertEqual(found & self.mine, expected, f'{search.__name__}({term!r})')
            for patient in found.sudo():
                self.assertTrue(self._matches(patient, term), f'{search.__name__}({term!r}) found {patient.name}')

    def test_names(self):
        self._check('joao', self.joao)
        self._check('JOAO', self.joao)
        self._check('Maria', self.maria_silva | self.maria_souza)
        self._check('Silva', self.joao | self.maria_silva)
        self._check('Maria Silva', self.maria_silva)
        self._check('maria silva', self.maria_silva)
        self._check('Souza', self.maria_souza)
        self._check('josé', self.jose)
        self._check('Xanadu Quixotesco', self.env['dental.patient'])

    def test_phones(self):
        self._check('(11) 98123-4567', self.joao)
        self._check('11981234567', self.joao)
        self._check('+55 11 98123-4567', self.joao)
        self._check('(31) 3333-4444', self.maria_souza)
        self._check('119', self.joao | self.jose | self.patient)
        self._check('(11) 98', self.joao | self.patient)
        self._check('(21) 9', self.maria_silva)

    def test_cpf_and_file_number(self):
        cpf = self.maria_silva.cpf
        self._check(cpf, self.maria_silva)
        self._check(only_digits(cpf), self.maria_silva)
        self._check(only_digits(cpf)[2:9], self.maria_silva)
        self._check(cpf[:7], self.maria_silva | self.maria_souza | self.joao)
        self._check(self.jose.file_number, self.jose)

    def test_other_company_not_found(self):
        other = self._create_patient(name='João Filial', company_id=self.company_other.id)
        self.assertFalse(self._name_search('joao filial'))
        self.assertFalse(self._list_search('joao filial'))
        self.assertTrue(other.search_name)


@tagged('post_install', '-at_install')
class TestSearchQueryCount(DentalCase):
    """The dropdown and the list search stay a fixed, small number of queries (receptionist, warm)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for n in range(12):
            cls._create_patient(
                name=f'Zuleica Quintanilha {n}', cpf=make_cpf(320_000 + n), mobile=f'(11) 98000-00{n:02d}'
            )

    def setUp(self):
        super().setUp()
        self.env = self.env(user=self.user_receptionist)

    def test_name_search(self):
        Patient = self.env['dental.patient']
        for term in ('quintanilha', '(11) 98000', make_cpf(320_003)):
            Patient.name_search(term)  # warm
            self.env.invalidate_all()
            # the search, then the display names (patient and partner rows)
            with self.assertQueryCount(dental_receptionist=3):
                self.assertTrue(Patient.name_search(term))

    def test_list_search(self):
        Patient = self.env['dental.patient']
        spec = {'display_name': {}, 'file_number': {}, 'cpf': {}, 'mobile_national': {}, 'company_id': {}}

        def search(term):
            return Patient.web_search_read([('display_name', 'ilike', term)], spec, limit=10, count_limit=COUNT_LIMIT)

        # search + read of the page and its partners, phones' country, then the bounded count (page full)
        for term, queries in (('zuleica', 4), ('(11) 98000', 7)):
            search(term)  # warm
            self.env.invalidate_all()
            with self.assertQueryCount(dental_receptionist=queries):
                self.assertEqual(search(term)['length'], 12)

    def test_list_search_company_without_country(self):
        """Brazil is looked up once for the page, not once per row."""
        self.company.sudo().country_id = False
        Patient = self.env['dental.patient']
        spec = {'display_name': {}, 'mobile_national': {}}
        Patient.web_search_read([('display_name', 'ilike', 'zuleica')], spec, limit=6)
        self.env.invalidate_all()
        with self.assertQueryCount(dental_receptionist=7):
            few = Patient.web_search_read([('display_name', 'ilike', 'zuleica')], spec, limit=6)
        self.env.invalidate_all()
        with self.assertQueryCount(dental_receptionist=7):
            page = Patient.web_search_read([('display_name', 'ilike', 'zuleica')], spec, limit=12)
        self.assertEqual(len(page['records']), 12)
        self.assertEqual(few['records'][0]['mobile_national'], '(11) 98000-0000')
