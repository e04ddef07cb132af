from odoo import _, fields, models

from ..models.dental_roles import dentist_domain
from ..report.dental_report_common import local_day_bounds


class DentalAgendaWizard(models.TransientModel):
    """The day's agenda for the front desk's printer: one page per dentist or per chair."""

    _name = 'dental.agenda.wizard'
    _description = 'Daily Agenda'
    _inherit = ['dental.wizard.guard']

    date = fields.Date(required=True, default=fields.Date.context_today)
    group_by = fields.Selection(
        [('dentist', 'Per Dentist'), ('chair', 'Per Chair')], string='One Page', required=True, default='dentist'
    )
    dentist_ids = fields.Many2many(
        'res.users', string='Dentists', domain=dentist_domain, help='Leave empty for every dentist.'
    )
    chair_ids = fields.Many2many('dental.chair', string='Chairs', help='Leave empty for every chair.')
    include_cancelled = fields.Boolean(string='Include Cancelled and No-shows')

    def action_print(self):
        self.ensure_one()
        return self.env.ref('dental_clinic.action_report_daily_agenda').report_action(self)

    def _get_pages(self, tz_name):
        """(title, appointments) per dentist or chair with appointments that day, in the clinic's time zone."""
        self.ensure_one()
        start, stop = local_day_bounds(self.date, self.date, tz_name)
        domain = [('start', '>=', start), ('start', '<', stop)]
        if not self.include_cancelled:
            domain.append(('state', 'not in', ('cancelled', 'no_show')))
        if self.dentist_ids:
            domain.append(('dentist_id', 'in', self.dentist_ids.ids))
        if self.chair_ids:
            domain.append(('chair_id', 'in', self.chair_ids.ids))
        appointments = self.env['dental.appointment'].search(domain, order='start, id')
        key = 'dentist_id' if self.group_by == 'dentist' else 'chair_id'
        pages = []
        for owner, owned in appointments.grouped(key).items():
            pages.append((owner.display_name, owned))
        pages.sort(key=lambda page: page[0] or '')
        if not pages:
            pages.append((_('No appointments'), self.env['dental.appointment']))
        return pages
