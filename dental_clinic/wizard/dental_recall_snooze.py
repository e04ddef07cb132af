from dateutil.relativedelta import relativedelta

from odoo import fields, models


class DentalRecallSnooze(models.TransientModel):
    _name = 'dental.recall.snooze'
    _description = 'Snooze Recall'
    _inherit = ['dental.wizard.guard']

    recall_ids = fields.Many2many('dental.recall', string='Recalls', required=True)
    snooze_until = fields.Date(
        string='Until', required=True, default=lambda self: fields.Date.context_today(self) + relativedelta(months=1)
    )

    def action_snooze(self):
        self.recall_ids.snooze(self.snooze_until)
        return {'type': 'ir.actions.act_window_close'}
