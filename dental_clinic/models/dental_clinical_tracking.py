"""Change history of the clinical record: who changed what and when, in the chatter.

Treatments, findings and plans become mail threads with tracked fields; the front desk has no
access to these models at all, hence to their chatter. The anamnesis is tracked on the patient,
whose chatter the front desk does read: its fields carry the dentist group, so that
``mail.tracking.value._filter_has_field_access`` leaves their values out for the front desk.
"""

from odoo import fields, models

from .dental_roles import DENTIST_GROUP


class DentalPatient(models.Model):
    _inherit = 'dental.patient'

    condition_ids = fields.Many2many(tracking=True, groups=DENTIST_GROUP)
    medications = fields.Text(tracking=True, groups=DENTIST_GROUP)
    allergies = fields.Text(tracking=True, groups=DENTIST_GROUP)
    anamnesis_notes = fields.Text(tracking=True, groups=DENTIST_GROUP)


class DentalTreatment(models.Model):
    _name = 'dental.treatment'
    _inherit = ['dental.treatment', 'mail.thread']

    procedure_id = fields.Many2one(tracking=True)
    tooth = fields.Char(tracking=True)
    surface_ids = fields.Many2many(tracking=True)
    dentist_id = fields.Many2one(tracking=True)
    plan_id = fields.Many2one(tracking=True)
    appointment_id = fields.Many2one(tracking=True)
    state = fields.Selection(tracking=True)
    date_done = fields.Date(tracking=True)
    notes = fields.Text(tracking=True)
    paid = fields.Boolean(tracking=True)


class DentalToothCondition(models.Model):
    _name = 'dental.tooth.condition'
    _inherit = ['dental.tooth.condition', 'mail.thread']

    tooth = fields.Char(tracking=True)
    surface_ids = fields.Many2many(tracking=True)
    condition = fields.Selection(tracking=True)
    date = fields.Date(tracking=True)
    dentist_id = fields.Many2one(tracking=True)
    notes = fields.Text(tracking=True)


class DentalTreatmentPlan(models.Model):
    _name = 'dental.treatment.plan'
    _inherit = ['dental.treatment.plan', 'mail.thread']

    name = fields.Char(tracking=True)
    dentist_id = fields.Many2one(tracking=True)
    date = fields.Date(tracking=True)
    date_accepted = fields.Date(tracking=True)
    state = fields.Selection(tracking=True)
    notes = fields.Text(tracking=True)
