from collections import defaultdict

from odoo import _, api, models
from odoo.exceptions import AccessError

from ..models.dental_roles import DENTIST_GROUP
from ..models.dental_tooth import DECIDUOUS_TEETH, FDI_TEETH, PERMANENT_TEETH
from .dental_report_common import clinic_tz, report_formatters

TOOTH_ORDER = {tooth: index for index, tooth in enumerate(PERMANENT_TEETH + DECIDUOUS_TEETH)}


class ReportPatientRecord(models.AbstractModel):
    """The patient record (prontuário) PDF: dentists and managers only.

    The check runs here, where the values are built, so that it holds for the
    Print menu, ``/report/pdf/...`` and any Python caller alike (e.g.
    ``env['ir.actions.report']._render_qweb_pdf('dental_clinic.action_report_patient_record', patient.ids)``;
    superuser code, ``sudo()``, may render it whoever the user is).
    """

    _name = 'report.dental_clinic.report_patient_record'
    _description = 'Patient Record Report'

    @api.model
    def _get_report_values(self, docids, data=None):
        # Superuser code (e.g. a data export the system builds for the patient) may render it for anyone.
        if not self.env.su and not self.env.user.has_group(DENTIST_GROUP):
            raise AccessError(_('Only dentists and managers can print a patient\'s clinical record.'))
        patients = self.env['dental.patient'].browse(docids).exists()
        patients.check_access('read')
        tz_name = clinic_tz(self.env, patients[:1].company_id or self.env.company)
        return {
            'doc_ids': patients.ids,
            'doc_model': 'dental.patient',
            'docs': patients,
            'teeth': {patient.id: self._teeth_rows(patient) for patient in patients},
            'history': patients._dental_clinical_histories(),
            'selection_label': self._selection_label,
            **report_formatters(self.env, tz_name),
        }

    def _selection_label(self, record, fname):
        """The translated label of a selection value, for the templates."""
        return dict(record._fields[fname]._description_selection(self.env)).get(record[fname], '')

    def _teeth_rows(self, patient):
        """Per tooth with a record: its current state (whole tooth and surfaces) and what is planned on it."""
        chart = patient.odontogram_data or {}
        labels = dict(self.env['dental.tooth.condition']._fields['condition']._description_selection(self.env))
        labels['done'] = _('Treated')
        planned = defaultdict(list)
        for treatment in patient.treatment_ids.filtered(lambda t: t.state == 'planned' and t.tooth):
            planned[treatment.tooth].append(treatment.display_name)
        rows = []
        for tooth, state in (chart.get('teeth') or {}).items():
            if tooth not in FDI_TEETH:
                continue
            current = []
            if state.get('whole'):
                current.append(labels.get(state['whole'], state['whole']))
            if state.get('endo') and state.get('whole') != 'root_canal':
                current.append(labels['root_canal'])
            by_finding = defaultdict(list)
            for code, finding in sorted((state.get('surfaces') or {}).items()):
                by_finding[finding].append(code)
            current += [f'{labels.get(finding, finding)} ({"".join(codes)})' for finding, codes in by_finding.items()]
            rows.append(
                {
                    'tooth': tooth,
                    'current': ', '.join(current),
                    'planned': ', '.join(planned.get(tooth, [])),
                    'events': len(state.get('history') or []),
                }
            )
        return sorted(rows, key=lambda row: TOOTH_ORDER.get(row['tooth'], 999))
