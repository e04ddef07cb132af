import calendar
import re
import unicodedata
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from stdnum.br import cpf as stdnum_cpf
from stdnum.exceptions import ValidationError as StdnumValidationError

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import html2plaintext
from odoo.tools.sql import create_index

from .dental_appointment import MOVABLE_STATES
from .dental_field_guard import is_blank
from .dental_roles import DENTIST_GROUP
from .dental_tooth import apply_finding, empty_tooth, is_deciduous

ADULT_AGE = 18
NAME_MAX_LENGTH = 250
ANAMNESIS_REVIEW_MONTHS = 12
PHONE_FIELDS = ('phone', 'mobile')
# A Brazilian number in E.164: area code, then a mobile (9 + 8 digits) or a landline (2-5 + 7 digits).
BR_NUMBER = re.compile(r'\+55([1-9]{2})(9\d{4}|[2-5]\d{3})(\d{4})')
BR_AREA_CODES = frozenset(
    '11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 41 42 43 44 45 46 47 48 49 51 53 54 55 '
    '61 62 63 64 65 66 67 68 69 71 73 74 75 77 79 81 82 83 84 85 86 87 88 89 91 92 93 94 95 96 97 98 99'.split()
)
# Shown in the message refusing a number, per country of the company.
PHONE_EXAMPLES = {'BR': '(11) 98765-4321'}
# Records that belong to a patient and to its company.
PATIENT_RECORD_MODELS = (
    'dental.appointment',
    'dental.treatment',
    'dental.tooth.condition',
    'dental.treatment.plan',
    'dental.clinical.note',
)


def only_digits(value):
    return re.sub(r'\D', '', value or '')


def fold_text(value):
    """Lower case without accents (João -> joao), as stored in ``search_name``."""
    decomposed = unicodedata.normalize('NFKD', value or '')
    return ' '.join(''.join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def whole_years(birth, today):
    """Whole years from ``birth`` to ``today``, as ``relativedelta(today, birth).years`` counts them (born on
    29 February: a year older on 28 February of common years), without building one per patient of a list
    (a quarter of the Python time of a page of 80)."""
    day = 28 if (birth.month, birth.day) == (2, 29) and not calendar.isleap(today.year) else birth.day
    return today.year - birth.year - ((today.month, today.day) < (birth.month, day))


def term_kind(value):
    """What a term typed in the search box is: a 'number' (CPF, phone), a 'file_number' or a 'name'."""
    if len(only_digits(value).lstrip('0')) >= 3 and re.fullmatch(r'[\d\s().+\-/]+', value.strip()):
        return 'number'
    if re.fullmatch(r'[A-Za-z]{1,10}[-/]?\d+', value.strip()):
        return 'file_number'
    return 'name'


class DentalPatient(models.Model):
    """A person treated by the clinic.

    Identity and contact data live on the linked ``res.partner`` (delegation
    inheritance) so that mail, SMS and the calendar work on patients as they do
    on any contact; the patient adds the clinic's own data.
    """

    _name = 'dental.patient'
    _description = 'Dental Patient'
    _inherits = {'res.partner': 'partner_id'}
    _inherit = ['mail.thread', 'mail.activity.mixin', 'dental.field.guard']
    # The folded name sorts like the name (accents and case aside, so Álvaro is among the A's) and lives on
    # this table: a search walks one table's index in order and stops at the page, without joining partners.
    _order = 'search_name, id'
    _check_company_auto = True
    _dental_system_fields = ('file_number',)
    # Pointing an existing patient at another contact would hand it someone else's identity.
    _dental_create_only_fields = ('partner_id',)

    partner_id = fields.Many2one('res.partner', required=True, ondelete='restrict', index=True)
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    active = fields.Boolean(default=True, tracking=True)
    file_number = fields.Char(
        readonly=True,
        copy=False,
        index='trigram',
        help='Patient file number, given by the company sequence when the patient is created.',
    )
    birth_date = fields.Date(tracking=True)
    age = fields.Integer(compute='_compute_age', help='Age in whole years, computed on the current day.')
    is_minor = fields.Boolean(string='Minor', compute='_compute_age', search='_search_is_minor')
    gender = fields.Selection([('female', 'Female'), ('male', 'Male'), ('other', 'Other')], tracking=True)
    is_foreigner = fields.Boolean(string='Foreigner', help='Foreign patients may be registered without a CPF.')
    cpf_required_at_creation = fields.Boolean(
        string='CPF Required at Registration',
        compute='_compute_cpf_required_at_creation',
        help='The company asks for the CPF (or "Foreigner") when the patient is registered, not at the first visit.',
    )
    booked_without_cpf = fields.Boolean(
        string='Booked without CPF',
        compute='_compute_booked_without_cpf',
        search='_search_booked_without_cpf',
        help='Has an appointment to come but neither a CPF nor "Foreigner": ask for the CPF at the visit.',
    )
    cpf = fields.Char(string='CPF', tracking=True, copy=False, help='Brazilian taxpayer number, stored formatted.')
    cpf_digits = fields.Char(
        string='CPF (digits)', compute='_compute_cpf_digits', store=True, index='trigram', copy=False
    )
    phone_digits = fields.Char(
        string='Phone digits',
        compute='_compute_phone_digits',
        store=True,
        index='trigram',
        help='Digits of every phone number of the patient, for searching in any format.',
    )
    search_name = fields.Char(
        string='Name (search)',
        compute='_compute_search_name',
        store=True,
        index='trigram',
        help='The name in lower case without accents: the search box finds João when "joao" is typed, '
        'without depending on PostgreSQL\'s unaccent being enabled on the server.',
    )
    # The contact's e-mail on this table: the search view's "E-mail" field reads it through a trigram index of
    # the patients' own (res_partner's e-mails have none: a fragment scanned every contact, 50-170 ms at 100k).
    search_email = fields.Char(
        string='E-mail (search)',
        related='partner_id.email',
        store=True,
        index='trigram',
        help='The e-mail of the patient\'s contact, kept here for the search box.',
    )
    phone_national = fields.Char(
        string='Phone Number',
        compute='_compute_phone_national',
        inverse='_inverse_phone_national',
        store=True,
        search='_search_phone_search',
        help='Shown as written in the country, stored in international format.',
    )
    mobile_national = fields.Char(
        string='Mobile Number',
        compute='_compute_phone_national',
        inverse='_inverse_phone_national',
        store=True,
        search='_search_phone_search',
        help='Shown as written in the country, stored in international format.',
    )
    cpf_search = fields.Char(string='CPF (any format)', compute='_compute_search_helpers', search='_search_cpf_search')
    phone_search = fields.Char(
        string='Phone (any format)', compute='_compute_search_helpers', search='_search_phone_search'
    )
    guardian_id = fields.Many2one(
        'res.partner',
        tracking=True,
        check_company=True,
        help='Legally responsible person; required for patients under 18.',
    )
    guardian_relation = fields.Char(string='Relationship to Patient')
    notes = fields.Html(string='Administrative Notes')

    # Anamnesis: clinical, dentists and managers only.
    condition_ids = fields.Many2many('dental.condition', string='Conditions', groups=DENTIST_GROUP)
    medications = fields.Text(groups=DENTIST_GROUP)
    allergies = fields.Text(groups=DENTIST_GROUP)
    anamnesis_notes = fields.Text(groups=DENTIST_GROUP)
    anamnesis_date = fields.Date(string='Last Anamnesis Review', groups=DENTIST_GROUP, tracking=True)
    anamnesis_review_due = fields.Boolean(compute='_compute_anamnesis_review_due', groups=DENTIST_GROUP)
    medical_alert = fields.Char(string='Medical Alert Details', compute='_compute_medical_alert', groups=DENTIST_GROUP)
    # Everybody may know that an alert exists, not what it is.
    has_medical_alert = fields.Boolean(
        string='Medical Alert', compute='_compute_has_medical_alert', store=True, compute_sudo=True
    )

    # Clinical records: dentists and managers only.
    treatment_ids = fields.One2many('dental.treatment', 'patient_id', string='Treatments', groups=DENTIST_GROUP)
    tooth_condition_ids = fields.One2many(
        'dental.tooth.condition', 'patient_id', string='Tooth Findings', groups=DENTIST_GROUP
    )
    treatment_plan_ids = fields.One2many(
        'dental.treatment.plan', 'patient_id', string='Treatment Plans', groups=DENTIST_GROUP
    )
    clinical_note_ids = fields.One2many(
        'dental.clinical.note', 'patient_id', string='Clinical Notes', groups=DENTIST_GROUP
    )
    treatment_count = fields.Integer(compute='_compute_clinical_counts', groups=DENTIST_GROUP)
    treatment_plan_count = fields.Integer(compute='_compute_clinical_counts', groups=DENTIST_GROUP)
    clinical_note_count = fields.Integer(compute='_compute_clinical_counts', groups=DENTIST_GROUP)
    odontogram_data = fields.Json(
        string='Odontogram',
        compute='_compute_odontogram_data',
        groups=DENTIST_GROUP,
        help='Per tooth: current findings by surface, planned treatments and history, for the chart widget.',
    )

    # Visits (dental.appointment): counts for the smart buttons.
    appointment_ids = fields.One2many('dental.appointment', 'patient_id', string='Appointments')
    visit_count = fields.Integer(string='Visits', compute='_compute_appointment_stats')
    no_show_count = fields.Integer(string='No-shows', compute='_compute_appointment_stats')
    cancelled_count = fields.Integer(string='Cancellations', compute='_compute_appointment_stats')
    next_appointment_start = fields.Datetime(string='Next Appointment', compute='_compute_appointment_stats')
    # Attendance of the last 12 months, shown at booking: plain counts, no clinical data.
    attendance_done_count = fields.Integer(string='Visits (12 months)', compute='_compute_attendance')
    attendance_no_show_count = fields.Integer(string='No-shows (12 months)', compute='_compute_attendance')
    attendance_late_cancel_count = fields.Integer(
        string='Late Cancellations (12 months)', compute='_compute_attendance'
    )
    last_visit_date = fields.Datetime(string='Last Visit', compute='_compute_appointment_stats')

    _sql_constraints = [
        (
            'cpf_company_uniq',
            'unique (company_id, cpf_digits)',
            'Another patient of this company already has this CPF.',
        ),
        ('file_number_company_uniq', 'unique (company_id, file_number)', 'The file number must be unique per company.'),
    ]

    def init(self):
        super().init()
        # The order of every patient list and dropdown, walked from its start for frequent terms.
        create_index(self.env.cr, 'dental_patient_search_name_id_index', self._table, ['search_name', 'id'])

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends('birth_date')
    def _compute_age(self):
        today = fields.Date.context_today(self)
        for patient in self:
            age = whole_years(patient.birth_date, today) if patient.birth_date else 0
            patient.age = max(age, 0)
            patient.is_minor = bool(patient.birth_date) and age < ADULT_AGE

    def _search_is_minor(self, operator, value):
        if operator not in ('=', '!=') or not isinstance(value, bool):
            raise UserError(_('Search minors with "is set" or "is not set".'))
        adult_birth_limit = fields.Date.context_today(self) - relativedelta(years=ADULT_AGE)
        domain = [('birth_date', '>', adult_birth_limit)]
        if (operator == '=') != value:
            return ['|', ('birth_date', '=', False), ('birth_date', '<=', adult_birth_limit)]
        return domain

    @api.depends('cpf')
    def _compute_cpf_digits(self):
        for patient in self:
            patient.cpf_digits = only_digits(patient.cpf) or False

    @api.depends('phone', 'mobile')
    def _compute_phone_digits(self):
        for patient in self:
            numbers = [only_digits(patient[fname]) for fname in PHONE_FIELDS]
            patient.phone_digits = ' '.join(n for n in numbers if n) or False

    @api.depends('partner_id.name')
    def _compute_search_name(self):
        for patient in self:
            patient.search_name = fold_text(patient.name) or False

    # Stored: a page of 80 patients would otherwise look up their company's country (three queries) and format
    # 160 numbers each time it is shown.
    @api.depends('phone', 'mobile', 'company_id.country_id')
    def _compute_phone_national(self):
        # One country per company for the whole page, not one look-up per row.
        countries = {company: self._phone_country(company) for company in self.company_id}
        for patient in self:
            country = countries.get(patient.company_id)
            patient.phone_national = patient._display_phone(patient.phone, country)
            patient.mobile_national = patient._display_phone(patient.mobile, country)

    def _inverse_phone_national(self):
        for patient in self:
            vals = {}
            for fname in PHONE_FIELDS:
                typed = patient[f'{fname}_national']
                if typed != patient._display_phone(patient[fname]):
                    vals[fname] = typed or False
            if vals:
                patient.write(vals)
        # Store and show the number as it was saved (normalised), not as it was typed: the fields being written
        # are not recomputed by themselves.
        self._compute_phone_national()

    def _compute_search_helpers(self):
        self.cpf_search = False
        self.phone_search = False

    def _search_digits(self, fname, operator, value):
        """Search a digits-only column whatever punctuation the user typed."""
        if operator not in ('ilike', 'like', '=', '=like', '=ilike') or not isinstance(value, str):
            raise UserError(_('Search CPF and phone numbers with "contains" or "=", giving the digits as text.'))
        digits = only_digits(value).lstrip('0')
        if not digits:
            return expression.FALSE_DOMAIN
        return [(fname, 'like', digits)]

    def _search_cpf_search(self, operator, value):
        return self._search_digits('cpf_digits', operator, value)

    def _search_phone_search(self, operator, value):
        return self._search_digits('phone_digits', operator, value)

    @api.model
    def _search_display_name(self, operator, value):
        """Find patients by name, file number, or CPF / phone typed in any format.

        Each kind of term searches only the columns it can match, so that every
        branch is served by an index of a single table.
        """
        if operator not in ('ilike', 'like', '=ilike', '=like', '=') or not isinstance(value, str) or not value:
            return super()._search_display_name(operator, value)
        kind = term_kind(value)
        if kind == 'number':
            digits = only_digits(value).lstrip('0')
            return expression.OR(
                [
                    [('cpf_digits', 'like', digits)],
                    [('phone_digits', 'like', digits)],
                    [('file_number', operator, value)],
                ]
            )
        if kind == 'file_number':
            return [('file_number', operator, value.strip())]
        term = self._dental_name_term(operator, value)
        if term:
            # Accent- and case-insensitive by itself, served by the trigram index of search_name.
            return [('search_name', 'like', term)]
        return super()._search_display_name(operator, value)

    @api.model
    def _dental_name_term(self, operator, value):
        """The folded name a search-box term looks for, or None when it is a number, a file number or not text."""
        if operator not in ('ilike', 'like') or not isinstance(value, str) or term_kind(value) != 'name':
            return None
        return fold_text(value) or None

    @api.depends('anamnesis_date')
    def _compute_anamnesis_review_due(self):
        limit = fields.Date.context_today(self) - relativedelta(months=ANAMNESIS_REVIEW_MONTHS)
        for patient in self:
            patient.anamnesis_review_due = not patient.anamnesis_date or patient.anamnesis_date < limit

    @api.depends('allergies', 'condition_ids.is_risk')
    def _compute_has_medical_alert(self):
        for patient in self:
            patient.has_medical_alert = bool(
                (patient.allergies or '').strip() or patient.condition_ids.filtered('is_risk')
            )

    @api.depends('allergies', 'condition_ids.is_risk', 'condition_ids.name')
    def _compute_medical_alert(self):
        for patient in self:
            parts = []
            if (patient.allergies or '').strip():
                parts.append(_('Allergies: %s', patient.allergies.strip()))
            risks = patient.condition_ids.filtered('is_risk')
            if risks:
                parts.append(_('Risk conditions: %s', ', '.join(risks.mapped('name'))))
            patient.medical_alert = ' · '.join(parts) or False

    @api.depends('company_id')
    @api.depends_context('company')
    def _compute_cpf_required_at_creation(self):
        for patient in self:
            company = patient.company_id or self.env.company
            patient.cpf_required_at_creation = not company.sudo().dental_cpf_at_first_visit

    def _compute_booked_without_cpf(self):
        booked = self.search([('id', 'in', self.ids), *self._search_booked_without_cpf('=', True)])
        for patient in self:
            patient.booked_without_cpf = patient in booked

    def _search_booked_without_cpf(self, operator, value):
        if operator not in ('=', '!=') or not isinstance(value, bool):
            raise UserError(_('Search "Booked without CPF" with "=" or "!=" and true or false.'))
        domain = [
            ('cpf', '=', False),
            ('is_foreigner', '=', False),
            (
                'appointment_ids',
                'any',
                [
                    '|',
                    ('state', 'in', ('arrived', 'in_progress')),
                    '&',
                    ('state', 'in', MOVABLE_STATES),
                    ('start', '>=', fields.Datetime.now()),
                ],
            ),
        ]
        return domain if (operator == '=') == value else ['!', *expression.normalize_domain(domain)]

    def _dental_check_cpf(self, before):
        """Refuse ``before`` (the first check-in or clinical record) for patients with neither a CPF nor
        "Foreigner": the CPF collected at the first visit is the one on the record, never an invented one."""
        missing = self.sudo().filtered(lambda patient: not patient.cpf and not patient.is_foreigner)
        if missing:
            raise ValidationError(
                _(
                    'The CPF of %(patients)s is missing: enter it (or tick "Foreigner") on the patient '
                    'before %(before)s.',
                    patients=', '.join(missing.mapped('name')),
                    before=before,
                )
            )

    def _dental_check_cpf_first_visit(self, before):
        """Before the first check-in or clinical record, in companies that collect the CPF at the first
        visit: patients already seen (a check-in or a treatment) keep being seen as before."""
        missing = self.sudo().filtered(
            lambda patient: (
                not patient.cpf and not patient.is_foreigner and patient.company_id.dental_cpf_at_first_visit
            )
        )
        if not missing:
            return
        for model, fname in (('dental.appointment', 'arrived_at'), ('dental.treatment', 'id')):
            seen = (
                self.env[model]
                .sudo()
                ._read_group([('patient_id', 'in', missing.ids), (fname, '!=', False)], ['patient_id'])
            )
            missing -= self.browse([patient.id for (patient,) in seen])
        missing.with_env(self.env)._dental_check_cpf(before)

    @api.model
    def _dental_check_cpf_for_records(self, vals_list):
        """Called by the clinical records' ``create``: the first one needs the CPF, as the first check-in."""
        patient_ids = {vals['patient_id'] for vals in vals_list if vals.get('patient_id')}
        self.browse(patient_ids)._dental_check_cpf_first_visit(_('the first clinical record'))

    @api.depends_context('uid')
    def _compute_attendance(self):
        """Visits done, no-shows and late cancellations of the last 12 months, in one grouped query."""
        counts = defaultdict(lambda: {'done': 0, 'no_show': 0, 'late': 0})
        patient_ids = [patient_id for patient_id in self.ids if patient_id]
        if patient_ids:
            now = fields.Datetime.now()
            groups = self.env['dental.appointment']._read_group(
                [
                    ('patient_id', 'in', patient_ids),
                    ('start', '>=', now - relativedelta(months=12)),
                    ('start', '<=', now),
                    '|',
                    ('state', 'in', ('done', 'no_show')),
                    '&',
                    ('state', '=', 'cancelled'),
                    ('is_late_cancellation', '=', True),
                ],
                ['patient_id', 'state'],
                ['__count'],
            )
            for patient, state, count in groups:
                counts[patient.id]['late' if state == 'cancelled' else state] += count
        for patient in self:
            patient_counts = counts[patient.id]
            patient.attendance_done_count = patient_counts['done']
            patient.attendance_no_show_count = patient_counts['no_show']
            patient.attendance_late_cancel_count = patient_counts['late']

    def _compute_appointment_stats(self):
        now = fields.Datetime.now()
        stats = {patient: {} for patient in self}
        if self.ids:
            groups = self.env['dental.appointment']._read_group(
                [('patient_id', 'in', self.ids)], ['patient_id', 'state'], ['__count', 'start:max']
            )
            for patient, state, count, last_start in groups:
                stats[patient][state] = (count, last_start)
            upcoming = self.env['dental.appointment']._read_group(
                [('patient_id', 'in', self.ids), ('start', '>=', now), ('state', 'in', MOVABLE_STATES)],
                ['patient_id'],
                ['start:min'],
            )
            next_start = dict(upcoming)
        else:
            next_start = {}
        for patient in self:
            patient_stats = stats.get(patient, {})
            patient.visit_count = patient_stats.get('done', (0, False))[0]
            patient.no_show_count = patient_stats.get('no_show', (0, False))[0]
            patient.cancelled_count = patient_stats.get('cancelled', (0, False))[0]
            patient.last_visit_date = patient_stats.get('done', (0, False))[1]
            patient.next_appointment_start = next_start.get(patient, False)

    def _compute_clinical_counts(self):
        counts = {}
        for model, fname in (
            ('dental.treatment', 'treatment_count'),
            ('dental.treatment.plan', 'treatment_plan_count'),
            ('dental.clinical.note', 'clinical_note_count'),
        ):
            groups = self.env[model]._read_group([('patient_id', 'in', self.ids)], ['patient_id'], ['__count'])
            counts[fname] = {patient.id: count for patient, count in groups}
        for patient in self:
            for fname, by_patient in counts.items():
                patient[fname] = by_patient.get(patient.id, 0)

    def _dental_clinical_history(self):
        """The patient's clinical history in date order (see ``_dental_clinical_histories``)."""
        self.ensure_one()
        return self._dental_clinical_histories()[self.id]

    def _dental_clinical_histories(self):
        """{patient id: clinical history in date order}: treatments done, signed notes and every signed document
        (``dental.signed.document``), as dicts {date, kind, summary, author, record}; one search per document
        model for all the patients."""
        entries = {patient.id: [] for patient in self}
        for treatment in self.treatment_ids.filtered(lambda t: t.state == 'done'):
            entries[treatment.patient_id.id].append(
                {
                    'date': fields.Datetime.to_datetime(treatment.date_done),
                    'kind': _('Treatment'),
                    'summary': ' '.join(filter(None, (treatment.procedure_id.name, treatment.tooth or ''))),
                    'author': treatment.dentist_id.name or '',
                    'record': treatment,
                }
            )
        for note in self.clinical_note_ids.filtered(lambda n: n.state == 'signed'):
            text = ' '.join(html2plaintext(note.body or '').split())
            entries[note.patient_id.id].append(
                {
                    'date': note.date,
                    'kind': _('Clinical Note'),
                    'summary': text[:200] + ('…' if len(text) > 200 else ''),
                    'author': note.author_id.name or '',
                    'record': note,
                }
            )
        for name in self.env['dental.integrity.chain']._document_models():
            documents = self.env[name].search([('patient_id', 'in', self.ids), ('state', '=', 'signed')])
            for document in documents:
                entries[document.patient_id.id].append(document._dental_history_entry())
        now = fields.Datetime.now()
        return {
            patient_id: sorted(history, key=lambda entry: (entry['date'] or now, entry['record'].id))
            for patient_id, history in entries.items()
        }

    @api.depends('treatment_ids.state', 'tooth_condition_ids')
    def _compute_odontogram_data(self):
        """Chart of each patient in two queries for the whole batch, whatever the number of records."""
        patients = self.filtered('id')
        findings = self.env['dental.tooth.condition'].search([('patient_id', 'in', patients.ids)], order='date, id')
        treatments = self.env['dental.treatment'].search(
            [('patient_id', 'in', patients.ids), ('tooth', '!=', False)], order='id'
        )
        condition_labels = dict(findings._fields['condition']._description_selection(self.env))
        state_labels = dict(treatments._fields['state']._description_selection(self.env))
        events = defaultdict(list)  # patient id -> [(date, order, kind, record)]
        for finding in findings:
            events[finding.patient_id.id].append((finding.date, 0, finding.id, 'finding', finding))
        for treatment in treatments:
            when = treatment.date_done or fields.Date.context_today(self, treatment.create_date)
            events[treatment.patient_id.id].append((when, 1, treatment.id, 'treatment', treatment))
        can_edit = self.env.user.has_group(DENTIST_GROUP)
        surface_ids = {surface.code: surface.id for surface in self.env['dental.tooth.surface'].search([])}
        for patient in self:
            teeth = defaultdict(empty_tooth)
            for when, _order, _id, kind, record in sorted(events.get(patient.id, []), key=lambda e: e[:3]):
                tooth = teeth[record.tooth]
                surfaces = record.surface_ids.mapped('code')
                entry = {
                    'id': record.id,
                    'model': record._name,
                    'date': fields.Date.to_string(when),
                    'surfaces': ''.join(surfaces),
                    'dentist': record.dentist_id.name or '',
                    'notes': record.notes or '',
                }
                if kind == 'finding':
                    apply_finding(tooth, record.condition, surfaces)
                    entry.update(kind='finding', key=record.condition, label=condition_labels[record.condition])
                else:
                    if record.state == 'done':
                        apply_finding(tooth, record.procedure_id.result_condition or 'done', surfaces)
                    elif record.state == 'planned':
                        if surfaces:
                            tooth['planned'] = sorted(set(tooth['planned']) | set(surfaces))
                        else:
                            tooth['planned_whole'] = True
                    entry.update(
                        kind='treatment',
                        key=record.state,
                        label=record.procedure_id.display_name,
                        state=state_labels[record.state],
                    )
                tooth['history'].insert(0, entry)
            patient.odontogram_data = {
                'teeth': dict(teeth),
                'show_deciduous': bool(patient.birth_date and patient.age < 13) or any(map(is_deciduous, teeth)),
                'can_edit': can_edit,
                'surface_ids': surface_ids,
            }

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains('cpf', 'is_foreigner', 'company_id')
    def _check_cpf_at_creation(self):
        """Companies that do not wait for the first visit require the CPF (or "Foreigner") at registration."""
        self.filtered(lambda patient: not patient.sudo().company_id.dental_cpf_at_first_visit)._dental_check_cpf(
            _('saving it')
        )

    @api.constrains('birth_date', 'guardian_id')
    def _check_guardian(self):
        today = fields.Date.context_today(self)
        for patient in self:
            if patient.birth_date and patient.birth_date > today:
                raise ValidationError(_('The birth date of %s is in the future.', patient.name))
            if patient.is_minor and not patient.guardian_id:
                raise ValidationError(
                    _('%(patient)s is under %(age)s: a guardian is required.', patient=patient.name, age=ADULT_AGE)
                )
            if patient.guardian_id and patient.guardian_id == patient.partner_id:
                raise ValidationError(_('A patient cannot be their own guardian.'))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        cpfs_by_company = defaultdict(list)
        for vals in vals_list:
            if not vals.get('partner_id'):
                self._check_name_vals(vals)
            company = self.env['res.company'].browse(vals.get('company_id')) or self.env.company
            self._normalize_vals(vals, company)
            if vals.get('cpf'):
                cpfs_by_company[company].append(vals['cpf'])
            if not vals.get('file_number'):
                vals['file_number'] = self._next_file_number(company)
        self._check_cpf_free(cpfs_by_company)
        patients = super().create(vals_list)
        # The contact belongs to the patient's company, like the patient.
        for company, company_patients in patients.grouped('company_id').items():
            company_patients.partner_id.filtered(lambda p: not p.company_id).company_id = company
        return patients

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        if 'name' in vals:
            self._check_name_vals(vals)
        if 'company_id' in vals:
            self._check_company_change(vals['company_id'])
        if any(fname in vals for fname in ('cpf', *PHONE_FIELDS)):
            for company, patients in self.grouped('company_id').items():
                company_vals = dict(vals)
                self._normalize_vals(company_vals, company or self.env.company)
                if company_vals.get('cpf'):
                    patients._check_cpf_free({company: [company_vals['cpf']] * len(patients)})
                super(DentalPatient, patients).write(company_vals)
        else:
            super().write(vals)
        if vals.get('company_id'):
            # The contact follows the patient, or users of the new company could not read it.
            self.partner_id.company_id = vals['company_id']
        return True

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _action_patient_records(self, model, name, domain=(), view_mode='list,form'):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': name,
            'res_model': model,
            'view_mode': view_mode,
            'domain': [('patient_id', '=', self.id), *domain],
            'context': {'default_patient_id': self.id},
        }

    def _action_appointments(self, name, domain):
        return self._action_patient_records('dental.appointment', name, domain, view_mode='list,form,calendar')

    def action_view_visits(self):
        return self._action_appointments(_('Visit History'), [('state', '=', 'done')])

    def action_view_no_shows(self):
        return self._action_appointments(_('No-shows'), [('state', '=', 'no_show')])

    def action_view_cancellations(self):
        return self._action_appointments(_('Cancellations'), [('state', '=', 'cancelled')])

    def action_view_next_appointments(self):
        return self._action_appointments(
            _('Upcoming Appointments'), [('start', '>=', fields.Datetime.now()), ('state', 'in', MOVABLE_STATES)]
        )

    def action_view_treatments(self):
        return self._action_patient_records('dental.treatment', _('Treatments'))

    def action_view_treatment_plans(self):
        return self._action_patient_records('dental.treatment.plan', _('Treatment Plans'))

    def action_view_clinical_notes(self):
        return self._action_patient_records('dental.clinical.note', _('Clinical Notes'))

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_appointments(self):
        """A patient with appointments is archived, not deleted: the visits are the clinic's history."""
        if (
            self.env['dental.appointment']
            .sudo()
            .with_context(active_test=False)
            .search_count([('patient_id', 'in', self.ids)], limit=1)
        ):
            raise UserError(_('Patients with appointments are archived, not deleted.'))

    def _check_company_change(self, company_id):
        """A patient with visits or clinical records stays in its company: they cannot move along."""
        moving = self.filtered(lambda patient: patient.company_id.id != company_id)
        if not moving:
            return
        for model in (*PATIENT_RECORD_MODELS, *self.env['dental.integrity.chain']._document_models()):
            if self.env[model].sudo().search_count([('patient_id', 'in', moving.ids)], limit=1):
                raise ValidationError(
                    _(
                        'Patients with appointments or clinical records cannot move to another company: '
                        'register them again in the other company.'
                    )
                )

    def _check_cpf_free(self, cpfs_by_company):
        """Refuse CPFs already in use, naming their holder, before PostgreSQL's unique constraint does.

        ``self`` are the patients being written, which may keep their own CPF.
        """
        for company, cpfs in cpfs_by_company.items():
            repeated = {cpf for cpf in cpfs if cpfs.count(cpf) > 1}
            if repeated:
                raise ValidationError(_('CPF %s is given to more than one patient.', ', '.join(sorted(repeated))))
            holders = (
                self.sudo()
                .with_context(active_test=False)
                .search(
                    [
                        ('company_id', '=', company.id),
                        ('cpf_digits', 'in', [only_digits(cpf) for cpf in cpfs]),
                        ('id', 'not in', self.ids),
                    ]
                )
            )
            if holders:
                # Name the holder only to whoever may read them.
                readable = holders.with_env(self.env).with_context(active_test=False)._filtered_access('read')
                if readable == holders:
                    raise ValidationError(
                        _(
                            'CPF %(cpf)s is already registered for %(patients)s.',
                            cpf=', '.join(holders.mapped('cpf')),
                            patients=', '.join(holders.mapped('display_name')),
                        )
                    )
                raise ValidationError(
                    _('CPF %s is already registered for another patient.', ', '.join(holders.mapped('cpf')))
                )

    @api.model
    def _check_name_vals(self, vals):
        """The name lives on the contact, which accepts a blank one: a patient needs a real name."""
        if is_blank(vals.get('name')):
            raise ValidationError(_('Give the patient\'s name.'))
        # Names are indexed whole (sort order, word index): PostgreSQL cannot index a value of several kB.
        if len(vals['name']) > NAME_MAX_LENGTH:
            raise ValidationError(
                _(
                    'A patient\'s name has at most %(max)s characters (%(length)s given).',
                    max=NAME_MAX_LENGTH,
                    length=len(vals['name']),
                )
            )

    @api.model
    def _normalize_vals(self, vals, company):
        if vals.get('cpf'):
            vals['cpf'] = self._format_cpf(vals['cpf'])
        for fname in PHONE_FIELDS:
            if vals.get(fname):
                vals[fname] = self._format_phone(vals[fname], company)

    @api.model
    def _format_cpf(self, value):
        """Validate a CPF typed in any format and return it as 000.000.000-00."""
        digits = only_digits(value)
        if len(digits) != 11 or len(set(digits)) == 1:
            raise ValidationError(_('%s is not a valid CPF: it must have 11 digits, not all equal.', value))
        try:
            stdnum_cpf.validate(digits)
        except StdnumValidationError:
            raise ValidationError(_('%s is not a valid CPF: the check digits do not match.', value)) from None
        return stdnum_cpf.format(digits)

    @api.model
    def _phone_country(self, company):
        """Country in which national numbers are read: the company's, Brazil when it has none."""
        return company.country_id or self.env.ref('base.br')

    @api.model
    def _format_phone(self, value, company):
        """Return the number in E.164; national numbers are read in the company's country (Brazil by default)."""
        country = self._phone_country(company)
        if not isinstance(value, str):
            raise ValidationError(_('%s is not a valid phone number: type it as text.', value))
        try:
            return self._phone_format(number=value, country=country, force_format='E164', raise_exception=True)
        except UserError:
            example = PHONE_EXAMPLES.get(country.code)
            if example:
                raise ValidationError(
                    _(
                        '%(value)s is not a valid phone number. Type it with its area code, '
                        'for example %(example)s, or in international format (+351 912 345 678).',
                        value=value,
                        example=example,
                    )
                ) from None
            raise ValidationError(
                _(
                    '%s is not a valid phone number: type it in international format, for example +55 11 98765-4321.',
                    value,
                )
            ) from None

    def _display_phone(self, number, country=None):
        """How people of the patient's company write ``number``: national format for their country's
        numbers ((11) 96931-8313 in Brazil), international for foreign ones."""
        if not number:
            return False
        country = country or self._phone_country(self.company_id)
        match = country.code == 'BR' and BR_NUMBER.fullmatch(number)
        if match and match.group(1) in BR_AREA_CODES:
            # What phonenumbers writes for a Brazilian mobile or landline, without parsing it: a list page of
            # 80 patients spent half its time there (a test compares both for every area code).
            return '({}) {}-{}'.format(*match.groups())
        return self._phone_format(number=number, country=country, force_format='NATIONAL') or number

    @api.model
    def _next_file_number(self, company):
        """The next file number of the company, from its own sequence (code ``dental.patient``)."""
        Sequence = self.env['ir.sequence'].sudo().with_company(company)
        number = Sequence.next_by_code('dental.patient')
        if not number:
            # A company the addon missed (created without its hook): it gets its sequence now.
            self._create_file_number_sequences(company)
            number = Sequence.next_by_code('dental.patient')
        return number

    @api.model
    def _file_number_sequence(self, company):
        """The company's own file-number sequence.

        Created with the company (and for the companies that exist when the
        addon is installed), so that two first patients of a company created at
        the same time cannot both create one and draw the same number.
        """
        sequence = (
            self.env['ir.sequence']
            .sudo()
            .search([('code', '=', 'dental.patient'), ('company_id', '=', company.id)], limit=1)
        )
        return sequence or self._create_file_number_sequences(company)

    @api.model
    def _create_file_number_sequences(self, companies):
        """One file-number sequence per company that has none, copied from the template."""
        template = self.env.ref('dental_clinic.seq_dental_patient').sudo()
        with_sequence = (
            self.env['ir.sequence']
            .sudo()
            .search([('code', '=', 'dental.patient'), ('company_id', 'in', companies.ids)])
            .company_id
        )
        missing = companies - with_sequence
        return (
            self.env['ir.sequence']
            .sudo()
            .concat(*(template.copy({'company_id': company.id, 'number_next': 1}) for company in missing))
        )
