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


def snapshot(folder):
    """Every path below ``folder`` with its inode, size and mtime: any change to an installation shows."""
    found = {}
    for base, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(base, name)
            stat = os.lstat(path)
            found[os.path.relpath(path, folder)] = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    return found


BAD_SOURCES = ['empty', 'missing', 'not_odoo_folder', 'not_odoo_archive', 'odoo_17', 'odoo_17_archive']


@pytest.mark.parametrize('kind', BAD_SOURCES)
@pytest.mark.parametrize('installed', [False, True], ids=['fresh', 'over_a_working_install'])
def test_make_odoo_refuses_a_bad_source(tmp_path, kind, installed):
    """A refused source leaves the venv and the unpacked source exactly as they were (or absent)."""
    source = tmp_path / 'source'
    source.mkdir()
    if kind == 'empty':
        src, expected = '', 'ODOO_SRC is empty'
    elif kind == 'missing':
        src, expected = str(tmp_path / 'nowhere'), 'is neither a folder, an archive nor a URL'
    elif kind == 'not_odoo_folder':
        src, expected = str(source), "not Odoo's source"
    elif kind == 'not_odoo_archive':
        src = str(tmp_path / 'src.tar.gz')
        (source / 'readme.txt').write_text('hello')
        with tarfile.open(src, 'w:gz') as archive:
            archive.add(source / 'readme.txt', arcname='odoo-18.0/readme.txt')
        expected = "holds no odoo/release.py: not Odoo's source"
    else:
        (source / 'odoo').mkdir()
        (source / 'odoo' / 'release.py').write_text("version_info = (17, 0, 0, 'final', 0, '')\n")
        (source / 'requirements.txt').write_text('')
        src, expected = str(source), 'is not Odoo 18.0'
        if kind == 'odoo_17_archive':
            src = str(tmp_path / 'odoo17.zip')
            with zipfile.ZipFile(src, 'w') as archive:
                archive.write(source / 'odoo' / 'release.py', 'odoo-17.0/odoo/release.py')
                archive.write(source / 'requirements.txt', 'odoo-17.0/requirements.txt')
    venv, unpack = tmp_path / 'venv', tmp_path / 'unpack'
    if installed:
        # What a working `make odoo` from an archive leaves: the unpacked tree the venv's editable Odoo uses.
        (unpack / 'tree' / 'odoo-18.0' / 'odoo').mkdir(parents=True)
        (unpack / 'tree' / 'odoo-18.0' / 'odoo' / 'release.py').write_text("version_info = (18, 0, 0)\n")
        (venv / 'bin').mkdir(parents=True)
        (venv / 'bin' / 'python').write_text('#!/bin/sh\n')
        (venv / 'pyvenv.cfg').write_text('home = /usr/bin\n')
    before = (snapshot(venv), snapshot(unpack))
    env = {**os.environ, 'ODOO_UNPACK': str(unpack)}
    result = make('odoo', f'ODOO_SRC={src}', f'VENV={venv}', env=env)
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr
    assert (snapshot(venv), snapshot(unpack)) == before, 'a refused source must leave the installation as it was'
    assert venv.exists() == installed, 'a refused source must not leave a half-made venv behind'
    assert not [name for name in os.listdir(tmp_path) if name.startswith('.odoo-src-new')], 'staging left behind'


def fake_python(path, major):
    """A stand-in interpreter for the Makefile's choice: it answers the Odoo version it was given, or fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho {major}\n' if major else '#!/bin/sh\nexit 1\n')
    path.chmod(0o755)
    return path


def test_run_and_test_choose_their_python(tmp_path):
    """.venv's Python once it exists; else a python3 with Odoo 18; else .venv, created first (and said)."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHON'}
    venv = tmp_path / 'venv'
    no_odoo = fake_python(tmp_path / 'bare' / 'python3', None)
    system_odoo = fake_python(tmp_path / 'system' / 'python3', 18)
    for target in ('run', 'test'):
        dry = make('-n', target, f'VENV={venv}', f'BASE_PYTHON={no_odoo}', env=env).stdout
        assert 'no Odoo 18.0 importable' in dry and 'creating' in dry, dry
        assert dry.index('tools/make_odoo.sh') < dry.index('tools/preflight.py'), 'the venv comes first'
        assert f'{venv}/bin/python -m odoo' in dry, dry
        dry = make('-n', target, f'VENV={venv}', f'BASE_PYTHON={system_odoo}', env=env).stdout
        assert f'{system_odoo} -m odoo' in dry and 'make_odoo.sh' not in dry, dry
    python = fake_python(venv / 'bin' / 'python', 18)
    for target in ('run', 'test'):
        dry = make('-n', target, f'VENV={venv}', f'BASE_PYTHON={no_odoo}', env=env).stdout
        assert f'{python} -m odoo' in dry, dry
        assert 'curl' not in dry and 'pip' not in dry and 'make_odoo.sh' not in dry, 'an existing venv is used as is'


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
    # Odoo's own addons (calendar, resource...) are importable once its addons path is set, as a server does.
    odoo_addons = os.path.join(parent[0], 'addons')
    probe = (
        "import odoo; from odoo.tools import config; from odoo.modules.module import initialize_sys_path; "
        f"config['addons_path'] = {odoo_addons!r}; initialize_sys_path(); "
        "import odoo.addons.dental_clinic as a, odoo.addons.dental_clinic_sms as s; "
        "print(a.__file__); print(s.__file__)"
    )
    result = subprocess.run([python, '-c', probe], capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    site = str(venv / 'lib')
    for line in result.stdout.split():
        assert line.startswith(site), f'{line} is not the wheel\'s copy under {site}'
    shutil.rmtree(venv)
