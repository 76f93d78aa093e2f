# Copyright (c) aclnet-mm contributors. All rights reserved.
"""What makes ``make demo`` print the same figures on every run."""
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config
from tool_scripts import load_tool

from aclnet_mm.utils.logged_run import (DEFAULT_ISA, PINNED_ISA_ENV,
                                        check_pinned_isa, deterministic_env,
                                        probe_cpu_kernels)

_demo = load_tool('run_demo.py')
DEMO_RUNS, parse_args = _demo.DEMO_RUNS, _demo.parse_args
ablation_summary, ABLATION_MARKER = _demo.ablation_summary, \
    _demo.ABLATION_MARKER

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_thread_count_is_the_tools_not_the_shells(monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '7')
    monkeypatch.setenv('MKL_NUM_THREADS', '7')
    assert parse_args([]).threads == 1
    env = deterministic_env(parse_args([]).threads)
    assert env['OMP_NUM_THREADS'] == env['MKL_NUM_THREADS'] == '1'
    assert env['OPENBLAS_NUM_THREADS'] == '1'
    assert env['CUBLAS_WORKSPACE_CONFIG'] == ':4096:8'
    assert deterministic_env(3)['OMP_NUM_THREADS'] == '3'


def test_demo_configs_are_seeded_and_deterministic():
    for _, config in DEMO_RUNS:
        cfg = Config.fromfile(osp.join(REPO, config))
        assert cfg.randomness == dict(seed=0, deterministic=True), config


def test_pinned_isa_takes_effect_in_a_fresh_process(monkeypatch):
    """torch itself reports the pinned capability in a process started with
    the tools' environment (the shell's own setting does not leak in)."""
    monkeypatch.setenv('ATEN_CPU_CAPABILITY', 'default')
    monkeypatch.setenv('MKL_CBWR', 'COMPATIBLE')
    env = deterministic_env(1)
    assert parse_args([]).isa == DEFAULT_ISA == 'avx2'
    for key, value in PINNED_ISA_ENV['avx2'].items():
        assert env[key] == value
    out = subprocess.run([
        sys.executable, '-c',
        'import torch; print(torch.backends.cpu.get_cpu_capability())'
    ],
                         env=env,
                         check=True,
                         stdout=subprocess.PIPE,
                         text=True).stdout
    assert out.split()[-1] == 'AVX2'
    assert check_pinned_isa(env, 'avx2') == 'AVX2'


def test_isa_default_leaves_the_libraries_unpinned(monkeypatch):
    for key in PINNED_ISA_ENV['avx2']:
        monkeypatch.delenv(key, raising=False)
    env = deterministic_env(1, 'default')
    assert not set(PINNED_ISA_ENV['avx2']) & set(env)
    # torch picks by CPU: the same as in a process without any pin.
    assert check_pinned_isa(env,
                            'default') == probe_cpu_kernels(env)['capability']
    with pytest.raises(ValueError, match='unknown instruction set'):
        deterministic_env(1, 'sse')


def test_a_cpu_without_the_pinned_isa_gets_one_clear_line():
    probe = probe_cpu_kernels()
    if probe['avx512']:
        pytest.skip('this CPU has AVX-512')
    # ATen believes the variable (it reports AVX512 on this CPU): the check
    # reads the CPU itself.
    with pytest.raises(
            SystemExit,
            match='this CPU has no AVX512 '
            'instructions.*--isa default'):
        check_pinned_isa(deterministic_env(1, 'avx512'), 'avx512')


def test_demo_prints_the_multi_seed_result_of_the_ablation_doc():
    lines = ablation_summary()
    text = '\n'.join(lines)
    assert lines[0].startswith('multi-seed result (')
    assert 'docs/advanced_guides/ablation.md' in lines[0]
    # Means +- std, intervals, the p-value and the conclusion of the
    # 10-seed CE vs ACLNet table.
    assert 'ce                87.16 +- 5.18   95 % CI [84.07, 90.12]' in text
    assert 'aclnet-faithful   88.52 +- 4.77' in text
    assert '+1.36, 95 % CI [-2.22, +4.57], paired t-test p = 0.48' in text
    assert 'conclusion: no detectable difference' in text


def test_missing_or_broken_ablation_block_is_one_line(tmp_path):
    missing = ablation_summary(str(tmp_path / 'ablation.md'))
    assert len(missing) == 1 and 'cannot read' in missing[0]
    no_block = tmp_path / 'no_block.md'
    no_block.write_text('# Ablation\n\nprose only\n')
    lines = ablation_summary(str(no_block))
    assert lines == [
        f'multi-seed result: no "{ABLATION_MARKER}" block in '
        f'{no_block}; run `make ablation` for one'
    ]
    broken = tmp_path / 'broken.md'
    broken.write_text(f'<!-- {ABLATION_MARKER}\n{{"seeds": 10}}\n-->\n')
    lines = ablation_summary(str(broken))
    assert len(lines) == 1 and 'is malformed (KeyError' in lines[0]


def test_result_header_names_the_pinned_setting():
    lines = _demo.format_results(
        dict(ce=dict(top1=0.9259, top5=1.0, mean_class=0.93)), 'avx2', 1)
    assert lines == [
        '== test split of the embedded set (last checkpoint; kernels: avx2, '
        'threads: 1) ==', 'run         top1    top5   mean1',
        'ce        0.9259  1.0000  0.9300'
    ]
