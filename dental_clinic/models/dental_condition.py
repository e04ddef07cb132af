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
        string='Risk', help='Patients with this condition show a red alert on their file and appointments.'
    )
    color = fields.Integer()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', help='Leave empty to share the condition between companies.')

    def init(self):
        super().init()
        # ``name`` is translated (jsonb) and ``company_id`` may be empty (shared): a plain
        # UNIQUE (name, company_id) would hold neither. One source name per company, or shared.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS dental_condition_source_name_company_uniq "
                "ON dental_condition ((name->>'en_US'), COALESCE(company_id, 0))"
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        self.browse()._check_name_free(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        if 'name' in vals or 'company_id' in vals:
            for condition in self:
                condition._check_name_free([vals])
        return super().write(vals)

    def _check_name_free(self, vals_list):
        """Say which condition exists already, before the unique index refuses it without a name."""
        Condition = self.with_context(active_test=False).sudo()
        seen = set()
        for vals in vals_list:
            name = vals.get('name', self.name)
            company_id = vals.get('company_id', self.company_id.id) or False
            key = ((name or '').strip().lower(), company_id)
            same = Condition.search([('id', 'not in', self.ids), ('company_id', '=', company_id)])
            if key in seen or any((other.name or '').strip().lower() == key[0] for other in same):
                raise ValidationError(_('The condition %s already exists.', name))
            seen.add(key)
