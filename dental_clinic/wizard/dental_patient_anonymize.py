from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.dental_appointment import EVENT_SYNC_CONTEXT, INACTIVE_STATES
from ..models.dental_patient_lgpd import PARTNER_IDENTITY_FIELDS


class DentalPatientAnonymize(models.TransientModel):
    """Forget a patient's identity (LGPD art. 18) while the clinical record stays, as the law requires."""

    _name = 'dental.patient.anonymize'
    _description = 'Anonymise Patient'
    _inherit = ['dental.wizard.guard']

    patient_id = fields.Many2one('dental.patient', required=True, ondelete='cascade')
    confirm = fields.Boolean(string='I understand that this cannot be undone')

    @api.model
    def _check_manager(self):
        self.env['dental.patient']._dental_check_manager()

    @api.model_create_multi
    def create(self, vals_list):
        self._check_manager()
        return super().create(vals_list)

    def action_anonymize(self):
        self.ensure_one()
        self._check_manager()
        if not self.confirm:
            raise UserError(_('Tick the confirmation: anonymisation cannot be undone.'))
        self.patient_id.check_access('write')
        self.patient_id._dental_anonymize()
        return {'type': 'ir.actions.act_window_close'}


class DentalPatient(models.Model):
    _inherit = 'dental.patient'

    def _dental_anonymize(self):
        """Clear identity and contact data, the chatter and the attachments; keep the clinical record."""
        self._dental_check_manager()
        future = (
            self.env['dental.appointment']
            .sudo()
            .search_count(
                [
                    ('patient_id', 'in', self.ids),
                    ('start', '>=', fields.Datetime.now()),
                    ('state', 'not in', INACTIVE_STATES),
                ],
                limit=1,
            )
        )
        if future:
            raise UserError(_('This patient has future appointments: cancel them before anonymising.'))
        for patient in self.sudo():
            appointments = patient.with_context(active_test=False).appointment_ids
            pseudonym = _('Anonymised patient %s', patient.file_number)
            # Chatter, activities, followers and attachments of the patient and of its appointments.
            threads = [('dental.patient', patient.ids), ('dental.appointment', appointments.ids)]
            partner = patient.partner_id
            for model, ids in threads:
                if not ids:
                    continue
                domain = [('model', '=', model), ('res_id', 'in', ids)]
                self.env['mail.message'].sudo().search(domain).unlink()
                self.env['mail.followers'].sudo().search([('res_model', '=', model), ('res_id', 'in', ids)]).unlink()
                self.env['mail.activity'].sudo().search([('res_model', '=', model), ('res_id', 'in', ids)]).unlink()
                self.env['ir.attachment'].sudo().search([('res_model', '=', model), ('res_id', 'in', ids)]).unlink()
            # Earlier exports hold the identity too.
            exports = self.env['dental.lgpd.log'].sudo().search([('patient_id', '=', patient.id)])
            self.env['ir.attachment'].sudo().search(
                [('res_model', '=', 'dental.lgpd.log'), ('res_id', 'in', exports.ids)]
            ).unlink()
            birth_date = patient.birth_date and patient.birth_date.replace(month=1, day=1)
            values = {
                'cpf': False,
                'guardian_id': False,
                'guardian_relation': False,
                'notes': False,
                'birth_date': birth_date,
                'is_anonymized': True,
            }
            if patient._dental_partner_used_elsewhere():
                # Cut the link only: the contact belongs to other Odoo records too.
                values['partner_id'] = (
                    self.env['res.partner']
                    .sudo()
                    .create({'name': pseudonym, 'company_id': patient.company_id.id, 'lang': partner.lang})
                    .id
                )
            else:
                partner_domain = [('model', '=', 'res.partner'), ('res_id', '=', partner.id)]
                self.env['mail.message'].sudo().search(partner_domain).unlink()
                self.env['ir.attachment'].sudo().search(
                    [('res_model', '=', 'res.partner'), ('res_id', '=', partner.id)]
                ).unlink()
                # No tracking: it would write the old name, e-mail and phones back into the chatter.
                partner._track_discard()
                partner.with_context(tracking_disable=True, mail_notrack=True).write(
                    dict(dict.fromkeys(PARTNER_IDENTITY_FIELDS, False), name=pseudonym)
                )
            patient.with_context(mail_notrack=True, tracking_disable=True)._write_anonymized(values)
            appointments.with_context(mail_notrack=True, tracking_disable=True).write({'notes': False})
            events = appointments.with_context(active_test=False).calendar_event_id
            if events:
                # The sync context replaces the caller's: no client key reaches the events.
                sync_context = dict(EVENT_SYNC_CONTEXT, active_test=False, dental_appointment_sync=True)
                events.with_context(sync_context).write(  # pylint: disable=context-overridden
                    {'name': pseudonym, 'description': False}
                )
            # Changes tracked earlier in this transaction would write the old values back at commit.
            patient._track_discard()
            appointments._track_discard()
            self.env['dental.lgpd.log']._log(patient, 'anonymize')

    def _write_anonymized(self, values):
        """Write the anonymised values; birth date and guardian in SQL, past the guardian rule (an
        anonymised minor keeps no guardian, on purpose), then let the computed fields follow."""
        birth_date = values.pop('birth_date')
        values.pop('guardian_id')
        super().write(values)
        self.env.cr.execute(
            SQL("UPDATE dental_patient SET birth_date = %s, guardian_id = NULL WHERE id = %s", birth_date, self.id)
        )
        self.invalidate_recordset(['birth_date', 'guardian_id'])

    def _dental_partner_used_elsewhere(self):
        """Whether the contact is referenced by any record of Odoo other than this patient and its chatter."""
        self.ensure_one()
        partner_id = self.partner_id.id
        cr = self.env.cr
        # The patient's chatter was cleared before; these self references do not count.
        ignored = {('dental_patient', 'partner_id'), ('res_partner', 'commercial_partner_id')}
        fields_ = (
            self.env['ir.model.fields']
            .sudo()
            .search(
                [('relation', '=', 'res.partner'), ('ttype', 'in', ('many2one', 'many2many')), ('store', '=', True)]
            )
        )
        for field in fields_:
            model = self.env.get(field.model)
            if model is None or model._transient or model._abstract or field.name not in model._fields:
                continue
            model_field = model._fields[field.name]
            if not model_field.store or (model_field.type == 'many2one' and model_field.inherited):
                continue
            if model_field.type == 'many2one':
                table, column = model._table, field.name
                if (table, column) in ignored:
                    extra = SQL(" AND id != %s", self.id if table == 'dental_patient' else partner_id)
                else:
                    extra = SQL()
            else:
                table, column, extra = model_field.relation, model_field.column2, SQL()
            cr.execute(SQL("SELECT to_regclass(%s)", table))
            if not cr.fetchone()[0]:
                continue
            cr.execute(
                SQL(
                    "SELECT 1 FROM %s WHERE %s = %s%s LIMIT 1",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    partner_id,
                    extra,
                )
            )
            if cr.fetchone():
                return True
        return False
