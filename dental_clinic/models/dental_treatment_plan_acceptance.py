from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from .dental_roles import DENTIST_GROUP


class DentalTreatmentPlanAcceptance(models.Model):
    """The patient's signed acceptance of a treatment plan: the plan as it read when the patient signed
    (treatments, teeth, notes; the addon holds no prices), sealed with the patient's signature."""

    _name = 'dental.treatment.plan.acceptance'
    _inherit = ['dental.signed.document']
    _description = 'Treatment Plan Acceptance'
    _dental_patient_signature_required = True
    _dental_report_action = 'dental_clinic.action_report_treatment_plan_acceptance'
    _dental_patient_signed_fields = ('date',)
    _dental_create_only_fields = ('patient_id', 'plan_id')
    _dental_system_fields = ('plan_content',)

    plan_id = fields.Many2one(
        'dental.treatment.plan',
        string='Treatment Plan',
        required=True,
        index=True,
        ondelete='restrict',
        check_company=True,
    )
    plan_content = fields.Text(string='Plan', readonly=True, help='The plan as the patient reads and signs it.')

    @api.constrains('plan_id', 'patient_id')
    def _check_plan_patient(self):
        self._check_same_patient('plan_id')

    @api.model_create_multi
    def create(self, vals_list):
        acceptances = super().create(vals_list)
        for acceptance in acceptances:
            acceptance._check_plan_open()
            super(DentalTreatmentPlanAcceptance, acceptance.sudo()).write(
                {'plan_content': acceptance.plan_id._dental_acceptance_content()}
            )
        return acceptances

    def _check_plan_open(self):
        for acceptance in self:
            if acceptance.plan_id.state not in ('draft', 'accepted'):
                raise UserError(_('Only a draft or accepted treatment plan is signed by the patient.'))

    def _dental_check_content(self):
        super()._dental_check_content()
        self._check_plan_open()
        if self.plan_content != self.plan_id._dental_acceptance_content():
            raise UserError(_('The treatment plan changed after the patient read it: have the patient sign it again.'))

    def _dental_document_content(self):
        """What the patient accepts: the plan as it read then (raw values, see the core)."""
        content = super()._dental_document_content()
        content.update({'plan_id': self.plan_id.id, 'plan_content': self.plan_content or ''})
        return content

    def _dental_history_summary(self, values):
        return _('Treatment plan accepted: %s', self.plan_id.name or '')

    def _dental_sign(self):
        """Signing the acceptance is the patient accepting the plan."""
        super()._dental_sign()
        if self.plan_id.state == 'draft':
            self.plan_id.sudo().write({'date_accepted': fields.Date.context_today(self)})

    @api.model
    def _dental_action_sign_plan(self, plan):
        """Open the plan's draft acceptance (a new one if none) for the patient to read and sign."""
        if not self.env.user.has_group(DENTIST_GROUP):
            raise AccessError(_('Only dentists and managers have a treatment plan signed.'))
        plan.check_access('read')
        acceptance = self.search([('plan_id', '=', plan.id), ('state', '=', 'draft')], limit=1)
        if acceptance and acceptance.plan_content != plan._dental_acceptance_content():
            # The plan changed since: the patient reads and signs it as it is now.
            acceptance.unlink()
            acceptance = self.browse()
        acceptance = acceptance or self.create({'patient_id': plan.patient_id.id, 'plan_id': plan.id})
        return {
            'type': 'ir.actions.act_window',
            'name': _('Treatment Plan Acceptance'),
            'res_model': 'dental.treatment.plan.acceptance',
            'view_mode': 'form',
            'res_id': acceptance.id,
            'target': 'current',
        }


class DentalTreatmentPlan(models.Model):
    _inherit = 'dental.treatment.plan'

    acceptance_ids = fields.One2many('dental.treatment.plan.acceptance', 'plan_id', string='Acceptances')
    acceptance_id = fields.Many2one(
        'dental.treatment.plan.acceptance',
        string='Signed Acceptance',
        compute='_compute_acceptance_id',
        help='The patient\'s last signed acceptance of this plan.',
    )

    @api.depends('acceptance_ids.state')
    def _compute_acceptance_id(self):
        for plan in self:
            signed = plan.acceptance_ids.filtered(lambda acceptance: acceptance.state == 'signed')
            plan.acceptance_id = signed.sorted(lambda acceptance: (acceptance.signed_date, acceptance.id))[-1:]

    def action_sign_acceptance(self):
        """The patient reads the plan on the screen and signs it."""
        self.ensure_one()
        return self.env['dental.treatment.plan.acceptance']._dental_action_sign_plan(self)

    def action_consent_term(self):
        """A consent term for the plan's treatments."""
        self.ensure_one()
        treatments = self.line_ids.filtered(lambda line: line.state != 'cancelled')
        return self.env['dental.consent.term']._dental_action_new_term(self.patient_id, treatments, plan=self)

    def _dental_acceptance_content(self):
        """The plan as the patient reads it when accepting it: what will be done, where, by whom. Written in
        the patient's language, so that the text does not depend on who opens it."""
        self.ensure_one()
        lang = self.patient_id.sudo().partner_id.lang or self.company_id.partner_id.lang or 'en_US'
        plan = self.with_context(lang=lang)
        lines = [
            plan.name or '',
            plan.env._('Patient: %s', plan.patient_id.name or ''),
            plan.env._('Dentist: %s', plan.dentist_id.name or ''),
            plan.env._('Date: %s', format_date(plan.env, plan.date, lang_code=lang)),
            '',
        ]
        treatments = plan.line_ids.filtered(lambda line: line.state != 'cancelled').sorted('id')
        for index, treatment in enumerate(treatments, start=1):
            parts = [treatment.procedure_id.name or '']
            if treatment.tooth:
                parts.append(plan.env._('tooth %s', treatment.tooth))
            if treatment.surface_ids:
                parts.append(''.join(treatment.surface_ids.mapped('code')))
            lines.append(f'{index}. ' + ' - '.join(parts))
        if plan.notes:
            lines += ['', plan.notes]
        return '\n'.join(lines)
