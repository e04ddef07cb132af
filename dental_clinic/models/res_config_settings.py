from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    dental_late_cancel_hours = fields.Integer(related='company_id.dental_late_cancel_hours', readonly=False)
    dental_quiet_hour_start = fields.Float(related='company_id.dental_quiet_hour_start', readonly=False)
    dental_quiet_hour_end = fields.Float(related='company_id.dental_quiet_hour_end', readonly=False)
