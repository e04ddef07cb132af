from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .dental_roles import MANAGER_GROUP

# The 27 federative units: a CRO (Conselho Regional de Odontologia) is one per state.
BRAZIL_UFS = [
    ('AC', 'AC'),
    ('AL', 'AL'),
    ('AP', 'AP'),
    ('AM', 'AM'),
    ('BA', 'BA'),
    ('CE', 'CE'),
    ('DF', 'DF'),
    ('ES', 'ES'),
    ('GO', 'GO'),
    ('MA', 'MA'),
    ('MT', 'MT'),
    ('MS', 'MS'),
    ('MG', 'MG'),
    ('PA', 'PA'),
    ('PB', 'PB'),
    ('PR', 'PR'),
    ('PE', 'PE'),
    ('PI', 'PI'),
    ('RJ', 'RJ'),
    ('RN', 'RN'),
    ('RS', 'RS'),
    ('RO', 'RO'),
    ('RR', 'RR'),
    ('SC', 'SC'),
    ('SP', 'SP'),
    ('SE', 'SE'),
    ('TO', 'TO'),
]
# Specialties recognised by the Conselho Federal de Odontologia (CFO), and the general practitioner.
CFO_SPECIALTIES = [
    ('general', 'General Dentist'),
    ('acupuncture', 'Acupuncture'),
    ('maxillofacial_surgery', 'Oral and Maxillofacial Surgery and Traumatology'),
    ('restorative', 'Restorative Dentistry'),
    ('tmd', 'Temporomandibular Disorders and Orofacial Pain'),
    ('endodontics', 'Endodontics'),
    ('stomatology', 'Stomatology'),
    ('orofacial_harmonization', 'Orofacial Harmonization'),
    ('homeopathy', 'Homeopathy'),
    ('implantology', 'Implantology'),
    ('geriatric', 'Geriatric Dentistry'),
    ('sports', 'Sports Dentistry'),
    ('occupational', 'Occupational Dentistry'),
    ('forensic', 'Forensic Dentistry'),
    ('special_needs', 'Dentistry for Patients with Special Needs'),
    ('hospital', 'Hospital Dentistry'),
    ('pediatric', 'Pediatric Dentistry'),
    ('orthodontics', 'Orthodontics'),
    ('functional_orthopedics', 'Functional Jaw Orthopedics'),
    ('oral_pathology', 'Oral and Maxillofacial Pathology'),
    ('periodontics', 'Periodontics'),
    ('maxillofacial_prosthesis', 'Maxillofacial Prosthodontics'),
    ('prosthodontics', 'Prosthodontics'),
    ('radiology', 'Dental Radiology and Imaging'),
    ('public_health', 'Public Health Dentistry'),
]
# The dentist's professional identity: printed on every signed document, required to sign one.
DENTAL_IDENTITY_FIELDS = ('dental_cro', 'dental_cro_uf', 'dental_specialty')


class ResUsers(models.Model):
    _inherit = 'res.users'

    dental_cro = fields.Char(string='CRO Number', help='Registration number at the Regional Council of Dentistry.')
    dental_cro_uf = fields.Selection(BRAZIL_UFS, string='CRO State', help='State of the Regional Council.')
    dental_specialty = fields.Selection(
        CFO_SPECIALTIES, string='Specialty', help='Specialty registered at the CFO, printed under the name.'
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + list(DENTAL_IDENTITY_FIELDS)

    @property
    def SELF_WRITEABLE_FIELDS(self):
        # Each dentist keeps their own registration up to date in their preferences.
        return super().SELF_WRITEABLE_FIELDS + list(DENTAL_IDENTITY_FIELDS)

    @api.constrains('dental_cro')
    def _check_dental_cro(self):
        for user in self:
            if user.dental_cro and not user.dental_cro.strip().replace('.', '').replace('-', '').isdigit():
                raise ValidationError(_('The CRO number holds digits only (dots and dashes allowed).'))

    def write(self, vals):
        """The clinic's manager sets the professional identity of their companies' users, without the
        rights of an Odoo administrator over the rest of the user."""
        if (
            vals
            and set(vals) <= set(DENTAL_IDENTITY_FIELDS)
            and not self.env.su
            and self != self.env.user
            and self.env.user.has_group(MANAGER_GROUP)
            and not self.env.user.has_group('base.group_erp_manager')
        ):
            if any(not user.company_ids & self.env.user.company_ids for user in self.sudo()):
                raise AccessError(_('You can only change the registration of users of your own companies.'))
            return super(ResUsers, self.sudo()).write(vals)
        return super().write(vals)

    def _dental_edits_shared_records(self):
        """Whether the user may change records shared by every company (no company): a condition, a
        procedure, working hours. They change what every clinic sees, so they belong to the main company
        (the head office, for which the database was made, which the module's own data comes with): its
        users change them; another clinic's manager adds entries of their own company instead.
        """
        self.ensure_one()
        main = self.env.ref('base.main_company', raise_if_not_found=False) or self.env['res.company'].sudo().search(
            [], order='id', limit=1
        )
        return main in self.sudo().company_ids

    def _dental_identity_missing(self):
        """Whether the user lacks what a signature of a clinical document needs (CRO number and state)."""
        self.ensure_one()
        user = self.sudo()
        return not (user.dental_cro or '').strip() or not user.dental_cro_uf
