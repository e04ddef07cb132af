import logging

from odoo import api, fields, models

from .ir_module_module import UNINSTALL_PARAM

_logger = logging.getLogger(__name__)


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    dental_late_cancel_hours = fields.Integer(related='company_id.dental_late_cancel_hours', readonly=False)
    dental_cpf_at_first_visit = fields.Boolean(related='company_id.dental_cpf_at_first_visit', readonly=False)
    dental_quiet_hour_start = fields.Float(related='company_id.dental_quiet_hour_start', readonly=False)
    dental_quiet_hour_end = fields.Float(related='company_id.dental_quiet_hour_end', readonly=False)
    dental_uninstall_allowed = fields.Boolean(
        string='Allow uninstalling with records kept',
        groups='base.group_system',
        help='Uninstalling the Dental Clinic app deletes every patient record, including those the law says '
        'to keep. Export them first; who allowed it, and when, is kept.',
    )
    dental_uninstall_allowed_by = fields.Char(string='Allowed by', readonly=True, groups='base.group_system')

    @api.model
    def get_values(self):
        res = super().get_values()
        allowed_by = self.env['ir.config_parameter'].sudo().get_param(UNINSTALL_PARAM) or False
        res.update(dental_uninstall_allowed=bool(allowed_by), dental_uninstall_allowed_by=allowed_by)
        return res

    def set_values(self):
        super().set_values()
        if not self.env.is_admin():
            return
        params = self.env['ir.config_parameter'].sudo()
        allowed_by = params.get_param(UNINSTALL_PARAM)
        if self.dental_uninstall_allowed and not allowed_by:
            allowed_by = f'{self.env.user.login} (user {self.env.uid}), {fields.Datetime.now()} UTC'
            params.set_param(UNINSTALL_PARAM, allowed_by)
            _logger.warning('Uninstalling dental_clinic with records kept allowed by %s', allowed_by)
        elif not self.dental_uninstall_allowed and allowed_by:
            params.set_param(UNINSTALL_PARAM, False)
            _logger.warning('Uninstalling dental_clinic with records kept: no longer allowed (%s)', self.env.user.login)
