from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import format_date

from .dental_field_guard import is_blank
from .dental_roles import DENTIST_GROUP

# What the patient reads and signs: fixed once the patient has signed (and sealed with the dentist's signature).
TERM_TEXT_FIELDS = ('name', 'procedure_names', 'teeth', 'body', 'risks', 'alternatives')
# The date printed under the text, which the patient signs with it.
TERM_SIGNED_FIELDS = (*TERM_TEXT_FIELDS, 'date')


class DentalConsentTerm(models.Model):
    """The consent term (TCLE) of a patient for a procedure: the clinic's template filled for this patient,
    read and signed by the patient on the screen, then signed by the dentist, which seals it.

    Not to be confused with ``dental.consent``, the LGPD consents to data processing.
    """

    _name = 'dental.consent.term'
    _inherit = ['dental.signed.document']
    _description = 'Consent Term'
    _dental_patient_signature_required = True
    _dental_report_action = 'dental_clinic.action_report_consent_term'
    _dental_patient_signed_fields = TERM_SIGNED_FIELDS
    # Where the term comes from and what it says are fixed once it exists: a new text is a new term.
    _dental_create_only_fields = ('patient_id', 'template_id', 'treatment_id', 'plan_id')

    name = fields.Char(string='Title', required=True)
    template_id = fields.Many2one(
        'dental.consent.term.template',
        index='btree_not_null',
        ondelete='restrict',
        check_company=True,
    )
    treatment_id = fields.Many2one('dental.treatment', index='btree_not_null', ondelete='restrict', check_company=True)
    plan_id = fields.Many2one(
        'dental.treatment.plan',
        string='Treatment Plan',
        index='btree_not_null',
        ondelete='restrict',
        check_company=True,
    )
    procedure_names = fields.Char(string='Procedures')
    teeth = fields.Char()
    body = fields.Text(string='Text')
    risks = fields.Text()
    alternatives = fields.Text()

    @api.constrains('treatment_id', 'plan_id', 'patient_id')
    def _check_source_patient(self):
        self._check_same_patient('treatment_id')
        self._check_same_patient('plan_id')

    @api.onchange('template_id', 'treatment_id', 'plan_id')
    def _onchange_template_id(self):
        """Fill the term from its template while it is being written (the dentist may still adapt it)."""
        if self.template_id and self.state == 'draft':
            self.update(self._dental_term_values(self.template_id, self._dental_source_treatments()))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('template_id') and not vals.get('body'):
                template = self.env['dental.consent.term.template'].browse(vals['template_id'])
                source = self.new({k: vals[k] for k in ('patient_id', 'treatment_id', 'plan_id') if vals.get(k)})
                filled = source._dental_term_values(template, source._dental_source_treatments())
                vals.update({key: value for key, value in filled.items() if key not in vals})
        return super().create(vals_list)

    def _dental_source_treatments(self):
        self.ensure_one()
        if self.treatment_id:
            return self.treatment_id
        return self.plan_id.line_ids.filtered(lambda line: line.state != 'cancelled')

    def _dental_term_values(self, template, treatments):
        """Title and texts of ``template`` filled for this term's patient and ``treatments``."""
        self.ensure_one()
        procedures = treatments.procedure_id or template.procedure_ids
        teeth = sorted({treatment.tooth for treatment in treatments if treatment.tooth})
        dentist = (
            self.env.user
            if self.env.user.has_group(DENTIST_GROUP)
            else treatments.dentist_id[:1] or self.plan_id.dentist_id
        )
        lang = self.env.lang or self.env.user.lang
        procedure_names = ', '.join(procedures.mapped('name'))
        values = {
            'patient': self.patient_id.name,
            'procedure': procedure_names,
            'teeth': ', '.join(teeth),
            'dentist': dentist.name or '',
            'date': format_date(self.env, fields.Date.context_today(self), lang_code=lang),
        }
        return {
            'name': template.name,
            'procedure_names': procedure_names,
            'teeth': ', '.join(teeth),
            **template._render(values),
        }

    def _dental_check_content(self):
        super()._dental_check_content()
        if is_blank(self.body):
            raise ValidationError(_('A consent term without text cannot be signed.'))

    def _dental_document_content(self):
        """What the patient and the dentist sign: the term as it reads (raw values, see the core)."""
        content = super()._dental_document_content()
        content.update(
            {
                'template_id': self.template_id.id or 0,
                'treatment_id': self.treatment_id.id or 0,
                'plan_id': self.plan_id.id or 0,
                **{fname: self[fname] or '' for fname in TERM_TEXT_FIELDS},
            }
        )
        return content

    def _dental_history_summary(self, values):
        content = values.get('content') or {}
        parts = (content.get('name'), content.get('procedure_names'), content.get('teeth'))
        return ' · '.join(part for part in parts if part)

    @api.model
    def _dental_action_new_term(self, patient, treatments, plan=False):
        """Create a draft term for ``treatments`` (of ``plan`` if given) with the best matching template,
        and open it; without a template for them, open a new term to choose one."""
        if not self.env.user.has_group(DENTIST_GROUP):
            raise AccessError(_('Only dentists and managers prepare consent terms.'))
        patient.check_access('read')
        template = self.env['dental.consent.term.template']._find_for_procedures(
            treatments.procedure_id, patient.company_id
        )
        context = {
            'default_patient_id': patient.id,
            'default_treatment_id': treatments.id if len(treatments) == 1 and not plan else False,
            'default_plan_id': plan.id if plan else False,
        }
        action = {
            'type': 'ir.actions.act_window',
            'name': _('Consent Term'),
            'res_model': 'dental.consent.term',
            'view_mode': 'form',
            'target': 'current',
        }
        if not template:
            return {**action, 'context': context}
        term = self.create(
            {
                'patient_id': patient.id,
                'template_id': template.id,
                'treatment_id': context['default_treatment_id'],
                'plan_id': context['default_plan_id'],
            }
        )
        return {**action, 'res_id': term.id}


class DentalTreatment(models.Model):
    _inherit = 'dental.treatment'

    def action_consent_term(self):
        """A consent term for this treatment, from the clinic's template for its procedure."""
        self.ensure_one()
        return self.env['dental.consent.term']._dental_action_new_term(self.patient_id, self)


class DentalPatient(models.Model):
    _inherit = 'dental.patient'

    consent_term_ids = fields.One2many(
        'dental.consent.term', 'patient_id', string='Consent Terms', groups=DENTIST_GROUP
    )
    consent_term_count = fields.Integer(compute='_compute_consent_term_count', groups=DENTIST_GROUP)

    def _compute_consent_term_count(self):
        groups = self.env['dental.consent.term']._read_group(
            [('patient_id', 'in', self.ids)], ['patient_id'], ['__count']
        )
        counts = {patient.id: count for patient, count in groups}
        for patient in self:
            patient.consent_term_count = counts.get(patient.id, 0)

    def action_view_consent_terms(self):
        return self._action_patient_records('dental.consent.term', _('Consent Terms'))
