from datetime import date, timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo.addons.dental_clinic.models import dental_patient_search
from odoo.addons.dental_clinic.models.dental_patient import fold_text, only_digits, term_kind, whole_years
from odoo.tests import tagged

from .common import DentalCase, make_cpf
from .test_search_scale import COUNT_LIMIT, orm_plan

# The list's specification as the web client sends it (optional columns included).
LIST_SPEC = dict.fromkeys(
    ('file_number', 'name', 'cpf', 'age', 'mobile_national', 'phone_national', 'email', 'has_medical_alert'), {}
)
# What the patients' kanban and list ask for: their count_limit (200), + 1.
VIEW_COUNT_LIMIT = 201
# Every class of fragment of 3 characters or more the front desk types, with a few that match nothing.
FRAGMENTS = {
    'name start': ['zeb', 'Zeb', 'ZEBE'],
    'name middle': ['ebe', 'ovi', 'uir'],
    'surname': ['quirino', 'Xavantes', 'xav'],
    'cpf digits': ['123', '345', '0123456', '678', '012'],
    'cpf punctuated': ['.345.', '012.345', '345.678-'],
    'phone digits': ['987', '9876', '3333', '119', '4321'],
    'phone formatted': ['+55 11 9', '(21) 9', '(11) 98', '(31) 3333', '+55 21 99876-54'],
    'file number': ['PAC-9100', 'pac-91000'],
    'nothing': ['Wachowski', '99999999', '+55 99 9'],
}
EMAIL_FRAGMENTS = ['zeb', 'ZEBEDEU.Q', '@exemplo', '.com.br', 'quirino12', 'nada.de.nada', 'x%y', 'a_b']


@tagged('post_install', '-at_install')
class TestSearchFragments(DentalCase):
    """A fragment typed in the patients' list or kanban finds the same patients, page and count, as the ORM's own
    plan, whichever plan serves it; the rules (companies, archived) hold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient.file_number = 'PAC-920000'
        people = []
        for n in range(18):
            people.append(
                {
                    'name': f'Zebedeu {("Quirino", "Xavantes", "Ovídio")[n % 3]} {n:02d}',
                    'cpf': make_cpf(12_345_000 + n * 7),
                    'mobile': f'({("11", "21", "31")[n % 3]}) 9{8 + n % 2}876-{4300 + n:04d}',
                    'phone': '(31) 3333-4444' if n % 4 == 0 else False,
                    'email': f'Zebedeu.Quirino{n}@{("exemplo.com.br", "mail.com")[n % 2]}',
                    'file_number': f'PAC-9100{n:02d}',
                }
            )
        cls.mine = cls.hidden = cls.env['dental.patient'].browse()
        for n, values in enumerate(people):
            # Other companies' and archived patients match the fragments too: never shown to this receptionist.
            company = cls.company_other if n % 5 == 4 else cls.company
            patient = cls._create_patient(company_id=company.id, **values)
            if n % 7 == 3:
                patient.action_archive()
            if patient.active and company == cls.company:
                cls.mine |= patient
            else:
                cls.hidden |= patient
        cls.mine |= cls.patient

    def _list(self, domain, limit=80, offset=0, count_limit=COUNT_LIMIT):
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        result = Patient.web_search_read(domain, LIST_SPEC, offset=offset, limit=limit, count_limit=count_limit)
        return [row['id'] for row in result['records']], result['length']

    def _expected(self, term):
        """The patients of this receptionist a search-box term matches, computed in Python."""
        kind, digits = term_kind(term), only_digits(term).lstrip('0')
        if kind == 'number':
            return self.mine.sudo().filtered(
                lambda p: (
                    digits in (p.cpf_digits or '')
                    or digits in (p.phone_digits or '')
                    or term.lower() in (p.file_number or '').lower()
                )
            )
        if kind == 'file_number':
            return self.mine.sudo().filtered(lambda p: term.strip().lower() in (p.file_number or '').lower())
        return self.mine.sudo().filtered(lambda p: fold_text(term) in p.search_name)

    def _compare(self, domain, message):
        """Pages and counts as the ORM's plan gives them, with the candidates capped low too (the name order's
        walk for the page and the count in one statement) and taken a few at a time."""
        shapes = ((500, 0, COUNT_LIMIT), (5, 0, 7), (4, 3, 201), (2, 6, 3))
        with orm_plan():
            expected = [self._list(domain, *shape) for shape in shapes]
        for cap, minimum in ((dental_patient_search.PATTERN_CANDIDATES, 64), (3, 1), (0, 1)):
            with (
                patch.object(dental_patient_search, 'PATTERN_CANDIDATES', cap),
                patch.object(dental_patient_search, 'MIN_CANDIDATES', minimum),
                patch.object(dental_patient_search, 'GROWTH', 2),
            ):
                found = [self._list(domain, *shape) for shape in shapes]
            self.assertEqual(found, expected, f'{message}, candidates up to {cap}')
        return expected[0]

    def test_every_fragment_class(self):
        for kind, terms in FRAGMENTS.items():
            for term in terms:
                ids, length = self._compare([('display_name', 'ilike', term)], f'{kind} {term!r}')
                # The database may hold other patients (demo data): those of the fixture found are the expected ones.
                expected = self._expected(term)
                self.assertEqual(set(ids) & set((self.mine | self.hidden).ids), set(expected.ids), f'{kind} {term!r}')
                self.assertEqual(length, len(ids))
        for term in ('987', '+55 11 9', '(21) 9', 'ebe', '.345.'):
            self.assertTrue(0 < len(self._expected(term)) < len(self.mine), f'{term!r}: some patients, not all')

    def test_email_fragments(self):
        """The search view's "E-mail" field reads the patients' copy: the same patients as the contact's e-mail."""
        view = self.env.ref('dental_clinic.dental_patient_view_search')
        self.assertIn("[('search_email', 'ilike', self)]", view.arch)
        for term in EMAIL_FRAGMENTS:
            ids, length = self._compare([('search_email', 'ilike', term)], f'e-mail {term!r}')
            with orm_plan():
                self.assertEqual(self._list([('email', 'ilike', term)]), (ids, length), f'e-mail {term!r}')
            expected = self.mine.sudo().filtered(lambda p, term=term: term.lower() in (p.email or '').lower())
            if '%' not in term and '_' not in term:
                self.assertEqual(set(ids) & set((self.mine | self.hidden).ids), set(expected.ids), f'e-mail {term!r}')
        self.assertEqual(len(set(self._list([('search_email', 'ilike', 'quirino')])[0]) & set(self.mine.ids)), 12)

    def test_email_follows_the_contact(self):
        patient = self._create_patient(name='Zenóbia Uirapuru', email='zenobia@exemplo.com.br')
        self.assertEqual(patient.search_email, 'zenobia@exemplo.com.br')
        patient.partner_id.email = 'Zenobia.U@Outro.com'
        Patient = self.env['dental.patient'].with_user(self.user_receptionist)
        self.assertEqual(Patient.search([('search_email', 'ilike', 'zenobia.u@outro')], limit=80), patient)
        patient.email = False
        self.assertFalse(Patient.search([('search_email', 'ilike', 'zenobia')], limit=80))

    def test_other_company_and_archived_not_listed(self):
        for term in ('987', '+55 11 9', '(21) 9', '0123', '@exemplo'):
            field = 'search_email' if '@' in term else 'display_name'
            ids, _length = self._list([(field, 'ilike', term)], limit=500)
            found = self.env['dental.patient'].browse(ids)
            self.assertTrue(found & self.mine, term)
            self.assertFalse(found & self.hidden, term)
            self.assertEqual(set(found.sudo().company_id), {self.company}, term)

    def test_archived_filter(self):
        """The archived patients a receptionist may see are listed by the same plan as the active ones."""
        domain = [('display_name', 'ilike', '987'), ('active', '=', False)]
        ids, length = self._compare(domain, 'archived 987')
        archived = self.env['dental.patient'].with_context(active_test=False).browse(ids)
        self.assertTrue(archived)
        self.assertFalse(any(archived.mapped('active')))
        self.assertEqual(set(archived.sudo().company_id), {self.company})
        self.assertEqual(length, len(ids))


@tagged('post_install', '-at_install', 'is_query_count')
class TestSearchFragmentsQueryCount(DentalCase):
    """One list search as the receptionist: a fixed number of queries whatever the fragment and its plan."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for n in range(12):
            cls._create_patient(
                name=f'Zuleica Quintanilha {n}',
                cpf=make_cpf(330_000 + n),
                mobile=f'(11) 98000-00{n:02d}',
                email=f'zuleica{n}@exemplo.com.br',
            )

    def setUp(self):
        super().setUp()
        self.env = self.env(user=self.user_receptionist)

    def test_list_search(self):
        Patient = self.env['dental.patient'].with_context(bin_size=True)
        # the fragment's matches by its trigram index, the user's companies, the ORM's search among them (the count
        # reuses it), the page's rows (their columns with those the rules read, their contacts). Capped at 0
        # candidates: the walk of the name order for the page and the count instead of that search.
        queries_by_cap = {dental_patient_search.PATTERN_CANDIDATES: 6, 0: 6}
        for cap, queries in queries_by_cap.items():
            for domain in (
                [('display_name', 'ilike', '(11) 98000-00')],
                [('display_name', 'ilike', '119800000')],
                [('search_email', 'ilike', '@exemplo')],
            ):
                with (
                    self.subTest(cap=cap, domain=domain),
                    patch.object(dental_patient_search, 'PATTERN_CANDIDATES', cap),
                ):
                    Patient.web_search_read(domain, LIST_SPEC, limit=10, count_limit=VIEW_COUNT_LIMIT)  # warm
                    self.env.invalidate_all()
                    with self.assertQueryCount(dental_receptionist=queries):
                        result = Patient.web_search_read(domain, LIST_SPEC, limit=10, count_limit=VIEW_COUNT_LIMIT)
                    self.assertEqual(result['length'], 12)
                    self.assertEqual(len(result['records']), 10)


@tagged('post_install', '-at_install')
class TestAge(DentalCase):
    def test_whole_years_as_relativedelta(self):
        """The age of the list counts whole years as relativedelta did, 29 February included."""
        births = [date(1996, 1, 1) + timedelta(days=n) for n in range(0, 365 * 9, 5)]
        births += [date(1996, 2, 29), date(2000, 2, 29), date(1900, 3, 1), date(2031, 5, 6)]
        todays = [date(2023, 2, 27) + timedelta(days=n) for n in range(0, 400 * 3, 13)]
        todays += [date(2024, 2, 28), date(2024, 2, 29), date(2025, 2, 28), date(2025, 3, 1), date(2100, 2, 28)]
        for birth in births:
            for today in todays:
                years, expected = whole_years(birth, today), relativedelta(today, birth).years
                # As the compute uses them: the age shown (never below 0) and whether the patient is a minor.
                self.assertEqual((max(years, 0), years < 18), (max(expected, 0), expected < 18), f'{birth} {today}')

    def test_age_and_minor(self):
        with patch('odoo.fields.Date.context_today', return_value=date(2026, 2, 28)):
            guardian = self.env['res.partner'].create({'name': 'Responsável Bissexto'})
            patient = self._create_patient(name='Bissexto', birth_date='2008-02-29', guardian_id=guardian.id)
            self.assertEqual(patient.age, 18)
            self.assertFalse(patient.is_minor)
            patient.birth_date = '2008-03-01'
            self.assertEqual(patient.age, 17)
            self.assertTrue(patient.is_minor)
