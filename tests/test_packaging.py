"""Packaging: `make odoo` refuses bad sources clearly, run/test use .venv, the addons build as wheels."""

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make(*args, env=None):
    return subprocess.run(
        ['make', '--no-print-directory', '-C', ROOT, *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_make_odoo_target_is_documented():
    makefile = open(os.path.join(ROOT, 'Makefile'), encoding='utf-8').read()
    assert '\nodoo:' in makefile
    assert 'https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz' in makefile
    readme = open(os.path.join(ROOT, 'README.md'), encoding='utf-8').read()
    assert 'make odoo ODOO_SRC=' in readme


@pytest.mark.parametrize('kind', ['empty', 'missing', 'not_odoo_folder', 'not_odoo_archive', 'odoo_17'])
def test_make_odoo_refuses_a_bad_source(tmp_path, kind):
    if kind == 'empty':
        src, expected = '', 'ODOO_SRC is empty'
    elif kind == 'missing':
        src, expected = str(tmp_path / 'nowhere'), 'is neither a folder, an archive nor a URL'
    elif kind == 'not_odoo_folder':
        src, expected = str(tmp_path), "not Odoo's source"
    elif kind == 'not_odoo_archive':
        src = str(tmp_path / 'src.tar.gz')
        (tmp_path / 'readme.txt').write_text('hello')
        with tarfile.open(src, 'w:gz') as archive:
            archive.add(tmp_path / 'readme.txt', arcname='odoo-18.0/readme.txt')
        expected = "holds no odoo/release.py: not Odoo's source"
    else:
        (tmp_path / 'odoo').mkdir()
        (tmp_path / 'odoo' / 'release.py').write_text("version_info = (17, 0, 0, 'final', 0, '')\n")
        (tmp_path / 'requirements.txt').write_text('')
        src, expected = str(tmp_path), 'is not Odoo 18.0'
    venv = tmp_path / 'venv'
    result = make('odoo', f'ODOO_SRC={src}', f'VENV={venv}')
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr
    assert not venv.exists(), 'a refused source must not leave a half-made venv behind'


def test_run_and_test_use_the_venv_when_it_exists(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != 'PYTHON'}
    without = make('-n', 'test', f'VENV={tmp_path}/venv', env=env).stdout
    assert 'python3 -m odoo' in without and 'venv/bin/python' not in without
    python = tmp_path / 'venv' / 'bin' / 'python'
    python.parent.mkdir(parents=True)
    python.write_text('#!/bin/sh\n')
    python.chmod(0o755)
    for target in ('run', 'test'):
        dry = make('-n', target, f'VENV={tmp_path}/venv', env=env).stdout
        assert f'{python} -m odoo' in dry, dry
        assert 'curl' not in dry and 'pip' not in dry, 'make run/test never download anything'


def build_wheel(addon, wheel_dir):
    result = subprocess.run(
        [
            sys.executable,
            '-m',
            'pip',
            'wheel',
            '--no-deps',
            '--no-cache-dir',
            '-w',
            str(wheel_dir),
            os.path.join(ROOT, addon),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def manifest_version(addon):
    import ast

    return ast.literal_eval(open(os.path.join(ROOT, addon, '__manifest__.py'), encoding='utf-8').read())['version']


def test_addon_wheels_install_into_a_fresh_venv(tmp_path):
    wheels = tmp_path / 'wheels'
    for addon in ('dental_clinic', 'dental_clinic_sms'):
        build_wheel(addon, wheels)
    names = sorted(os.listdir(wheels))
    assert names == [
        f'odoo_addon_dental_clinic-{manifest_version("dental_clinic")}-py3-none-any.whl',
        f'odoo_addon_dental_clinic_sms-{manifest_version("dental_clinic_sms")}-py3-none-any.whl',
    ]
    with zipfile.ZipFile(wheels / names[0]) as wheel:
        files = wheel.namelist()
        metadata = wheel.read(next(n for n in files if n.endswith('.dist-info/METADATA'))).decode()
    assert 'odoo/addons/dental_clinic/__manifest__.py' in files
    assert 'odoo/addons/dental_clinic/i18n/pt_BR.po' in files
    assert 'Requires-Dist: odoo==18.0.*' in metadata
    # A fresh venv that sees the Odoo of the interpreter running the tests (the system's, or .venv's
    # from `make odoo`, hence the .pth after the venv's own site-packages) but not this checkout.
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--system-site-packages', str(venv)], check=True, timeout=120)
    python = str(venv / 'bin' / 'python')
    purelib = subprocess.run(
        [python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    import odoo

    parent = [os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))]
    parent += [p for p in sys.path if p.endswith('-packages') and os.path.isdir(p)]
    with open(os.path.join(purelib, 'parent_env.pth'), 'w', encoding='utf-8') as pth:
        pth.write('\n'.join(p for p in parent if os.path.realpath(p) != os.path.realpath(ROOT)) + '\n')
    result = subprocess.run(
        [python, '-m', 'pip', 'install', '--no-deps', '--no-index', *[str(wheels / n) for n in names]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    probe = (
        "import odoo.addons.dental_clinic as a, odoo.addons.dental_clinic_sms as s; "
        "print(a.__file__); print(s.__file__)"
    )
    result = subprocess.run([python, '-c', probe], capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    site = str(venv / 'lib')
    for line in result.stdout.split():
        assert line.startswith(site), f'{line} is not the wheel\'s copy under {site}'
    shutil.rmtree(venv)
