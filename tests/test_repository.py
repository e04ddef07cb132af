"""Repository-level checks: the entry points fail clearly, the manifest is complete."""

import ast
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON = os.path.join(ROOT, 'dental_clinic')


def run_preflight(tmp_path, *args, python=(sys.executable,)):
    return subprocess.run(
        [*python, os.path.join(ROOT, 'tools', 'preflight.py'), str(tmp_path / 'odoo.conf'), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_preflight_without_odoo(tmp_path):
    # -S: no site-packages, so Odoo cannot be imported.
    result = run_preflight(tmp_path, '127.0.0.1', '5432', 'root', python=(sys.executable, '-S'))
    assert result.returncode == 1
    assert 'Odoo 18.0 is not importable' in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_preflight_without_postgresql(tmp_path):
    result = run_preflight(tmp_path, '127.0.0.1', '1', 'root')
    assert result.returncode == 1
    assert 'PostgreSQL is not reachable at 127.0.0.1:1' in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_manifest_files_exist_and_parse():
    manifest = ast.literal_eval(open(os.path.join(ADDON, '__manifest__.py'), encoding='utf-8').read())
    assert manifest['version'].startswith('18.0.')
    assert manifest['license'] == 'LGPL-3'
    for key in ('data', 'demo'):
        for rel in manifest.get(key, []):
            path = os.path.join(ADDON, rel)
            assert os.path.exists(path), f'{key} file {rel} is missing'
            if path.endswith('.xml'):
                ET.parse(path)
    assert os.path.exists(os.path.join(ADDON, 'static', 'description', 'icon.png'))


def test_ci_runs_the_readme_test_command():
    ci = open(os.path.join(ROOT, '.ci', 'run'), encoding='utf-8').read()
    readme = open(os.path.join(ROOT, 'README.md'), encoding='utf-8').read()
    assert 'make test' in ci
    assert 'make test' in readme and 'make run' in readme


def test_pre_commit_revs_match_the_pinned_tools():
    """pre-commit (developers) and `make lint` (CI) run the same versions of ruff and pylint-odoo."""
    config = open(os.path.join(ROOT, '.pre-commit-config.yaml'), encoding='utf-8').read()
    pins = dict(
        re.findall(
            r'^([a-z-]+)==([\d.]+)', open(os.path.join(ROOT, 'requirements-dev.txt'), encoding='utf-8').read(), re.M
        )
    )
    for repo, package in (('astral-sh/ruff-pre-commit', 'ruff'), ('OCA/pylint-odoo', 'pylint-odoo')):
        rev = re.search(rf'{re.escape(repo)}\n\s+rev: v([\d.]+)', config).group(1)
        assert pins.get(package) == rev, f'{package}: pre-commit rev v{rev}, requirements-dev.txt {pins.get(package)}'


def test_no_t_raw_in_templates():
    for folder, _dirs, files in os.walk(ADDON):
        for name in files:
            if name.endswith('.xml'):
                assert 't-raw' not in open(os.path.join(folder, name), encoding='utf-8').read(), name


def test_demo_leaves_existing_companies_currency_alone():
    """Demo data must install where accounting has posted entries: Odoo refuses a currency change there."""
    for addon in ('dental_clinic', 'dental_clinic_sms'):
        manifest = ast.literal_eval(open(os.path.join(ROOT, addon, '__manifest__.py'), encoding='utf-8').read())
        for path in manifest.get('demo', []):
            tree = ET.parse(os.path.join(ROOT, addon, path))
            for record in tree.iter('record'):
                if record.get('model') != 'res.company' or '.' not in record.get('id', ''):
                    continue
                fields = {field.get('name') for field in record.iter('field')}
                assert 'currency_id' not in fields, f'{addon}/{path}: {record.get("id")} gets a currency'


def test_group_ids_defined_once():
    """Code names the clinic's roles through models/dental_roles.py, not by repeating their xml ids."""
    roles = os.path.join(ADDON, 'models', 'dental_roles.py')
    offenders = []
    for addon in (ADDON, os.path.join(ROOT, 'dental_clinic_sms')):
        for folder, _dirs, files in os.walk(addon):
            if os.sep + 'tests' in folder:
                continue
            for name in files:
                path = os.path.join(folder, name)
                if name.endswith('.py') and path != roles:
                    with open(path, encoding='utf-8') as source:
                        if re.search(r"""['"]dental_clinic\.group_""", source.read()):
                            offenders.append(os.path.relpath(path, ROOT))
    assert not offenders, offenders
