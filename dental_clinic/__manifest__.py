{
    'name': 'Dental Clinic',
    'version': '18.0.1.0.0',
    'summary': 'Patients, appointments and clinical records for dental clinics',
    'description': """
Run a dental clinic inside Odoo: patients with anamnesis, appointments by
dentist and chair without double booking, clinical history per tooth and
role-based access for the front desk, the dentists and the manager.
""",
    'category': 'Services/Dental',
    'author': 'dental_clinic',
    'license': 'LGPL-3',
    'depends': [
        'mail',
        'calendar',
        'contacts',
        'phone_validation',
        'resource',
    ],
    'external_dependencies': {
        'python': ['phonenumbers', 'python-stdnum'],
    },
    'data': [
        'security/dental_security.xml',
        'security/ir.model.access.csv',
        'data/ir_sequence_data.xml',
        'data/dental_condition_data.xml',
        'data/dental_tooth_surface_data.xml',
        'views/dental_menus.xml',
        'views/dental_condition_views.xml',
        'views/dental_patient_views.xml',
        'views/dental_chair_views.xml',
        'views/dental_appointment_views.xml',
        'data/dental_reminder_data.xml',
        'views/dental_reminder_views.xml',
        'views/dental_appointment_public_templates.xml',
        'views/res_config_settings_views.xml',
        'views/dental_procedure_views.xml',
        'views/dental_treatment_views.xml',
        'views/dental_tooth_condition_views.xml',
        'views/dental_treatment_plan_views.xml',
        'views/dental_clinical_note_views.xml',
        'views/dental_patient_clinical_views.xml',
        'wizard/dental_appointment_cancel_views.xml',
        'wizard/dental_appointment_reschedule_views.xml',
        'wizard/dental_slot_finder_views.xml',
    ],
    'demo': [
        'demo/dental_patient_demo.xml',
        'demo/dental_procedure_demo.xml',
        'demo/dental_appointment_demo.xml',
        'demo/dental_clinical_demo.xml',
        'demo/dental_reminder_demo.xml',
    ],
    'assets': {
        'web.assets_backend': [
            'dental_clinic/static/src/odontogram/*',
        ],
        'web.assets_tests': [
            'dental_clinic/static/tests/tours/*.js',
        ],
    },
    'application': True,
    'installable': True,
}
