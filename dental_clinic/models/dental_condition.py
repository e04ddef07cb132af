from odoo import fields, models


class DentalCondition(models.Model):
    """Anamnesis condition (diabetes, anticoagulants, ...), configurable per clinic."""

    _name = 'dental.condition'
    _description = 'Medical Condition'
    _order = 'sequence, name'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    is_risk = fields.Boolean(
        string='Risk',
        help='Patients with this condition show a red alert on their file and appointments.')
    color = fields.Integer()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', help='Leave empty to share the condition between companies.')

    _sql_constraints = [
        ('name_company_uniq', 'unique (name, company_id)', 'This condition already exists.'),
    ]
