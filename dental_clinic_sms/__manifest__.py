{
    'name': 'Dental Clinic - SMS',
    'version': '18.0.1.0.0',
    'summary': 'Appointment reminders and recalls of the dental clinic by SMS',
    'category': 'Services/Dental',
    'author': 'dental_clinic',
    'license': 'LGPL-3',
    'depends': ['dental_clinic', 'sms'],
    'data': [
        'data/sms_template_data.xml',
        'views/dental_reminder_rule_views.xml',
        'views/dental_waitlist_views.xml',
    ],
    'demo': [
        'demo/dental_reminder_demo.xml',
    ],
    'auto_install': True,
}
