from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    dental_late_cancel_hours = fields.Integer(
        related='company_id.dental_late_cancel_hours', readonly=False)
