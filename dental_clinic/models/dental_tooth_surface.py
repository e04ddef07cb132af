from odoo import fields, models


class DentalToothSurface(models.Model):
    """The five surfaces of a tooth crown, shared reference data (not per company)."""

    _name = 'dental.tooth.surface'
    _description = 'Tooth Surface'
    _order = 'sequence, id'
    _rec_name = 'code'

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True, help='M, D, O (occlusal or incisal), V (vestibular or buccal), L (lingual or palatal).'
    )
    sequence = fields.Integer(default=10)

    _sql_constraints = [
        ('code_uniq', 'unique (code)', 'A surface with this code already exists.'),
    ]

    def _compute_display_name(self):
        for surface in self:
            surface.display_name = surface.code
