from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class DentalCondition(models.Model):
    """Anamnesis condition (diabetes, anticoagulants, ...), configurable per clinic."""

    _name = 'dental.condition'
    _description = 'Medical Condition'
    _inherit = ['dental.field.guard']
    _order = 'sequence, name'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    is_risk = fields.Boolean(
        string='Risk',
        help='Patients with this condition show a red alert on their file and appointments.')
    color = fields.Integer()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', help='Leave empty to share the condition between companies.')

    def init(self):
        super().init()
        # ``name`` is translated (jsonb) and ``company_id`` may be empty (shared): a plain
        # UNIQUE (name, company_id) would hold neither. One source name per company, or shared.
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS dental_condition_name_company_uniq "
            "ON dental_condition ((name->>'en_US'), COALESCE(company_id, 0))"))

    @api.constrains('name', 'company_id')
    def _check_name_unique(self):
        for condition in self:
            source_name = condition.with_context(lang='en_US').name
            same = self.with_context(active_test=False, lang='en_US').sudo().search([
                ('id', '!=', condition.id), ('company_id', '=', condition.company_id.id)])
            if any(other.name == source_name for other in same):
                raise ValidationError(_('The condition %s already exists.', condition.name))

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        return super().write(vals)
