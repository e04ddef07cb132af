from psycopg2.errors import ReadOnlySqlTransaction

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

# What a user opened, and the columns that remember it.
ACCESS_KINDS = ('anamnesis', 'odontogram', 'treatments', 'notes', 'prontuario', 'export', 'documents')


class DentalAccessLog(models.Model):
    """Who opened a patient's clinical data, and when: one row per user, patient and hour.

    Rows are written only in SQL by ``dental.patient._dental_log_access`` (one statement per opened
    form); nobody creates, changes or deletes them through Odoo, managers included.
    """

    _name = 'dental.access.log'
    _description = 'Clinical Data Access Log'
    _order = 'hour desc, id desc'
    _log_access = False
    _rec_name = 'patient_id'

    user_id = fields.Many2one('res.users', required=True, readonly=True, index=True, ondelete='restrict')
    patient_id = fields.Many2one('dental.patient', required=True, readonly=True, index=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True, ondelete='cascade')
    hour = fields.Datetime(
        required=True, readonly=True, index=True, help='Start of the hour (UTC) during which the data was opened.'
    )
    last_date = fields.Datetime(string='Last Opened', readonly=True)
    access_count = fields.Integer(string='Times Opened', readonly=True, default=1)
    read_anamnesis = fields.Boolean(string='Anamnesis', readonly=True)
    read_odontogram = fields.Boolean(string='Odontogram', readonly=True)
    read_treatments = fields.Boolean(string='Treatments', readonly=True)
    read_notes = fields.Boolean(string='Clinical Notes', readonly=True)
    read_prontuario = fields.Boolean(string='Record PDF', readonly=True)
    read_export = fields.Boolean(string='Data Export', readonly=True)
    read_documents = fields.Boolean(string='Signed Documents', readonly=True)

    _sql_constraints = [
        (
            'user_patient_hour_uniq',
            'unique (user_id, patient_id, hour)',
            'One access log row per user, patient and hour.',
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        raise UserError(_('The access log is written by the system only.'))

    def write(self, vals):
        raise UserError(_('The access log cannot be changed.'))

    def unlink(self):
        raise UserError(_('The access log cannot be deleted.'))

    @api.model
    def _log(self, user, patient_ids, kinds):
        """Record that ``user`` opened ``kinds`` of these patients: one INSERT ... ON CONFLICT for all.

        On conflict the row of that hour is updated (count, kinds) rather than left alone, so that the
        hour's row says everything that was opened, at the price of touching one existing row.
        """
        if not patient_ids or not kinds:
            return
        flags = [SQL("%s", kind in kinds) for kind in ACCESS_KINDS]
        columns = [SQL.identifier(f'read_{kind}') for kind in ACCESS_KINDS]
        merge = [SQL("%s = dental_access_log.%s OR EXCLUDED.%s", column, column, column) for column in columns]
        query = SQL(
            """
            INSERT INTO dental_access_log (user_id, patient_id, company_id, hour, last_date, access_count, %(columns)s)
                 SELECT %(user)s, patient.id, patient.company_id,
                        date_trunc('hour', now() AT TIME ZONE 'UTC'), now() AT TIME ZONE 'UTC', 1, %(flags)s
                   FROM dental_patient patient
                  WHERE patient.id IN %(patients)s
            ON CONFLICT (user_id, patient_id, hour) DO UPDATE
                    SET access_count = dental_access_log.access_count + 1,
                        last_date = EXCLUDED.last_date, %(merge)s
        """,
            columns=SQL(", ").join(columns),
            user=user.id,
            flags=SQL(", ").join(flags),
            patients=tuple(patient_ids),
            merge=SQL(", ").join(merge),
        )
        if self.env.cr.readonly:
            if self.env.registry.test_cr is not None:
                # Tests share one connection, and a read/write cursor cannot be opened from a read-only
                # one: ask Odoo to serve the request again on a read/write cursor, as after a failed write.
                raise ReadOnlySqlTransaction('the access log is written on a read/write cursor')
            # A read-only request (a report download, a replica): the log goes in its own short
            # transaction rather than making Odoo run the whole request again in read/write.
            with self.env.registry.cursor() as log_cr:
                log_cr.execute(query)
            return
        self.env.cr.execute(query)


class DentalPatientRecord(models.AbstractModel):
    """Opening a clinical record (treatment, finding, plan, note) is opening its patient's clinical data."""

    _inherit = 'dental.patient.record'

    # Kind of access (ACCESS_KINDS) that opening a record of the model means.
    _dental_access_kind = None

    def web_read(self, specification):
        result = super().web_read(specification)
        if self._dental_access_kind and self and self.env['dental.patient']._dental_access_logged():
            self.env['dental.access.log']._log(self.env.user, self.patient_id.ids, {self._dental_access_kind})
        return result

    @api.model
    def web_search_read(self, *args, **kwargs):
        """A list of clinical records: logged through ``web_read``, one statement for every patient shown."""
        return super().web_search_read(*args, **kwargs)

    # They write the access log: served on a read/write cursor (see web's DataSet._call_kw_readonly).
    web_read._readonly = False
    web_search_read._readonly = False


class DentalTreatment(models.Model):
    _inherit = 'dental.treatment'
    _dental_access_kind = 'treatments'


class DentalTreatmentPlan(models.Model):
    _inherit = 'dental.treatment.plan'
    _dental_access_kind = 'treatments'


class DentalToothCondition(models.Model):
    _inherit = 'dental.tooth.condition'
    _dental_access_kind = 'odontogram'


class DentalClinicalNote(models.Model):
    _inherit = 'dental.clinical.note'
    _dental_access_kind = 'notes'


class IrActionsReport(models.Model):
    """Printing a report of patients (the prontuário) is reading their clinical data; the clinic's reports
    restricted to groups are printed by those groups only."""

    _inherit = 'ir.actions.report'

    def _get_rendering_context(self, report, docids, data):
        # The report routes (/report/html|pdf/<name>/<ids>?options=...) do not check the report's groups:
        # every rendering (HTML and PDF) comes here.
        if (
            not self.env.su
            and report.report_name.startswith('dental_clinic.')
            and report.groups_id
            and not report.groups_id & self.env.user.groups_id
        ):
            raise AccessError(_('You are not allowed to print this report.'))
        return super()._get_rendering_context(report, docids, data)

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        result = super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        report = self._get_report(report_ref)
        if res_ids and self.env['dental.patient']._dental_access_logged():
            ids = [res_ids] if isinstance(res_ids, int) else list(res_ids)
            if report.model == 'dental.patient':
                self.env['dental.access.log']._log(self.env.user, ids, {'prontuario'})
            elif report.model in self.env['dental.integrity.chain']._document_models():
                # A signed document printed: its patient's clinical data read, as when its form is opened.
                patients = self.env[report.model].browse(ids).patient_id
                self.env['dental.access.log']._log(self.env.user, patients.ids, {'documents'})
        return result
