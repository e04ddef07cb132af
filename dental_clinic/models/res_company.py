from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    dental_late_cancel_hours = fields.Integer(
        string='Late Cancellation (hours)', default=24,
        help='A cancellation made less than this many hours before the appointment counts as late.')
