import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .dental_field_guard import is_blank

# The only placeholders a template may use. Anything else between braces (``{{ }}``, ``${...}``) stays
# text: templates are written by the clinic, and are never evaluated as code.
PLACEHOLDERS = ('patient', 'procedure', 'teeth', 'dentist', 'date')
PLACEHOLDER_RE = re.compile('\\{(' + '|'.join(PLACEHOLDERS) + ')\\}')


def fill_placeholders(text, values):
    """``text`` with each known ``{placeholder}`` replaced by its value, in one pass (a value containing
    ``{patient}`` is not replaced again). The result is plain text: it is always printed escaped."""
    if not text:
        return ''
    return PLACEHOLDER_RE.sub(lambda match: str(values.get(match.group(1)) or ''), text)


class DentalConsentTermTemplate(models.Model):
    """A consent term (TCLE) as the clinic writes it, for one or more procedures.

    Body, risks and alternatives are plain text with placeholders ({patient}, {procedure}, {teeth},
    {dentist}, {date}) filled when a term is generated for a patient.
    """

    _name = 'dental.consent.term.template'
    _inherit = ['dental.field.guard']
    _description = 'Consent Term Template'
    _order = 'sequence, name, id'
    _check_company_auto = True

    name = fields.Char(string='Title', required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company, ondelete='cascade'
    )
    procedure_ids = fields.Many2many(
        'dental.procedure',
        string='Procedures',
        check_company=True,
        help='Procedures this term is proposed for when a term is generated from a treatment or plan.',
    )
    body = fields.Text(
        string='Text',
        required=True,
        help='Placeholders: {patient}, {procedure}, {teeth}, {dentist}, {date}. Plain text, printed as written.',
    )
    risks = fields.Text(help='Risks and possible complications explained to the patient.')
    alternatives = fields.Text(help='Alternative treatments, including not treating.')

    @api.constrains('body')
    def _check_body(self):
        for template in self:
            if is_blank(template.body):
                raise ValidationError(_('A consent term template needs a text.'))

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        return super().write(vals)

    def _render(self, values):
        """Body, risks and alternatives with the placeholders filled (plain text)."""
        self.ensure_one()
        return {fname: fill_placeholders(self[fname], values) for fname in ('body', 'risks', 'alternatives')}

    @api.model
    def _find_for_procedures(self, procedures, company):
        """The active template of ``company`` covering the most of ``procedures`` (first in order on ties)."""
        templates = self.search([('company_id', '=', company.id), ('procedure_ids', 'in', procedures.ids)])
        if not templates:
            return templates
        return max(templates, key=lambda template: len(template.procedure_ids & procedures))
