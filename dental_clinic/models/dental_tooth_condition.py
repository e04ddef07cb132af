from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .dental_roles import DENTIST_GROUP
from .dental_tooth import clean_tooth_vals, is_valid_tooth

# Findings that concern the whole tooth rather than some of its surfaces.
WHOLE_TOOTH_CONDITIONS = ('missing', 'to_extract', 'implant', 'crown', 'root_canal', 'unerupted')
TOOTH_CONDITION_TYPES = [
    ('caries', 'Caries'),
    ('restored', 'Restored'),
    ('sealant', 'Sealant'),
    ('fractured', 'Fractured'),
    ('root_canal', 'Root Canal Treated'),
    ('crown', 'Crown'),
    ('implant', 'Implant'),
    ('to_extract', 'To Extract'),
    ('missing', 'Missing'),
    ('unerupted', 'Unerupted'),
    ('healthy', 'Healthy'),
]


class DentalToothCondition(models.Model):
    """What the dentist found on a tooth (and surfaces) on a date: the chart shows the latest finding."""

    _name = 'dental.tooth.condition'
    _inherit = ['dental.patient.record']
    _description = 'Tooth Finding'
    _order = 'date desc, id desc'

    tooth = fields.Char(size=2, required=True, index=True, help='FDI tooth number.')
    surface_ids = fields.Many2many(
        'dental.tooth.surface', string='Surfaces', help='Leave empty when the finding concerns the whole tooth.'
    )
    condition = fields.Selection(TOOTH_CONDITION_TYPES, string='Finding', required=True, default='caries')
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    dentist_id = fields.Many2one('res.users', default=lambda self: self.env['dental.treatment']._default_dentist())
    notes = fields.Text()

    @api.depends('condition', 'tooth', 'surface_ids')
    def _compute_display_name(self):
        labels = dict(self._fields['condition']._description_selection(self.env))
        for finding in self:
            parts = [labels.get(finding.condition) or _('Finding')]
            if finding.tooth:
                parts.append(_('tooth %s', finding.tooth))
            if finding.surface_ids:
                parts.append(''.join(finding.surface_ids.mapped('code')))
            finding.display_name = ' · '.join(parts)

    @api.constrains('tooth', 'surface_ids', 'condition', 'date')
    def _check_tooth(self):
        today = fields.Date.context_today(self)
        for finding in self:
            if not is_valid_tooth(finding.tooth):
                raise ValidationError(_('%s is not an FDI tooth number.', finding.tooth))
            if finding.condition in WHOLE_TOOTH_CONDITIONS and finding.surface_ids:
                raise ValidationError(_('This finding concerns the whole tooth: remove the surfaces.'))
            if finding.date > today:
                raise ValidationError(_('A finding cannot be dated in the future.'))

    @api.constrains('dentist_id')
    def _check_dentist(self):
        for finding in self:
            if finding.dentist_id and not finding.dentist_id.has_group(DENTIST_GROUP):
                raise ValidationError(_('%s is not a dentist of the clinic.', finding.dentist_id.name))

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        self.env['dental.patient']._dental_check_cpf_for_records(vals_list)
        for vals in vals_list:
            clean_tooth_vals(vals, self.env)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        clean_tooth_vals(vals, self.env)
        return super().write(vals)
