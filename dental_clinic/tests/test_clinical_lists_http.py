from odoo.tests import HttpCase, new_test_user, tagged

CLINICAL_MODELS = ('dental.treatment', 'dental.treatment.plan', 'dental.tooth.condition', 'dental.clinical.note')


@tagged('post_install', '-at_install')
class TestClinicalListsHttp(HttpCase):
    """The web client's list of each clinical model answers a dentist (web_search_read is a model method)."""

    def test_dentist_lists_clinical_records(self):
        new_test_user(self.env, login='http_dental_dentist', groups='dental_clinic.group_dental_dentist')
        self.authenticate('http_dental_dentist', 'http_dental_dentist')
        for model in CLINICAL_MODELS:
            with self.subTest(model=model):
                result = self.make_jsonrpc_request(
                    f'/web/dataset/call_kw/{model}/web_search_read',
                    {
                        'model': model,
                        'method': 'web_search_read',
                        'args': [],
                        'kwargs': {'domain': [], 'specification': {'display_name': {}}, 'limit': 80},
                    },
                )
                self.assertIn('records', result)
                self.assertIsInstance(result['length'], int)
