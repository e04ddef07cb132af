from odoo import _, api, models
from odoo.exceptions import AccessError

from ..models.dental_roles import DENTIST_GROUP, MANAGER_GROUP
from .dental_report_common import clinic_tz, report_formatters


class ReportTreatmentPlan(models.AbstractModel):
    """The treatment plan the patient takes home, with signature lines (clinical: dentists and managers)."""

    _name = 'report.dental_clinic.report_treatment_plan'
    _description = 'Treatment Plan Report'

    @api.model
    def _get_report_values(self, docids, data=None):
        if not self.env.user.has_group(DENTIST_GROUP):
            raise AccessError(_('Only dentists and managers can print a treatment plan.'))
        plans = self.env['dental.treatment.plan'].browse(docids).exists()
        plans.check_access('read')
        tz_name = clinic_tz(self.env, plans[:1].company_id or self.env.company)
        return {
            'doc_ids': plans.ids,
            'doc_model': 'dental.treatment.plan',
            'docs': plans,
            'selection_label': self.env['report.dental_clinic.report_patient_record']._selection_label,
            **report_formatters(self.env, tz_name),
        }


class ReportDailyAgenda(models.AbstractModel):
    """The day's agenda per dentist or per chair: times in the clinic's time zone, no clinical data."""

    _name = 'report.dental_clinic.report_daily_agenda'
    _description = 'Daily Agenda Report'

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env['dental.agenda.wizard'].browse(docids).exists()
        wizards.check_access('read')
        tz_name = clinic_tz(self.env)
        states = dict(self.env['dental.appointment']._fields['state']._description_selection(self.env))
        return {
            'doc_ids': wizards.ids,
            'doc_model': 'dental.agenda.wizard',
            'docs': wizards,
            'pages': {wizard.id: wizard._get_pages(tz_name) for wizard in wizards},
            'state_label': lambda appointment: states.get(appointment.state, ''),
            **report_formatters(self.env, tz_name),
        }


class ReportPeriodStatistics(models.AbstractModel):
    """The period statistics (visits, no-shows, new patients, treatments, occupancy): managers only."""

    _name = 'report.dental_clinic.report_period_statistics'
    _description = 'Period Statistics Report'

    @api.model
    def _get_report_values(self, docids, data=None):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_('Only the clinic\'s managers see the period statistics.'))
        wizards = self.env['dental.statistics.wizard'].browse(docids).exists()
        wizards.check_access('read')
        tz_name = clinic_tz(self.env)
        return {
            'doc_ids': wizards.ids,
            'doc_model': 'dental.statistics.wizard',
            'docs': wizards,
            'stats': {wizard.id: wizard._get_statistics() for wizard in wizards},
            **report_formatters(self.env, tz_name),
        }
