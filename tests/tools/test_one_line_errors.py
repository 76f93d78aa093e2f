# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Bad input to a command-line tool: one line on stderr, not a traceback.

The tools run as subprocesses, as a user starts them; unexpected errors
(bugs) keep their traceback.
"""
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from tool_scripts import REPO_ROOT

from aclnet_mm.apis.cli_errors import one_line_errors, user_error_message


class _Payload:
    """Pickles to a call of ``os.system``: the file runs code if loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


@pytest.fixture(scope='module')
def bad_inputs(tmp_path_factory, write_tiny_config):
    from aclnet_mm.apis import init_recognizer
    root = tmp_path_factory.mktemp('bad_inputs')
    config = write_tiny_config(root / 'tiny.py', max_epochs=1)
    checkpoint = str(root / 'tiny.pth')
    model = init_recognizer(config, None, device='cpu')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    nan_input = str(root / 'nan.npy')
    keypoints = np.zeros((1, 8, 25, 3), np.float32)
    keypoints[0, 3, 4, 1] = np.nan
    np.save(nan_input, keypoints)
    marker = str(root / 'payload_ran')
    hostile = str(root / 'hostile.pkl')
    with open(hostile, 'wb') as file:
        pickle.dump([_Payload(marker)], file)
    return dict(
        config=config,
        checkpoint=checkpoint,
        nan_input=nan_input,
        hostile=hostile,
        marker=marker,
        root=str(root))


def _run_bad(script, *args):
    """Run ``script``; return its stderr lines, asserting a failure."""
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, script, *map(str, args)],
                          cwd=REPO_ROOT,
                          env=env,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE,
                          text=True,
                          timeout=300)
    assert proc.returncode != 0, proc.stdout[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    assert len(lines) == 1, proc.stderr[-3000:]
    assert lines[0].startswith(f'{script}: '), lines
    return lines[0]


def test_inference_cli_nan_input(bad_inputs):
    line = _run_bad('demo/infer_skeleton.py', bad_inputs['config'],
                    bad_inputs['checkpoint'], bad_inputs['nan_input'],
                    '--device', 'cpu')
    assert line == (
        'demo/infer_skeleton.py: keypoint has 1 NaN/inf value(s) of 600, '
        'the first at index (0, 3, 4, 1) of shape (1, 8, 25, 3); fill or '
        'drop missing joints before inference (e.g. zeros with score 0)')


def test_test_tool_file_url_and_missing_files(bad_inputs):
    missing = osp.join(bad_inputs['root'], 'missing.pth')
    line = _run_bad('tools/test.py', bad_inputs['config'], f'file://{missing}',
                    '--work-dir', osp.join(bad_inputs['root'], 'work'))
    assert line == f'tools/test.py: file://{missing} can not be found.'
    line = _run_bad('tools/test.py', bad_inputs['config'],
                    f'file://otherhost{bad_inputs["checkpoint"]}')
    assert 'file:// URLs must name a local file (file:///path)' in line
    line = _run_bad('tools/test.py', osp.join(bad_inputs['root'], 'no.py'),
                    bad_inputs['checkpoint'])
    assert line == ('tools/test.py: No such file or directory: '
                    f'{osp.join(bad_inputs["root"], "no.py")}')


def test_hostile_pickles_refused_in_one_line(bad_inputs):
    hostile = bad_inputs['hostile']
    line = _run_bad('tools/ensemble.py', '--preds', hostile, hostile)
    assert line.startswith(f'tools/ensemble.py: {hostile}: refused: it '
                           'names the global posix.system')
    # A pickle given as a checkpoint: refused by the safe loader.
    line = _run_bad('tools/test.py', bad_inputs['config'], hostile,
                    '--work-dir', osp.join(bad_inputs['root'], 'work'))
    assert line.startswith(f'tools/test.py: {hostile}: refused.')
    assert not osp.exists(bad_inputs['marker'])


def test_other_tools(bad_inputs):
    line = _run_bad('tools/visualize/render_skeleton.py',
                    bad_inputs['nan_input'], '--layout', 'nturgb+d', '--out',
                    osp.join(bad_inputs['root'], 'x.gif'))
    assert 'the keypoints have 1 NaN/inf value(s)' in line
    line = _run_bad('tools/benchmark.py', '--layout', 'no_such_layout')
    assert line.startswith('tools/benchmark.py: unknown skeleton layout '
                           "'no_such_layout'; registered:")


def _raise(err):
    raise err


def test_unexpected_errors_keep_their_traceback():
    from aclnet_mm.structures import get_layout
    from aclnet_mm.utils.logged_run import pinned_isa_env

    # Raised by our input checks.
    with pytest.raises(SystemExit, match="^tool: unknown instruction set 'x"):
        with one_line_errors('tool'):
            pinned_isa_env('x')
    with pytest.raises(SystemExit, match='^tool: unknown skeleton layout'):
        with one_line_errors('tool'):
            get_layout('no_such_layout')
    with pytest.raises(SystemExit, match='^tool: No such file or directory'):
        with one_line_errors('tool'):
            open('/nonexistent/file')
    # A ValueError from numpy, a bare KeyError and a RuntimeError are bugs
    # until shown otherwise: unchanged.
    with pytest.raises(ValueError):
        with one_line_errors('tool'):
            np.zeros(3).reshape(2)
    with pytest.raises(KeyError):
        with one_line_errors('tool'):
            {}['key']
    with pytest.raises(RuntimeError):
        with one_line_errors('tool'):
            _raise(RuntimeError('internal'))
    # Raised outside this repository (here: a test), a ValueError is not
    # taken for an input check.
    with pytest.raises(ValueError):
        with one_line_errors('tool'):
            _raise(ValueError('bad value'))
    assert user_error_message(KeyError('key')) is None
