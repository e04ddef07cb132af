import itertools
from contextlib import contextmanager
from functools import partial
from unittest.mock import patch

from odoo.addons.dental_clinic.models import dental_patient_search
from odoo.addons.dental_clinic.models.dental_patient import fold_text, only_digits
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import DentalCase, make_cpf

# What the list view sends: 80 rows and a count bounded like the web client's.
LIST_LIMIT = 80
COUNT_LIMIT = 10001


@contextmanager
def orm_plan():
    """Search without the word index: the ORM's own query, the reference answer."""
    with patch.object(dental_patient_search.DentalPatient, '_dental_word_search_term', return_value=None):
        yield


@tagged('post_install', '-at_install')
class TestSearchCases(DentalCase):
    """Each way the front desk types a patient finds the same patients, whatever plan serves it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        create = cls._create_patient
        # File numbers of their own: the company's sequence is not rolled back with the tests, so drawn numbers
        # would sooner or later contain the digits the cases type.
        cls.patient.file_number = 'PAC-900000'
        cls.joao = create(
            name='João Silva Pereira', cpf=make_cpf(310_001), mobile='(11) 98123-4567', file_number='PAC-900001'
        )
        cls.maria_silva = create(
            name='Maria Silva', cpf=make_cpf(310_002), mobile='(21) 99876-5432', file_number='PAC-900002'
        )
        cls.maria_souza = create(
            name='Maria Souza', cpf=make_cpf(310_003), phone='(31) 3333-4444', file_number='PAC-900003'
        )
        cls.jose = create(name='José Santos', mobile='(11) 97777-1111', file_number='PAC-900004')
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
            with orm_plan():
                self.assertEqual(found.ids, search(term).ids, f'{search.__name__}({term!r}), same as the ORM plan')
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
        # Inside a word, across words, a word's end and the next one's start.
        self._check('oao', self.joao)
        self._check('ria sil', self.maria_silva)
        self._check('ao silva pe', self.joao)
        self._check('silva pereira', self.joao)

    def test_phones(self):
        self._check('(11) 98123-4567', self.joao)
        self._check('11981234567', self.joao)
        self._check('+55 11 98123-4567', self.joao)
        self._check('(31) 3333-4444', self.maria_souza)
        self._check('119', self.joao | self.jose | self.patient)
        self._check('(11) 98', self.joao | self.patient)
        self._check('(21) 9', self.maria_silva)

    def test_short_fragments(self):
        """Fragments of 3 or more characters typed at the front desk: the same patients as the ORM's plain search
        of the digits in CPF and phones (and of the term in file numbers), and as the rule computed in Python."""
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        for term in ('987', '+55 11 9', '(21) 9', '(11) 9', '234', '555', '444', 'ilv', 'ria'):
            expected = self.mine.filtered(lambda p, term=term: self._matches(p.sudo(), term))
            self._check(term, expected)
            digits = only_digits(term)
            if len(digits) >= 3 and not fold_text(term).strip('()+-./ 0123456789'):
                plain = Patient.search(
                    [
                        '|',
                        '|',
                        ('cpf_digits', 'like', digits),
                        ('phone_digits', 'like', digits),
                        ('file_number', 'ilike', term),
                    ],
                    limit=LIST_LIMIT,
                )
            else:
                plain = Patient.search([('search_name', 'like', fold_text(term))], limit=LIST_LIMIT)
            self.assertEqual(self._list_search(term).ids, plain.ids, f'{term!r}: as the plain ORM search')
        self.assertIn(self.maria_silva, self._list_search('987'))
        self.assertLessEqual(self.joao | self.jose, self._list_search('+55 11 9'))

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


@tagged('post_install', '-at_install', 'is_query_count')
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
        # a number: the search, then the display names (patient and partner rows); a name: the word index's
        # candidates and the ORM's search among them, then the page's patient and partner rows
        for term, queries in (('quintanilha', 5), ('(11) 98000', 3), (make_cpf(320_003), 3)):
            Patient.name_search(term)  # warm
            self.env.invalidate_all()
            with self.assertQueryCount(dental_receptionist=queries):
                self.assertTrue(Patient.name_search(term))

    def test_list_search(self):
        """The kanban and the list, with the fields Odoo's web client asks for (their optional columns too)."""
        Patient = self.env['dental.patient'].with_context(bin_size=True)
        specs = {
            'kanban': dict.fromkeys(
                ('id', 'has_medical_alert', 'write_date', 'name', 'file_number', 'cpf', 'mobile_national', 'age'), {}
            ),
            'list': dict.fromkeys(
                (
                    'file_number',
                    'name',
                    'cpf',
                    'age',
                    'mobile_national',
                    'phone_national',
                    'email',
                    'has_medical_alert',
                ),
                {},
            ),
        }
        # the user's companies; a name: the word index's candidates, a number: its matches by the trigram indexes;
        # then the ORM's search among them, whose result the count reuses, the page's columns (with those the rules
        # read) and its contacts. Nothing per row, no look-up of the company's country (numbers are stored).
        for (view, spec), (term, queries) in itertools.product(specs.items(), (('zuleica', 6), ('(11) 98000', 6))):
            with self.subTest(view=view, term=term):
                search = partial(
                    Patient.web_search_read, [('display_name', 'ilike', term)], spec, limit=10, count_limit=COUNT_LIMIT
                )
                search()  # warm
                self.env.invalidate_all()
                with self.assertQueryCount(dental_receptionist=queries):
                    result = search()
                self.assertEqual(result['length'], 12)
                self.assertEqual(result['records'][0]['mobile_national'], '(11) 98000-0000')

    def test_list_search_company_without_country(self):
        """Numbers of a company without a country are read and shown as Brazilian; a page looks nothing up."""
        self.company.sudo().country_id = False
        Patient = self.env['dental.patient']
        patient = Patient.create({'name': 'Zuleica Sem País', 'mobile': '(21) 98000-0099'})
        self.assertEqual(patient.mobile, '+5521980000099')
        spec = {'display_name': {}, 'mobile_national': {}}
        Patient.web_search_read([('display_name', 'ilike', 'zuleica')], spec, limit=6)
        self.env.invalidate_all()
        with self.assertQueryCount(dental_receptionist=5):
            few = Patient.web_search_read([('display_name', 'ilike', 'zuleica')], spec, limit=6)
        self.env.invalidate_all()
        with self.assertQueryCount(dental_receptionist=6):
            page = Patient.web_search_read([('display_name', 'ilike', 'zuleica')], spec, limit=13)
        self.assertEqual(len(page['records']), 13)
        self.assertEqual(few['records'][0]['mobile_national'], '(11) 98000-0000')
        self.assertIn('(21) 98000-0099', [record['mobile_national'] for record in page['records']])


@tagged('post_install', '-at_install')
class TestWordIndex(DentalCase):
    """The word index follows every name and gives the ORM's answer, page by page."""

    def _words(self, patient):
        self.env.flush_all()
        self.env.cr.execute(SQL('SELECT word FROM dental_patient_word WHERE patient_id = %s ORDER BY word', patient.id))
        return [row[0] for row in self.env.cr.fetchall()]

    def _dictionary(self, *words):
        self.env.cr.execute(SQL('SELECT word FROM dental_patient_name_word WHERE word IN %s', words))
        return {row[0] for row in self.env.cr.fetchall()}

    def test_words_follow_the_name(self):
        patient = self._create_patient(name='Zebedeu  Quirinópolis Sá')
        self.assertEqual(
            self._words(patient), ['quirinopolis', 'quirinopolis sa', 'sa', 'zebedeu', 'zebedeu quirinopolis']
        )
        self.assertEqual(self._dictionary('quirinopolis', 'zebedeu'), {'quirinopolis', 'zebedeu'})
        patient.name = 'Zebedeu Xavantina'
        self.assertEqual(self._words(patient), ['xavantina', 'zebedeu', 'zebedeu xavantina'])
        patient.action_archive()
        self.assertEqual(
            self._words(patient), ['xavantina', 'zebedeu', 'zebedeu xavantina'], 'archived patients stay findable'
        )
        # A name changed in the database directly (an import, the LGPD anonymisation) is indexed too.
        self.env.cr.execute(SQL("UPDATE dental_patient SET search_name = 'zebedeu ypiranga' WHERE id = %s", patient.id))
        self.assertEqual(self._words(patient), ['ypiranga', 'zebedeu', 'zebedeu ypiranga'])
        patient.unlink()
        self.assertEqual(self._words(patient), [])
        self.assertIn('xavantina', self._dictionary('xavantina'))
        self.env['dental.patient']._gc_name_words()
        self.assertFalse(self._dictionary('quirinopolis', 'xavantina', 'ypiranga', 'zebedeu'))

    def test_found_in_the_same_transaction(self):
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        patient = Patient.create({'name': 'Quitéria Zanzibar'})
        self.assertEqual(Patient.search([('display_name', 'ilike', 'zanzibar')], limit=8), patient)
        patient.name = 'Quitéria Zimbábue'
        self.assertEqual(Patient.search([('display_name', 'ilike', 'zimbabue')], limit=8), patient)
        self.assertFalse(Patient.search([('display_name', 'ilike', 'zanzibar')], limit=8))

    def test_pages_equal_the_orm_plan(self):
        """Clustered first names, middle names, other companies and archived patients, one candidate at a time."""
        names = []
        for n in range(12):
            names += [f'João Zagalo {n:02d}', f'Ana João Zagalo {n:02d}', f'Joãozinho Zagalo {n:02d}']
            names += [f'Bento Zagalo Silva {n:02d}', f'Zagalo Joaquim {n:02d}']
        patients = self.env['dental.patient'].create(
            [
                {'name': name, 'company_id': (self.company_other if n % 5 == 0 else self.company).id}
                for n, name in enumerate(names)
            ]
        )
        patients[1::7].action_archive()
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        terms = [
            'joao',
            'oao',
            'JOÃO ZAGALO',
            'ao zagalo 0',
            'zagalo',
            'galo silva',
            'ana joao zagalo',
            'a joao zagalo 1',
            'joaq',
            'jo%o',
            'jo_o',
            'zz',
        ]
        with patch.object(dental_patient_search, 'MIN_CANDIDATES', 1), patch.object(dental_patient_search, 'GROWTH', 2):
            for term in terms:
                domain = [('display_name', 'ilike', term)]
                for offset, limit in ((0, 1), (0, 8), (3, 5), (8, 80), (40, 10)):
                    found = Patient.search(domain, offset=offset, limit=limit)
                    with orm_plan():
                        expected = Patient.search(domain, offset=offset, limit=limit)
                    self.assertEqual(found.ids, expected.ids, f'{term!r} offset {offset} limit {limit}')
                for limit in (1, 7, 1000):
                    found = Patient.search_count(domain, limit=limit)
                    with orm_plan():
                        self.assertEqual(found, Patient.search_count(domain, limit=limit), f'count {term!r}')
                for limit, count_limit in ((5, 7), (5, 1000), (80, 201)):
                    page = Patient.web_search_read(domain, {'display_name': {}}, limit=limit, count_limit=count_limit)
                    with orm_plan():
                        expected = Patient.web_search_read(
                            domain, {'display_name': {}}, limit=limit, count_limit=count_limit
                        )
                    self.assertEqual(page, expected, f'list of {term!r}, {limit} rows, count to {count_limit}')
                found = Patient.with_context(active_test=False).search(domain, limit=8)
                with orm_plan():
                    expected = Patient.with_context(active_test=False).search(domain, limit=8)
                self.assertEqual(found.ids, expected.ids, f'{term!r} with archived')
        expected = patients.filtered(
            lambda p: 'joao zagalo' in p.search_name and p.company_id == self.company and p.active
        )
        self.assertEqual(len(expected), 10)
        self.assertEqual(Patient.search([('display_name', 'ilike', 'joao zagalo')], limit=100), expected)

    def test_long_name_refused(self):
        """A name PostgreSQL could not index is refused with a message, not a database error."""
        letters = ''.join(chr(ord('a') + (n * 7919) % 26) for n in range(300))
        with self.assertRaisesRegex(ValidationError, '250'):
            self._create_patient(name=letters[:251])
        patient = self._create_patient(name=letters[:250])
        with self.assertRaisesRegex(ValidationError, '250'):
            patient.write({'name': letters})
        self.assertEqual(patient.name, letters[:250])

    def test_frequent_piece_uses_the_orm_plan(self):
        self._create_patient(name='Zuleide Zagalo')
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        with patch.object(dental_patient_search, 'MAX_WORDS', 0):
            found = Patient.search([('display_name', 'ilike', 'zagalo')], limit=8)
        self.assertEqual(found.mapped('name'), ['Zuleide Zagalo'])
